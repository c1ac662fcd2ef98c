/**
 * The capacity check run before any change: would this tenant (new or changed) still fit every limit?
 * It reports EVERY violated limit with its numbers, so an operator sees the whole picture at once.
 *
 * Route budget: each route reflector is ONE Route Server peer and advertises every tenant's /31s on its cluster;
 * Route Server drops the session above 1,000 routes per peer (counting current + update), so we keep under
 * ROUTE_BUDGET_PER_PEER. A tenant is counted at every /31 block of its pool, not just its replicas: Calico IPAM
 * may keep an emptied block affine to a node (and advertised) after a gateway pod moves, and the pool cannot
 * hand out more blocks than it has, so that is the tight upper bound.
 */
import type { FirewallPolicyRuleCollectionGroup, NetworkRule } from '@azure/arm-network';
import { assignmentFromGroups, packRuleCollectionGroups, type FirewallLimit, type PackingLimits, type PackingResult } from './firewall-packing';
import { networkRulePairs, type TenantFirewallInput } from './firewall-rules';
import { ruleCollectionGroupSlot, tenantKey } from './names';
import { blocksInPrefix } from './tenant-spec';

/** Route Server allows 8 BGP peers in total (all clusters' route reflectors together). */
export const ROUTE_SERVER_MAX_PEERS = 8;
/** Route Server drops a BGP session whose peer advertises more than 1,000 routes (reference/azure/NOTES.md). */
export const ROUTE_SERVER_MAX_ROUTES_PER_PEER = 1000;

export interface GatewayShape {
  replicas: number;
  prefixLength: number;
}

export interface CapacityInput {
  /** ROUTE_BUDGET_PER_PEER */
  routeBudgetPerPeer: number;
  /** The other tenants on the same cluster (without the one being checked). */
  clusterTenants: ReadonlyArray<GatewayShape>;
  /** The tenant being onboarded or changed. */
  candidate: GatewayShape;
  /** Routes inside the supernet advertised by the cluster but owned by no live tenant (e.g. released, not yet withdrawn). */
  otherAdvertisedRoutes?: number;
  /** Only when the change needs a new block: free aligned blocks of candidate.prefixLength (cidr-allocation's remainingCapacity). */
  pool?: { freeBlocks: number; supernet: string };
  /** Firewall: every tenant on the policy WITH the candidate's new allowlist, the deployed assignment, and the limits. */
  firewall?: { tenants: ReadonlyArray<TenantFirewallInput>; previous: Readonly<Record<string, number>>; limits: PackingLimits };
}

/**
 * The other tenants of a cluster that count against its route budget: every one that may still advertise
 * /31s. A Failed tenant that kept (or has not yet released) its CIDR is one; a Deleted or rolled-back one
 * without a CIDR is not. Crossing Route Server's per-peer limit drops the session for every tenant on it.
 */
export function tenantsThatMayAdvertise<T extends { name: string; phase: string; cidr?: string }>(tenants: readonly T[], except: string): T[] {
  return tenants.filter((t) => t.name !== except && (t.cidr !== undefined || (t.phase !== 'Deleted' && t.phase !== 'Failed')));
}

export type CapacityLimit = 'routeBudgetPerPeer' | 'pool' | FirewallLimit;
export interface CapacityViolation {
  limit: CapacityLimit;
  actual: number;
  max: number;
  message: string;
}
export interface CapacityResult {
  ok: boolean;
  violations: CapacityViolation[];
  /** Routes each route reflector would advertise after the change, and the budget. */
  routesPerPeer: number;
  routeBudgetPerPeer: number;
  /** The packing, when a firewall check was requested (callers reuse it to write the groups). */
  packing?: PackingResult;
}

/** Upper bound of /31 routes one tenant makes each route reflector advertise. */
export const routesForTenant = (gateway: GatewayShape): number => blocksInPrefix(gateway.prefixLength);

export function checkCapacity(input: CapacityInput): CapacityResult {
  const violations: CapacityViolation[] = [];
  const routesPerPeer =
    [...input.clusterTenants, input.candidate].reduce((n, tenant) => n + routesForTenant(tenant), 0) + (input.otherAdvertisedRoutes ?? 0);
  if (routesPerPeer > input.routeBudgetPerPeer)
    violations.push({
      limit: 'routeBudgetPerPeer',
      actual: routesPerPeer,
      max: input.routeBudgetPerPeer,
      message:
        `each route reflector would advertise up to ${routesPerPeer} routes (${input.clusterTenants.length + 1} tenants` +
        `${input.otherAdvertisedRoutes ? ` + ${input.otherAdvertisedRoutes} not yet withdrawn` : ''}); the budget per Route Server peer is ${input.routeBudgetPerPeer}`,
    });

  if (input.pool && input.pool.freeBlocks < 1)
    violations.push({
      limit: 'pool',
      actual: 1,
      max: input.pool.freeBlocks,
      message: `egress pool ${input.pool.supernet} has no free /${input.candidate.prefixLength} block`,
    });

  let packing: PackingResult | undefined;
  if (input.firewall) {
    packing = packRuleCollectionGroups(input.firewall.tenants, input.firewall.previous, input.firewall.limits);
    violations.push(...packing.violations.map(({ limit, actual, max, message }) => ({ limit, actual, max, message })));
  }

  return { ok: violations.length === 0, violations, routesPerPeer, routeBudgetPerPeer: input.routeBudgetPerPeer, ...(packing ? { packing } : {}) };
}

/** What the check needs to know of everything but the candidate: gathered by the onboarding activity and GET /api/capacity alike. */
export interface CapacityContext {
  routeBudgetPerPeer: number;
  /** Every tenant the registry holds on the candidate's cluster (the ones that may advertise are counted). */
  clusterTenants: ReadonlyArray<{ name: string; phase: string; cidr?: string; gateway: GatewayShape }>;
  /** Tenants whose firewall intent is open, any cluster, with their CIDR and allowlist. */
  openFirewallTenants: ReadonlyArray<TenantFirewallInput>;
  /** The groups deployed in the firewall policy (ours and others'). */
  deployedGroups: ReadonlyArray<FirewallPolicyRuleCollectionGroup>;
  firewallLimits: { maxGroups: number; priorityBase: number };
}

/**
 * The tenants whose firewall intent is open, each with its registry spec and CIDR (an intent whose tenant holds no
 * CIDR adds no rule): what the onboarding check and GET /api/capacity both count. The candidate itself is left out
 * by capacityInputFor.
 */
export function openFirewallTenants(
  records: ReadonlyArray<{ key: { cluster: string; name: string }; spec: TenantFirewallInput['spec']; cidr?: string | null }>,
  intents: ReadonlyArray<{ cluster: string; name: string; state: string }>,
): TenantFirewallInput[] {
  const byKey = new Map(records.map((r) => [tenantKey(r.key), r]));
  return intents.filter((i) => i.state === 'open').flatMap((i) => {
    const record = byKey.get(tenantKey(i));
    return record?.cidr ? [{ spec: record.spec, cidr: record.cidr }] : [];
  });
}

/** Azure's source×destination pairs of a deployed group's network rules (any owner). */
export function groupNetworkRulePairs(group: FirewallPolicyRuleCollectionGroup): number {
  return networkRulePairs((group.ruleCollections ?? []).map((c) => ({
    name: c.name ?? '', priority: c.priority ?? 0, ruleCollectionType: 'FirewallPolicyFilterRuleCollection' as const,
    rules: ('rules' in c ? (c.rules ?? []) : []).filter((r): r is NetworkRule => r.ruleType === 'NetworkRule'),
  })));
}

/**
 * The packing limits of a policy as deployed: groups egress-pilot does not own count against the group limit,
 * and their network rules' pairs against the policy's 20,000.
 */
export function policyPackingLimits(context: Pick<CapacityContext, 'deployedGroups' | 'firewallLimits'>): PackingLimits {
  const foreign = context.deployedGroups.filter((g) => ruleCollectionGroupSlot(g.name ?? '') === undefined);
  return {
    ...context.firewallLimits,
    foreignGroups: foreign.length,
    foreignNetworkRulePairs: foreign.reduce((n, g) => n + groupNetworkRulePairs(g), 0),
  };
}

/**
 * The one way to ask checkCapacity about a candidate: the others on its cluster that may advertise, and (when the
 * candidate has a CIDR and so rules to place) every open tenant's rules plus the candidate's, packed from the deployed
 * assignment. `name` is left out of the route count (its own old record); `firewall` is the candidate's new allowlist.
 */
export function capacityInputFor(
  candidate: { name: string; gateway: GatewayShape; firewall?: TenantFirewallInput; pool?: CapacityInput['pool'] },
  context: CapacityContext,
): CapacityInput {
  const others = tenantsThatMayAdvertise([...context.clusterTenants], candidate.name);
  const key = (t: TenantFirewallInput): string => `${t.spec.cluster}/${t.spec.name}`;
  const openOthers = candidate.firewall ? context.openFirewallTenants.filter((t) => key(t) !== key(candidate.firewall!)) : [];
  return {
    routeBudgetPerPeer: context.routeBudgetPerPeer,
    clusterTenants: others.map((t) => t.gateway),
    candidate: candidate.gateway,
    ...(candidate.pool ? { pool: candidate.pool } : {}),
    ...(candidate.firewall ? {
      firewall: { tenants: [...openOthers, candidate.firewall], previous: assignmentFromGroups(context.deployedGroups), limits: policyPackingLimits(context) },
    } : {}),
  };
}
