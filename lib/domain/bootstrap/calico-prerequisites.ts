/**
 * Calico Enterprise / Calico Cloud as a prerequisite of the cluster bootstrap. Egress gateways
 * (operator.tigera.io/v1 EgressGateway), EgressGatewayPolicy and Felix's `egressIPSupport` exist
 * only in those editions (reference/crds/SOURCES.md); the open-source Tigera operator serves none of
 * them, so without this check the bootstrap's first apply would fail with an error that does not say why.
 * The walkthrough checks `kubectl get tigerastatus` (apiserver and calico Available) before anything else.
 */

/** A kind the cluster must serve, as discovery names it. */
export interface RequiredKind {
  apiVersion: string;
  kind: string;
}

export const ENTERPRISE_KINDS = {
  egressGateway: { apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway' },
  egressGatewayPolicy: { apiVersion: 'projectcalico.org/v3', kind: 'EgressGatewayPolicy' },
  felixConfiguration: { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration' },
} as const satisfies Record<string, RequiredKind>;

export const TIGERA_STATUS: RequiredKind = { apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus' };

/**
 * The tigerastatus components the walkthrough's step 1 shows Available: `calico` (calico-node, Felix)
 * and `apiserver` (serves projectcalico.org/v3, so EgressGatewayPolicy and FelixConfiguration).
 * Calico Cloud adds more (cloud-core, …); they do not carry egress traffic, so they do not block.
 */
export const REQUIRED_COMPONENTS = ['calico', 'apiserver'] as const;

/** The Felix field that turns egress gateways on (Enterprise FelixConfiguration only). */
export const FELIX_EGRESS_FIELD = ['spec', 'egressIPSupport'] as const;

export interface ComponentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface CalicoFacts {
  cluster: string;
  served: { tigeraStatus: boolean; egressGateway: boolean; egressGatewayPolicy: boolean; felixConfiguration: boolean };
  /** The TigeraStatus objects (empty when the kind is not served). */
  components: ReadonlyArray<{ name: string; conditions: readonly ComponentCondition[] }>;
  /**
   * Whether the served FelixConfiguration schema (OpenAPI v3) has `spec.egressIPSupport`;
   * undefined when the cluster publishes no schema for it (then it is not judged).
   */
  felixEgressIpSupport: boolean | undefined;
}

/**
 * met: go on. wait: Calico is still being installed or is unhealthy (poll; the deadline then fails
 * with this reason). missing: the edition is up and lacks what egress gateways need (fail now).
 */
export type PrerequisiteVerdict =
  | { kind: 'met'; detail: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'missing'; reason: string };

const conditionOf = (conditions: readonly ComponentCondition[], type: string): ComponentCondition | undefined => conditions.find((c) => c.type === type);

/** Why a component is not ready, or undefined when it is Available and not Degraded. */
function componentProblem(name: string, components: CalicoFacts['components']): string | undefined {
  const component = components.find((c) => c.name === name);
  if (!component) return `tigerastatus ${name} does not exist`;
  const available = conditionOf(component.conditions, 'Available');
  const degraded = conditionOf(component.conditions, 'Degraded');
  const why = (c: ComponentCondition | undefined): string => (c?.message || c?.reason ? ` (${c.message || c.reason})` : '');
  if (available?.status !== 'True') return `tigerastatus ${name} is not Available${why(degraded?.status === 'True' ? degraded : available)}`;
  if (degraded?.status === 'True') return `tigerastatus ${name} is Degraded${why(degraded)}`;
  return undefined;
}

const remedy = (cluster: string): string =>
  `install Calico Enterprise (Tigera operator with license key and image pull secret) or join the cluster to Calico Cloud (infra/calico), then POST /api/clusters/${cluster}/bootstrap`;

export function judgeCalicoPrerequisites(facts: CalicoFacts): PrerequisiteVerdict {
  const { cluster } = facts;
  if (!facts.served.tigeraStatus) {
    return { kind: 'wait', reason: `cluster ${cluster} has no Tigera operator (operator.tigera.io/v1 TigeraStatus is not served): ${remedy(cluster)}` };
  }
  const unhealthy = REQUIRED_COMPONENTS.map((name) => componentProblem(name, facts.components)).filter((p): p is string => p !== undefined);
  if (unhealthy.length > 0) return { kind: 'wait', reason: `cluster ${cluster}: Calico is not ready: ${unhealthy.join('; ')}` };

  // Calico is up: what it lacks now is the edition's, not a moment of installation.
  const missing: string[] = [];
  const { egressGateway, egressGatewayPolicy, felixConfiguration } = ENTERPRISE_KINDS;
  if (!facts.served.egressGateway) missing.push(`${egressGateway.apiVersion} ${egressGateway.kind}`);
  if (!facts.served.egressGatewayPolicy) missing.push(`${egressGatewayPolicy.apiVersion} ${egressGatewayPolicy.kind}`);
  if (!facts.served.felixConfiguration) missing.push(`${felixConfiguration.apiVersion} ${felixConfiguration.kind}`);
  else if (facts.felixEgressIpSupport === false) missing.push(`Felix egress IP support (FelixConfiguration ${FELIX_EGRESS_FIELD.join('.')})`);
  if (missing.length === 0) {
    const felix = facts.felixEgressIpSupport === undefined ? '; FelixConfiguration schema not published, egressIPSupport not verified' : '';
    return { kind: 'met', detail: `Calico Enterprise kinds served, tigerastatus ${REQUIRED_COMPONENTS.join(', ')} Available${felix}` };
  }
  const edition = facts.served.egressGateway || facts.served.egressGatewayPolicy
    ? 'the installed Calico serves only part of them'
    : `the open-source Tigera operator is installed (tigerastatus ${REQUIRED_COMPONENTS.join(', ')} Available, no Enterprise kinds)`;
  return {
    kind: 'missing',
    reason: `cluster ${cluster} does not serve ${listed(missing)}: egress gateways need Calico Enterprise or Calico Cloud; ${edition}. To fix: ${remedy(cluster)}`,
  };
}

function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Does the OpenAPI v3 document of a group-version (`/openapi/v3/apis/<group>/<version>`) describe
 * `path` in the schema of `kind`? Schemas are found by `x-kubernetes-group-version-kind`; `$ref` and
 * single-entry `allOf` (how the API server wraps referenced fields) are followed. Undefined when the
 * document has no schema for the kind.
 */
export function schemaHasField(document: unknown, target: RequiredKind, path: readonly string[]): boolean | undefined {
  const schemas = isObject(document) && isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
  const [group, version] = target.apiVersion.includes('/') ? target.apiVersion.split('/') : ['', target.apiVersion];
  const matches = (gvk: unknown): boolean => isObject(gvk) && (gvk.group ?? '') === group && gvk.version === version && gvk.kind === target.kind;
  const root = Object.values(schemas).find((s) => {
    if (!isObject(s)) return false;
    const gvks = s['x-kubernetes-group-version-kind'];
    return Array.isArray(gvks) ? gvks.some(matches) : matches(gvks);
  });
  if (!isObject(root)) return undefined;
  const resolve = (schema: unknown, depth = 0): Json | undefined => {
    if (!isObject(schema) || depth > 8) return undefined;
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
      return resolve(schemas[name], depth + 1);
    }
    if (!isObject(schema.properties) && Array.isArray(schema.allOf) && schema.allOf.length === 1) return resolve(schema.allOf[0], depth + 1);
    return schema;
  };
  let current = resolve(root);
  for (const key of path) {
    const properties = current && isObject(current.properties) ? current.properties : undefined;
    if (!properties || !(key in properties)) return false;
    current = resolve(properties[key]);
  }
  return true;
}
