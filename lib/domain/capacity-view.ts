/**
 * GET /api/capacity: how full the hub is, and whether the next tenant of a size would fit. Pure: the endpoint
 * (functions/capacity.ts) gathers the registry, the pool's claims, Route Server's learned routes and the firewall
 * policy; this turns them into the view. The "would it fit" answer is checkCapacity itself, fed through
 * capacityInputFor exactly as the onboarding check is, so the view never promises what onboarding refuses.
 */
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import {
  capacityInputFor, checkCapacity, groupNetworkRulePairs, policyPackingLimits, ROUTE_SERVER_MAX_ROUTES_PER_PEER, routesForTenant, tenantsThatMayAdvertise,
  type CapacityContext, type GatewayShape,
} from './capacity';
import { isClustersConnection } from './bootstrap/route-reflectors';
import { formatCidr, parseCidr } from './cidr';
import { remainingCapacity } from './cidr-allocation';
import type { ConnectionRoutes } from './expected-routes';
import { AZURE_FIREWALL_LIMITS, assignmentFromGroups, packRuleCollectionGroups } from './firewall-packing';
import { networkRulePairs, type TenantFirewallInput } from './firewall-rules';
import { ruleCollectionGroupSlot, tenantKey } from './names';
import { blocksInPrefix, blocksNeeded } from './tenant-spec';

export interface CapacityTenant {
  cluster: string;
  name: string;
  phase: string;
  cidr?: string;
  gateway: GatewayShape;
}

export interface CapacityFacts {
  generatedAt: string;
  /** Every AKS cluster in AKS_RESOURCE_GROUP. */
  clusters: readonly string[];
  /** Every tenant in the registry. */
  tenants: readonly CapacityTenant[];
  /** The egress supernet and every range not free in it: claims (allocated or quarantined) and reserved ranges. */
  pool: { supernet: string; taken: readonly string[] };
  routeServer: { connections: ReadonlyArray<{ name: string; peerIp: string; state: string }>; learned: readonly ConnectionRoutes[] };
  firewall: {
    policy: string;
    deployedGroups: readonly FirewallPolicyRuleCollectionGroup[];
    /** Tenants whose firewall intent is open (CIDR and allowlist). */
    openTenants: readonly TenantFirewallInput[];
    limits: { maxGroups: number; priorityBase: number };
  };
  routeBudgetPerPeer: number;
  nextTenant: GatewayShape;
}

export type GaugeName = 'poolBlocks' | 'routesPerPeer' | 'ruleCollectionGroups' | 'networkRulePairs' | 'groupSize';
export interface Gauge {
  /** pool:<supernet>, peer:<cluster>/<peer IP>, policy:<name> */
  scope: string;
  name: GaugeName;
  used: number;
  limit: number;
  unit: 'blocks' | 'routes' | 'groups' | 'pairs' | 'bytes';
  /** A line below the limit that egress-pilot keeps under (ROUTE_BUDGET_PER_PEER, 90% of a group's 2 MB). */
  budget?: number;
}

export interface PeerCapacity {
  peer: string;
  connection: string;
  state: string;
  /** Routes Route Server learned from this peer now (the larger count of its two instances). */
  routesAdvertised: number;
  /** What the capacity check counts: every /31 block of every tenant of the cluster that may advertise. */
  routesReserved: number;
  routeBudget: number;
  limit: number;
}

export interface ClusterCapacity {
  cluster: string;
  egressPool: { supernet: string; blockPrefixLength: number; usedBlocks: number; freeBlocks: number; totalBlocks: number; tenants: Array<{ tenant: string; cidr: string }> };
  routeReflectors: PeerCapacity[];
}

export interface GroupCapacity {
  name: string;
  priority: number;
  /** egress-pilot-<slot>; false for a group egress-pilot does not own (it counts against the group limit). */
  owned: boolean;
  tenants: string[];
  ruleCollections: number;
  rules: number;
  sourceDestinationPairs: number;
  estimatedBytes: number;
  limitBytes: number;
}

export interface PolicyCapacity {
  policy: string;
  ruleCollectionGroups: GroupCapacity[];
  totals: {
    ruleCollectionGroups: number;
    ruleCollectionGroupLimit: number;
    sourceDestinationPairs: number;
    sourceDestinationPairLimit: number;
    tenantsOpen: number;
    /** Limits the open tenants already break, as the packing judges them. */
    violations: string[];
  };
}

export interface CapacityView {
  generatedAt: string;
  clusters: ClusterCapacity[];
  firewallPolicies: PolicyCapacity[];
  nextTenant: GatewayShape & { fits: boolean; perCluster: Array<{ cluster: string; fits: boolean; reasons: string[] }> };
  gauges: Gauge[];
}

/** Routes a peer advertises now: distinct prefixes per Route Server instance, the larger count. */
function routesLearnedFrom(learned: readonly ConnectionRoutes[], connection: string): number {
  const routes = learned.find((c) => c.connection === connection)?.routes ?? {};
  return Math.max(0, ...Object.values(routes).map((list) => new Set(list.map((r) => r.network)).size));
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** A deployed group that egress-pilot does not own: it is only counted, never packed. */
function foreignGroup(group: FirewallPolicyRuleCollectionGroup): GroupCapacity {
  const collections = group.ruleCollections ?? [];
  return {
    name: group.name ?? '', priority: group.priority ?? 0, owned: false, tenants: [], ruleCollections: collections.length,
    rules: collections.reduce((n, c) => n + ('rules' in c ? (c.rules?.length ?? 0) : 0), 0),
    sourceDestinationPairs: groupNetworkRulePairs(group), estimatedBytes: bytesOf({ name: group.name, priority: group.priority, ruleCollections: collections }), limitBytes: AZURE_FIREWALL_LIMITS.groupBytes,
  };
}

export function capacityView(facts: CapacityFacts): CapacityView {
  const { nextTenant } = facts;
  const supernet = parseCidr(facts.pool.supernet);
  const taken = facts.pool.taken.map((c) => parseCidr(c));
  const totalBlocks = nextTenant.prefixLength >= supernet.prefixLength ? 2 ** (nextTenant.prefixLength - supernet.prefixLength) : 0;
  const freeBlocks = remainingCapacity(supernet, taken, nextTenant.prefixLength);
  const pool = { supernet: formatCidr(supernet), blockPrefixLength: nextTenant.prefixLength, usedBlocks: totalBlocks - freeBlocks, freeBlocks, totalBlocks };

  // The firewall policy as the onboarding check packs it: every open tenant, from the deployed assignment.
  const context = (cluster: string): CapacityContext => ({
    routeBudgetPerPeer: facts.routeBudgetPerPeer,
    clusterTenants: facts.tenants.filter((t) => t.cluster === cluster),
    openFirewallTenants: facts.firewall.openTenants,
    deployedGroups: facts.firewall.deployedGroups,
    firewallLimits: facts.firewall.limits,
  });
  const limits = policyPackingLimits(context(''));
  const packing = packRuleCollectionGroups(facts.firewall.openTenants, assignmentFromGroups(facts.firewall.deployedGroups), limits);

  const clusters = [...facts.clusters].sort().map((cluster): ClusterCapacity => {
    const mine = facts.tenants.filter((t) => t.cluster === cluster);
    const reserved = tenantsThatMayAdvertise(mine, '').reduce((n, t) => n + routesForTenant(t.gateway), 0);
    return {
      cluster,
      egressPool: { ...pool, tenants: mine.filter((t) => t.cidr).map((t) => ({ tenant: t.name, cidr: t.cidr! })).sort((a, b) => a.tenant.localeCompare(b.tenant)) },
      routeReflectors: facts.routeServer.connections.filter((c) => isClustersConnection(cluster, c.name)).sort((a, b) => a.peerIp.localeCompare(b.peerIp)).map((c) => ({
        peer: c.peerIp, connection: c.name, state: c.state,
        routesAdvertised: routesLearnedFrom(facts.routeServer.learned, c.name), routesReserved: reserved,
        routeBudget: facts.routeBudgetPerPeer, limit: ROUTE_SERVER_MAX_ROUTES_PER_PEER,
      })),
    };
  });

  const ours = packing.groups.map((g): GroupCapacity => ({
    name: g.name, priority: g.priority, owned: true, tenants: g.tenants, ruleCollections: g.ruleCollections.length,
    rules: g.ruleCollections.reduce((n, c) => n + c.rules.length, 0),
    sourceDestinationPairs: networkRulePairs(g.ruleCollections),
    estimatedBytes: g.estimatedBytes, limitBytes: AZURE_FIREWALL_LIMITS.groupBytes,
  }));
  const foreign = facts.firewall.deployedGroups.filter((g) => ruleCollectionGroupSlot(g.name ?? '') === undefined).map(foreignGroup);
  const groups = [...ours, ...foreign].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  const policy: PolicyCapacity = {
    policy: facts.firewall.policy,
    ruleCollectionGroups: groups,
    totals: {
      ruleCollectionGroups: groups.length, ruleCollectionGroupLimit: facts.firewall.limits.maxGroups,
      sourceDestinationPairs: packing.networkRulePairs, sourceDestinationPairLimit: AZURE_FIREWALL_LIMITS.networkRulePairsPerPolicy,
      tenantsOpen: new Set(facts.firewall.openTenants.map((t) => tenantKey(t.spec))).size,
      violations: packing.violations.map((v) => v.message),
    },
  };

  // The next tenant, judged by checkCapacity as onboarding would judge it. Its allowlist is not known yet, so
  // the firewall can only say whether the policy already breaks a limit; onboarding packs its real rules.
  const shapeProblem = blocksInPrefix(nextTenant.prefixLength) < blocksNeeded(nextTenant.replicas)
    ? [`a /${nextTenant.prefixLength} holds ${blocksInPrefix(nextTenant.prefixLength)} /31 block(s) but ${nextTenant.replicas} replica(s) need ${blocksNeeded(nextTenant.replicas)}`]
    : [];
  const perCluster = clusters.map(({ cluster }) => {
    const check = checkCapacity(capacityInputFor({ name: '', gateway: nextTenant, pool: { freeBlocks, supernet: pool.supernet } }, context(cluster)));
    const reasons = [...shapeProblem, ...check.violations.map((v) => v.message), ...policy.totals.violations.map((m) => `firewall policy ${policy.policy}: ${m}`)];
    return { cluster, fits: reasons.length === 0, reasons };
  });

  const largestGroup = Math.max(0, ...ours.map((g) => g.estimatedBytes));
  const gauges: Gauge[] = [
    { scope: `pool:${pool.supernet}`, name: 'poolBlocks', used: pool.usedBlocks, limit: pool.totalBlocks, unit: 'blocks' },
    ...clusters.flatMap((c) => c.routeReflectors.map((p): Gauge => ({
      scope: `peer:${c.cluster}/${p.peer}`, name: 'routesPerPeer', used: p.routesAdvertised, limit: p.limit, unit: 'routes', budget: p.routeBudget,
    }))),
    { scope: `policy:${policy.policy}`, name: 'ruleCollectionGroups', used: policy.totals.ruleCollectionGroups, limit: policy.totals.ruleCollectionGroupLimit, unit: 'groups' },
    { scope: `policy:${policy.policy}`, name: 'networkRulePairs', used: policy.totals.sourceDestinationPairs, limit: policy.totals.sourceDestinationPairLimit, unit: 'pairs' },
    { scope: `policy:${policy.policy}`, name: 'groupSize', used: largestGroup, limit: AZURE_FIREWALL_LIMITS.groupBytes, unit: 'bytes', budget: Math.floor(AZURE_FIREWALL_LIMITS.groupBytes * 0.9) },
  ];

  return {
    generatedAt: facts.generatedAt,
    clusters,
    firewallPolicies: [policy],
    nextTenant: { ...nextTenant, fits: perCluster.some((c) => c.fits), perCluster },
    gauges,
  };
}
