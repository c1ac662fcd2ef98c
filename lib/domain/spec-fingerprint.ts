/**
 * "Is this the same spec again?" and "what changed?" for validated tenant specs.
 * The canonical form ignores everything that does not change the resulting resources: key order, the order of
 * namespaces, rules and list entries, and duplicates. The fingerprint is a SHA-256 of that form, so an idempotent
 * PUT (or a replayed POST) can be recognised without comparing objects field by field.
 */
import { createHash } from 'node:crypto';
import type { ApplicationAllow, NetworkAllow, TenantSpec } from './tenant-spec';

const sortedUnique = (values: string[]): string[] => [...new Set(values)].sort();
const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The spec with every list sorted and de-duplicated; rules sorted by name (names are unique per kind). */
export function canonicalTenantSpec(spec: TenantSpec): TenantSpec {
  const applications: ApplicationAllow[] = spec.allow.applications
    .map((rule) => ({ name: rule.name, fqdns: sortedUnique(rule.fqdns), protocols: sortedUnique(rule.protocols) }))
    .sort(byName);
  const networks: NetworkAllow[] = spec.allow.networks
    .map((rule) => ({
      name: rule.name,
      destinations: sortedUnique(rule.destinations),
      ports: sortedUnique(rule.ports),
      protocols: sortedUnique(rule.protocols),
    }))
    .sort(byName);
  return {
    name: spec.name,
    cluster: spec.cluster,
    namespaces: sortedUnique(spec.namespaces),
    // Only when set, so specs written before the field existed keep their fingerprint.
    ...(spec.createNamespaces === true ? { createNamespaces: true } : {}),
    gateway: {
      replicas: spec.gateway.replicas, prefixLength: spec.gateway.prefixLength,
      // Only policy steering is written down: absent and "namespace" mean the same, and specs written before the
      // field existed keep their fingerprint. Rule order matters (it is the policy's order), so it is kept.
      ...(spec.gateway.steering?.mode === 'policy' ? { steering: { mode: 'policy' as const, rules: spec.gateway.steering.rules.map((r) => ({ destination: r.destination, via: r.via })) } } : {}),
    },
    allow: { applications, networks },
  };
}

/** JSON with object keys sorted at every level, so equal values always serialise to equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of the canonical spec. */
export function specFingerprint(spec: TenantSpec): string {
  return `sha256:${createHash('sha256').update(stableStringify(canonicalTenantSpec(spec))).digest('hex')}`;
}

/** Which parts of a tenant differ between two specs; each part maps to different work in the update orchestration. */
export interface SpecChanges {
  /** Nothing that matters changed (same fingerprint). */
  none: boolean;
  /** name or cluster differ: this is another tenant, not an update. */
  identity: boolean;
  /** Firewall rules must be rewritten. */
  allowlist: boolean;
  /** EgressGateway replicas (and so the expected /31 count) change. */
  replicas: boolean;
  /** Namespace annotations must be added/removed. */
  namespaces: boolean;
  /** gateway.steering changed: namespace annotations and the EgressGatewayPolicy are re-applied. */
  steering: boolean;
  /** The pool prefix changes: a new CIDR must be allocated (the IPPool CIDR is immutable in Calico). */
  prefixLength: boolean;
  /** Only the allowlist changed: no Calico or routing work. */
  allowlistOnly: boolean;
}

export function diffTenantSpecs(previous: TenantSpec, next: TenantSpec): SpecChanges {
  const a = canonicalTenantSpec(previous);
  const b = canonicalTenantSpec(next);
  const same = (x: unknown, y: unknown) => stableStringify(x) === stableStringify(y);
  const identity = a.name !== b.name || a.cluster !== b.cluster;
  const allowlist = !same(a.allow, b.allow);
  const replicas = a.gateway.replicas !== b.gateway.replicas;
  const namespaces = !same(a.namespaces, b.namespaces) || a.createNamespaces !== b.createNamespaces;
  const prefixLength = a.gateway.prefixLength !== b.gateway.prefixLength;
  const steering = !same(a.gateway.steering, b.gateway.steering);
  const none = !identity && !allowlist && !replicas && !namespaces && !prefixLength && !steering;
  return { none, identity, allowlist, replicas, namespaces, steering, prefixLength, allowlistOnly: allowlist && !identity && !replicas && !namespaces && !prefixLength && !steering };
}
