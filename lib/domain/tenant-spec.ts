/**
 * The tenant spec: what an operator asks for in `POST /api/tenants` (field names fixed by the HTTP API).
 * Validation returns EVERY problem with a JSON path (`allow.networks[0].destinations[1]`) and a reason.
 * Valid values are canonicalised (FQDNs lower-cased, protocol names in Azure's casing, "80-80" → "80")
 * but keep the operator's order; see spec-fingerprint.ts for the order-insensitive form.
 */
import { z } from 'zod';
import {
  formatApplicationProtocol,
  isEverywhere,
  parseApplicationProtocol,
  parseDestination,
  parseFqdn,
  parseNetworkProtocol,
  parsePort,
  type Destination,
  type Parsed,
} from './allowlist-syntax';
import { formatPrefix, parseIpv4Cidr, prefixContains } from './ipv4';
import { AKS_CLUSTER_NAME, DNS1123_LABEL, MAX_CLUSTER_PLUS_TENANT, MAX_TENANT_NAME_LENGTH, tenantNames } from './names';

export interface ApplicationAllow {
  name: string;
  fqdns: string[];
  /** "<Http|Https|Mssql>:<port>" */
  protocols: string[];
}
export interface NetworkAllow {
  name: string;
  /** IPv4 addresses, aligned IPv4 CIDRs, FQDNs (or "*" when broad rules are allowed). */
  destinations: string[];
  /** "53", "8000-8080" or "*" */
  ports: string[];
  /** TCP | UDP | ICMP | Any */
  protocols: string[];
}
export interface TenantSpec {
  name: string;
  cluster: string;
  namespaces: string[];
  /**
   * Create application namespaces that do not exist yet (labelled as managed by egress-pilot, and
   * deleted on offboarding when nothing else runs in them). Off: a missing namespace is refused.
   */
  createNamespaces?: boolean;
  gateway: { replicas: number; prefixLength: number; steering?: GatewaySteering };
  allow: { applications: ApplicationAllow[]; networks: NetworkAllow[] };
}
/** One destination of policy steering: reached through the tenant's gateway, or directly (no gateway). */
export interface SteeringRule {
  /** An aligned IPv4 CIDR (`10.0.0.0/8`, `0.0.0.0/0`). */
  destination: string;
  via: 'gateway' | 'direct';
}
/**
 * Which destinations take the tenant's gateway:
 * - `namespace` (default): all egress of the application namespaces (the walkthrough's annotations);
 * - `policy`: the tenant's EgressGatewayPolicy; `rules` in order, narrower destinations first (Calico picks the
 *   longest prefix, so an order where first match ≠ longest prefix is refused); what no rule names goes through
 *   the gateway.
 */
export type GatewaySteering = { mode: 'namespace' } | { mode: 'policy'; rules: SteeringRule[] };

export interface SpecOptions {
  /** ALLOW_BROAD_RULES: permit "*" FQDNs, 0.0.0.0/0 and Any-to-everything. */
  allowBroadRules: boolean;
  /** DEFAULT_POOL_PREFIX_LENGTH */
  defaultPrefixLength: number;
}
export interface FieldError {
  field: string;
  reason: string;
}
export type SpecValidation = { ok: true; spec: TenantSpec } | { ok: false; errors: FieldError[] };

/** Limits that keep one tenant's firewall rules and routes modest; capacity.ts checks the totals. */
export const SPEC_LIMITS = {
  maxReplicas: 16,
  /** A /20 holds 2,048 /31 blocks, already far beyond one Route Server peer's 1,000 routes. */
  minPrefixLength: 20,
  maxPrefixLength: 30,
  maxRulesPerKind: 50,
  maxEntriesPerRule: 100,
  maxNamespaces: 100,
  maxSteeringRules: 20,
} as const;

/** Namespaces whose traffic must never be steered through a tenant gateway. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'calico-system', 'tigera-operator', 'calico-apiserver']);
const BROAD_HINT = 'set ALLOW_BROAD_RULES=true to permit it';
const RULE_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** /31 blocks a pool of this prefix length holds. */
export const blocksInPrefix = (prefixLength: number): number => 2 ** (31 - prefixLength);
/** Replicas + one spare block, so a rolling restart can start a new pod before the old one releases its /31. */
export const blocksNeeded = (replicas: number): number => replicas + 1;

/** A string refined (and canonicalised) by one of the allowlist parsers. */
const parsedString = <T>(parse: (text: string) => Parsed<T>, format: (value: T) => string) =>
  z.string({ error: 'must be a string' }).transform((text, ctx) => {
    const result = parse(text.trim());
    if (result.ok) return format(result.value);
    ctx.addIssue({ code: 'custom', message: result.reason });
    return z.NEVER;
  });

const list = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item, { error: `must be an array of ${what}` })
    .min(1, { error: `must list at least one ${what.replace(/s$/, '')}` })
    .max(SPEC_LIMITS.maxEntriesPerRule, { error: `must list at most ${SPEC_LIMITS.maxEntriesPerRule} ${what}` });

const ruleName = z.string({ error: 'must be a string' }).regex(RULE_NAME, { error: 'must be a DNS-1123 label (lower-case letters, digits, "-"; ≤ 63)' });

function uniqueNames(rules: Array<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate rule name "${rule.name}"` });
    seen.add(rule.name);
  });
}

/**
 * Calico sends a destination by its longest matching prefix; the spec reads top to bottom. They agree only
 * when no rule lies inside an earlier one, so such a rule (it could never match first) is refused.
 */
function steeringOrder(rules: SteeringRule[], ctx: z.RefinementCtx): void {
  rules.forEach((rule, index) => {
    const prefix = parseIpv4Cidr(rule.destination);
    const earlier = rules.slice(0, index).findIndex((other) => {
      const outer = parseIpv4Cidr(other.destination);
      return outer !== undefined && prefix !== undefined && prefixContains(outer, prefix);
    });
    if (earlier < 0) return;
    const same = rules[earlier]!.destination === rule.destination;
    ctx.addIssue({
      code: 'custom', path: [index, 'destination'],
      message: same
        ? `duplicate destination ${rule.destination} (rules[${earlier}])`
        : `${rule.destination} lies inside rules[${earlier}] (${rules[earlier]!.destination}) and would never match first: list the narrower destination first`,
    });
  });
}

function buildSchema(options: SpecOptions) {
  const broad = options.allowBroadRules;
  // Broad entries are refused per entry, so the error points at the exact list item.
  const fqdn = (text: string): Parsed<string> => {
    const parsed = parseFqdn(text, true);
    return parsed.ok && parsed.value === '*' && !broad ? { ok: false, reason: `a bare "*" allows every site; ${BROAD_HINT}` } : parsed;
  };
  const destination = (text: string): Parsed<Destination> => {
    const parsed = parseDestination(text);
    return parsed.ok && isEverywhere(parsed.value) && !broad
      ? { ok: false, reason: `"${text}" opens every destination; ${BROAD_HINT}` }
      : parsed;
  };
  const application = z.strictObject({
    name: ruleName,
    fqdns: list(parsedString(fqdn, (v) => v), 'FQDNs'),
    protocols: list(parsedString(parseApplicationProtocol, formatApplicationProtocol), 'protocols'),
  }, { error: 'must be an object' });
  // "Any to everything" needs no rule of its own: every destination meaning everything ("*", 0.0.0.0/0) is
  // already refused per entry whatever the protocol, which is stricter.
  const network = z
    .strictObject({
      name: ruleName,
      destinations: list(parsedString(destination, (d) => d.text), 'destinations'),
      ports: list(parsedString(parsePort, (v) => v), 'ports'),
      protocols: list(parsedString(parseNetworkProtocol, (v) => v), 'protocols'),
    }, { error: 'must be an object' });
  const steeringRule = z.strictObject({
    destination: z.string({ error: 'must be a string' }).transform((text, ctx) => {
      const prefix = parseIpv4Cidr(text.trim());
      if (prefix) return formatPrefix(prefix);
      ctx.addIssue({ code: 'custom', message: `"${text}" is not an aligned IPv4 CIDR (e.g. 10.0.0.0/8)` });
      return z.NEVER;
    }),
    via: z.enum(['gateway', 'direct'], { error: 'must be "gateway" or "direct"' }),
  }, { error: 'must be an object' });
  const steering = z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('namespace') }, { error: 'must be an object' }),
    z.strictObject({
      mode: z.literal('policy'),
      rules: z
        .array(steeringRule, { error: 'must be an array of rules' })
        .min(1, { error: 'must list at least one rule' })
        .max(SPEC_LIMITS.maxSteeringRules, { error: `must list at most ${SPEC_LIMITS.maxSteeringRules} rules` })
        .superRefine(steeringOrder),
    }, { error: 'must be an object' }),
  ], { error: 'mode must be "namespace" or "policy"' });
  const gateway = z
    .strictObject({
      steering: steering.optional(),
      replicas: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: `must be 1..${SPEC_LIMITS.maxReplicas}` })
        .max(SPEC_LIMITS.maxReplicas, { error: `must be 1..${SPEC_LIMITS.maxReplicas}` })
        .default(2),
      prefixLength: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number' })
        .min(SPEC_LIMITS.minPrefixLength, { error: `must be ${SPEC_LIMITS.minPrefixLength}..${SPEC_LIMITS.maxPrefixLength}` })
        .max(SPEC_LIMITS.maxPrefixLength, { error: `must be ${SPEC_LIMITS.minPrefixLength}..${SPEC_LIMITS.maxPrefixLength}` })
        .default(options.defaultPrefixLength),
    }, { error: 'must be an object' })
    .superRefine(({ replicas, prefixLength }, ctx) => {
      if (blocksInPrefix(prefixLength) < blocksNeeded(replicas))
        ctx.addIssue({
          code: 'custom',
          path: ['prefixLength'],
          message:
            `a /${prefixLength} holds ${blocksInPrefix(prefixLength)} /31 block(s) but ${replicas} replica(s) need ` +
            `${blocksNeeded(replicas)} (one spare for rolling restarts); use /${31 - Math.ceil(Math.log2(blocksNeeded(replicas)))} or shorter`,
        });
    });

  return z
    .strictObject({
      name: tenantNameSchema,
      cluster: clusterNameSchema,
      namespaces: z
        .array(
          z.string({ error: 'must be a string' }).regex(DNS1123_LABEL, { error: 'must be a Kubernetes namespace name (DNS-1123 label)' })
            .refine((ns) => !SYSTEM_NAMESPACES.has(ns), { error: 'system namespaces cannot egress through a tenant gateway' }),
          { error: 'must be an array of namespace names' },
        )
        .max(SPEC_LIMITS.maxNamespaces, { error: `must list at most ${SPEC_LIMITS.maxNamespaces} namespaces` })
        .default([])
        .superRefine((namespaces, ctx) => {
          namespaces.forEach((ns, index) => {
            if (namespaces.indexOf(ns) !== index) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate namespace "${ns}"` });
          });
        }),
      createNamespaces: z.boolean({ error: 'must be true or false' }).optional(),
      gateway: gateway.default({ replicas: 2, prefixLength: options.defaultPrefixLength }),
      allow: z
        .strictObject({
          applications: z.array(application, { error: 'must be an array' }).max(SPEC_LIMITS.maxRulesPerKind, { error: `must list at most ${SPEC_LIMITS.maxRulesPerKind} rules` }).default([]).superRefine(uniqueNames),
          networks: z.array(network, { error: 'must be an array' }).max(SPEC_LIMITS.maxRulesPerKind, { error: `must list at most ${SPEC_LIMITS.maxRulesPerKind} rules` }).default([]).superRefine(uniqueNames),
        }, { error: 'must be an object' })
        .default({ applications: [], networks: [] }),
    }, { error: 'must be an object' })
    .superRefine((spec, ctx) => {
      if (spec.cluster.length + spec.name.length > MAX_CLUSTER_PLUS_TENANT)
        ctx.addIssue({
          code: 'custom',
          path: ['name'],
          message: `with cluster "${spec.cluster}" the firewall collection name would exceed 80 characters: cluster + name must be ≤ ${MAX_CLUSTER_PLUS_TENANT} characters`,
        });
      const own = tenantNames(spec).namespace;
      spec.namespaces.forEach((ns, index) => {
        if (ns === own) ctx.addIssue({ code: 'custom', path: ['namespaces', index], message: `"${own}" is the tenant's own gateway namespace` });
      });
    });
}

/** A tenant name, wherever one arrives (the spec, a URL path): the rules and the reasons are these. */
export const tenantNameSchema = z
  .string({ error: 'must be a string' })
  .max(MAX_TENANT_NAME_LENGTH, { error: `must be at most ${MAX_TENANT_NAME_LENGTH} characters (namespace "<name>-egw" is a 63-character label)` })
  .regex(DNS1123_LABEL, { error: 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric' });

/** An AKS cluster name, wherever one arrives (the spec, a URL path, a query). */
export const clusterNameSchema = z
  .string({ error: 'must be a string' })
  .regex(AKS_CLUSTER_NAME, { error: 'must be an AKS cluster name: 1-63 letters, digits, "-" or "_", starting and ending alphanumeric' });

/** `allow.networks[0].destinations[1]` from zod's path segments. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** The value at a zod path in the raw input (zod does not report inputs by default). */
function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function toFieldErrors(input: unknown, issues: ReadonlyArray<z.core.$ZodIssue>): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: formatFieldPath([...issue.path, key]), reason: 'unknown field' }));
    const required = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return [{ field: formatFieldPath(issue.path) || '(spec)', reason: required ? 'is required' : issue.message }];
  });
}

export function validateTenantSpec(input: unknown, options: SpecOptions): SpecValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, errors: [{ field: '(spec)', reason: 'must be a JSON object' }] };
  const result = buildSchema(options).safeParse(input);
  return result.success ? { ok: true, spec: result.data } : { ok: false, errors: toFieldErrors(input, result.error.issues) };
}
