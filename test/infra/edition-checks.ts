/**
 * Checkers for the Calico edition of infra/modules/calico-operator: egress gateways exist only in Calico
 * Enterprise and Calico Cloud, so the edition variable must refuse open source, and every install resource
 * must belong to exactly one edition (count / for_each on it) so the other edition's charts never install.
 */
import { isObj, type TfModule } from './hcl';

export const EDITIONS = ['enterprise', 'cloud'] as const;

/** `calico_edition` has a validation `contains([...], var.calico_edition)` listing exactly the editions, and a message saying why. */
export function checkEditionVariable(mod: TfModule): string[] {
  const decl = mod.variables.get('calico_edition');
  if (!decl) return [`${mod.dir}: variable "calico_edition" is missing`];
  const validations = Array.isArray(decl.validation) ? decl.validation.filter(isObj) : isObj(decl.validation) ? [decl.validation] : [];
  const problems: string[] = [];
  if ('default' in decl) problems.push(`${mod.dir}: variable "calico_edition" has a default: the edition must be chosen`);
  const listed = validations
    .map((v) => (typeof v.condition === 'string' ? /^\$\{contains\(\[([^\]]*)\],\s*var\.calico_edition\)\}$/.exec(v.condition) : null))
    .find((m) => m !== null);
  if (!listed) return [...problems, `${mod.dir}: variable "calico_edition" needs a validation contains([...], var.calico_edition)`];
  const allowed = [...listed[1]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!).sort();
  if (JSON.stringify(allowed) !== JSON.stringify([...EDITIONS].sort())) problems.push(`${mod.dir}: calico_edition accepts ${allowed.join(', ')}; it must accept exactly ${EDITIONS.join(', ')}`);
  const message = String(validations.find((v) => String(v.condition).includes('contains('))?.error_message ?? '');
  for (const word of ['open-source', 'EgressGateway', 'Calico Enterprise', 'Calico Cloud']) {
    if (!message.includes(word)) problems.push(`${mod.dir}: calico_edition's error_message must say why open source is refused (missing "${word}")`);
  }
  return problems;
}

/** Which edition a resource's count / for_each gates it on, or undefined when it is not gated on one. */
export function editionOf(body: Record<string, unknown>): (typeof EDITIONS)[number] | undefined {
  const gate = typeof body.count === 'string' ? body.count : typeof body.for_each === 'string' ? body.for_each : '';
  const found = EDITIONS.filter((e) => new RegExp(`local\\.${e}\\b|var\\.calico_edition\\s*==\\s*"${e}"`).test(gate));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Every resource except the edition-neutral ones (RBAC) is gated on exactly one edition, and each edition
 * installs something: a resource without a gate would install one edition's charts on the other's clusters.
 */
export function checkEditionGates(mod: TfModule, neutral: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const installs = new Map<string, string[]>(EDITIONS.map((e) => [e, []]));
  for (const [key, body] of mod.resources) {
    if (neutral.has(key)) {
      if ('count' in body || 'for_each' in body) problems.push(`${mod.dir}: ${key} is edition-neutral but conditional`);
      continue;
    }
    const edition = editionOf(body);
    if (!edition) problems.push(`${mod.dir}: ${key} is not gated on one Calico edition (count = local.enterprise ? 1 : 0 or local.cloud ? 1 : 0)`);
    else installs.get(edition)!.push(key);
  }
  for (const [edition, keys] of installs) if (keys.length === 0) problems.push(`${mod.dir}: edition "${edition}" installs nothing`);
  return problems;
}
