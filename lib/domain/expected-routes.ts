/**
 * Which routes Route Server must learn for the tenants of a cluster, and a matcher over what it did learn.
 *
 * Why "any N distinct /31s" and not a fixed list: each gateway pod gets its address from a /31 block that Calico
 * IPAM picks from the tenant pool (blockSize 31), and the route reflectors advertise those blocks. WHICH block each
 * pod gets is IPAM's choice (the walkthrough's single route was 10.99.0.2/31, not .0/31), and a rolling restart
 * moves pods to the spare block. So a tenant with R replicas is complete on an instance when that instance has
 * learned at least R distinct /31s inside the tenant CIDR; the CIDR holds R+1 or more candidate blocks.
 *
 * Learned routes come per BGP connection (one per route reflector), each keyed by Route Server instance
 * (`RouteServiceRole_IN_0`, `_IN_1`). A route counts for an instance if ANY connection delivered it there;
 * both instances must be complete (Azure requires every NVA to peer with both).
 */
import type { PeerRoute } from '@azure/arm-network';
import { GATEWAY_BLOCK_SIZE } from './ippool-rules';
import { formatPrefix, parseIpv4Cidr, prefixContains, prefixSize, type Ipv4Prefix } from './ipv4';

export const ROUTE_SERVER_INSTANCES = ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'] as const;

export interface TenantRoutes {
  /** tenantKey: `<cluster>/<name>` */
  tenant: string;
  cidr: string;
  replicas: number;
}

/** The /31 blocks a tenant's gateway pods may take, and how many of them must be learned. */
export interface ExpectedRoutes {
  tenant: string;
  cidr: string;
  /** Every /31 inside the CIDR: any `required` distinct ones of them satisfy the tenant. */
  candidates: string[];
  required: number;
}

export function expectedRoutes({ tenant, cidr, replicas }: TenantRoutes): ExpectedRoutes {
  const pool = parseIpv4Cidr(cidr);
  if (!pool || pool.length > GATEWAY_BLOCK_SIZE) throw new Error(`cidr: "${cidr}" is not an aligned IPv4 CIDR of /${GATEWAY_BLOCK_SIZE} or larger`);
  const count = prefixSize(pool.length) / prefixSize(GATEWAY_BLOCK_SIZE);
  if (replicas > count) throw new Error(`replicas: ${replicas} exceed the ${count} /31 block(s) of ${cidr}`);
  const candidates = Array.from({ length: count }, (_, i) => formatPrefix({ base: pool.base + i * 2, length: GATEWAY_BLOCK_SIZE }));
  return { tenant, cidr, candidates, required: replicas };
}

/** One BGP connection's learned-routes result, as `beginListLearnedRoutesAndWait` returns it. */
export interface ConnectionRoutes {
  connection: string;
  routes: { [instance: string]: PeerRoute[] };
}

export type UnexpectedReason = 'outside-supernet' | 'no-tenant' | 'not-a-/31' | 'unparseable';
export interface UnexpectedRoute {
  instance: string;
  network: string;
  reason: UnexpectedReason;
  connection: string;
  sourcePeer?: string;
}

export interface TenantInstanceStatus {
  /** Distinct /31s inside the tenant CIDR learned on this instance, sorted. */
  learned: string[];
  missing: number;
}
export interface TenantRouteStatus {
  required: number;
  instances: Record<string, TenantInstanceStatus>;
  complete: boolean;
}
export interface InstanceSummary {
  /** /31s counted towards tenants (each capped at its `required`). */
  learned: number;
  expected: number;
  missing: number;
  unexpected: UnexpectedRoute[];
}
export interface RouteMatchReport {
  instances: Record<string, InstanceSummary>;
  tenants: Record<string, TenantRouteStatus>;
  unexpected: UnexpectedRoute[];
  /** Every tenant complete on every instance. */
  complete: boolean;
  /** For progress ("routes learned x/y"): summed over tenants and both instances. */
  learned: number;
  expected: number;
}

interface Owner {
  tenant: string;
  prefix: Ipv4Prefix;
  required: number;
}

/**
 * The owner whose CIDR holds `prefix`. Owners are sorted by base address and their CIDRs are
 * disjoint (one claim per block), so a binary search finds the only candidate: matching every
 * learned route of a cluster stays O(routes · log tenants), not O(routes · tenants).
 */
function ownerOf(prefix: Ipv4Prefix, sorted: ReadonlyArray<Owner>): Owner | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let candidate: Owner | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.prefix.base <= prefix.base) { candidate = sorted[mid]; lo = mid + 1; } else hi = mid - 1;
  }
  return candidate && prefixContains(candidate.prefix, prefix) ? candidate : sorted.find((o) => prefixContains(o.prefix, prefix));
}

function classify(network: string, supernet: Ipv4Prefix, owners: ReadonlyArray<Owner>): { owner: Owner; prefix: Ipv4Prefix } | UnexpectedReason {
  const prefix = parseIpv4Cidr(network, false);
  if (!prefix) return 'unparseable';
  if (!prefixContains(supernet, prefix)) return 'outside-supernet';
  const owner = ownerOf(prefix, owners);
  if (!owner) return 'no-tenant';
  return prefix.length === GATEWAY_BLOCK_SIZE ? { owner, prefix } : 'not-a-/31';
}

export function matchLearnedRoutes(input: {
  supernet: string;
  tenants: ReadonlyArray<TenantRoutes>;
  learned: ReadonlyArray<ConnectionRoutes>;
}): RouteMatchReport {
  const supernet = parseIpv4Cidr(input.supernet);
  if (!supernet) throw new Error(`supernet: "${input.supernet}" is not an aligned IPv4 CIDR`);
  const owners: Owner[] = input.tenants.map((t) => {
    expectedRoutes(t); // validates cidr and replicas
    return { tenant: t.tenant, prefix: parseIpv4Cidr(t.cidr) ?? supernet, required: t.replicas };
  }).sort((a, b) => a.prefix.base - b.prefix.base);

  const instanceNames = [...new Set([...ROUTE_SERVER_INSTANCES, ...input.learned.flatMap((c) => Object.keys(c.routes))])].sort();
  const seen = new Map<string, Map<string, Set<string>>>(); // instance → tenant → /31s
  const unexpected: UnexpectedRoute[] = [];
  const reported = new Set<string>();
  for (const { connection, routes } of input.learned)
    for (const [instance, list] of Object.entries(routes))
      for (const route of list) {
        const network = route.network ?? '';
        const verdict = classify(network, supernet, owners);
        if (typeof verdict === 'string') {
          const id = `${instance}|${network}|${verdict}`;
          if (!reported.has(id)) unexpected.push({ instance, network, reason: verdict, connection, ...(route.sourcePeer ? { sourcePeer: route.sourcePeer } : {}) });
          reported.add(id);
          continue;
        }
        const byTenant = seen.get(instance) ?? new Map<string, Set<string>>();
        seen.set(instance, byTenant);
        const blocks = byTenant.get(verdict.owner.tenant) ?? new Set<string>();
        byTenant.set(verdict.owner.tenant, blocks);
        blocks.add(formatPrefix(verdict.prefix));
      }

  const tenants: Record<string, TenantRouteStatus> = {};
  for (const owner of owners) {
    const instances: Record<string, TenantInstanceStatus> = {};
    for (const instance of instanceNames) {
      const learned = [...(seen.get(instance)?.get(owner.tenant) ?? [])].sort();
      instances[instance] = { learned, missing: Math.max(0, owner.required - learned.length) };
    }
    tenants[owner.tenant] = { required: owner.required, instances, complete: Object.values(instances).every((s) => s.missing === 0) };
  }

  const instances: Record<string, InstanceSummary> = {};
  for (const instance of instanceNames) {
    const expected = owners.reduce((n, o) => n + o.required, 0);
    const learned = owners.reduce((n, o) => n + Math.min(o.required, tenants[o.tenant]!.instances[instance]!.learned.length), 0);
    instances[instance] = { learned, expected, missing: expected - learned, unexpected: unexpected.filter((u) => u.instance === instance) };
  }
  const summary = Object.values(instances);
  return {
    instances,
    tenants,
    unexpected,
    complete: Object.values(tenants).every((t) => t.complete),
    learned: summary.reduce((n, s) => n + s.learned, 0),
    expected: summary.reduce((n, s) => n + s.expected, 0),
  };
}

/** Routes still learned anywhere inside a CIDR: a released tenant's block is reusable only when this is empty. */
export function routesInside(cidr: string, learned: ReadonlyArray<ConnectionRoutes>): Array<{ instance: string; network: string; connection: string }> {
  const pool = parseIpv4Cidr(cidr);
  if (!pool) throw new Error(`cidr: "${cidr}" is not an aligned IPv4 CIDR`);
  return learned.flatMap(({ connection, routes }) =>
    Object.entries(routes).flatMap(([instance, list]) =>
      list
        .filter((route) => {
          const prefix = parseIpv4Cidr(route.network ?? '', false);
          return prefix !== undefined && (prefixContains(pool, prefix) || prefixContains(prefix, pool));
        })
        .map((route) => ({ instance, network: route.network ?? '', connection })),
    ),
  );
}
