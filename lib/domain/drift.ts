/**
 * Drift: what the registry says should exist (desired) against what the clusters, Route Server and
 * the firewall policy hold (actual). Pure: the drift check reads everything once per cluster and
 * once for the policy (O(clusters + policies) calls) and hands it here.
 */
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { matchLearnedRoutes, type ConnectionRoutes, type TenantRoutes, type UnexpectedRoute } from './expected-routes';
import { parseIpv4Cidr, prefixSize } from './ipv4';
import { canonicalFirewallJson } from './firewall-packing';
import { renderTenantRuleCollections } from './firewall-rules';
import { parseFirewallCollectionName, ruleCollectionGroupSlot, tenantKey, tenantNames } from './names';
import type { TenantSpec } from './tenant-spec';

/**
 * A tenant as the registry holds it. Ready ones are judged against the spec that serves; Failed ones
 * must hold no rules (and, without a CIDR, nothing at all); the others are not orphans either.
 */
export interface RegistryTenant {
  spec: TenantSpec;
  /** The spec whose resources are in place (differs from `spec` only while an update runs). */
  servingSpec?: TenantSpec;
  cidr?: string;
  phase: string;
}

export interface ClusterActual {
  cluster: string;
  /** IPPools egress-pilot manages (label app.kubernetes.io/managed-by=egress-pilot). */
  ipPools: Array<{ name: string; cidr: string }>;
  egressGateways: Array<{ namespace: string; name: string; replicas: number }>;
  /** Learned routes of every Route Server connection to this cluster's route reflectors. */
  learned: ConnectionRoutes[];
  /** Every namespace and the tenant whose gateway its annotations point at (none: not steered). Absent: not read. */
  namespaces?: Array<{ name: string; steeredBy?: string }>;
  /** Set when the cluster could not be read at all; its tenants are reported, not judged. */
  unreachable?: string;
}

export interface TenantDrift {
  tenant: string;
  problems: string[];
}

export interface DriftReport {
  /** Tenants whose resources, routes or rules differ from the registry. */
  tenants: TenantDrift[];
  /**
   * AKS clusters whose Route Server peering is not what their bootstrap makes: never bootstrapped,
   * route reflectors gone (nodes removed without a node pool event), connections to former reflectors.
   */
  clusters?: ClusterDrift[];
  /** Things egress-pilot manages that belong to no Ready tenant. */
  orphans: { ipPools: string[]; ruleCollections: string[]; routes: UnexpectedRoute[] };
  clean: boolean;
  checkedTenants: number;
}

export interface ClusterDrift {
  cluster: string;
  problems: string[];
}

/** Adds the clusters' peering problems to a report; any of them makes it unclean. */
export function withClusterDrift(report: DriftReport, clusters: readonly ClusterDrift[]): DriftReport {
  const drifted = clusters.filter((c) => c.problems.length > 0).map((c) => ({ cluster: c.cluster, problems: [...c.problems] }));
  return { ...report, clusters: drifted, clean: report.clean && drifted.length === 0 };
}

export function diffDrift(input: {
  supernet: string;
  registry: ReadonlyArray<RegistryTenant>;
  clusters: ReadonlyArray<ClusterActual>;
  firewallGroups: ReadonlyArray<FirewallPolicyRuleCollectionGroup>;
}): DriftReport {
  const desired = input.registry
    // Degraded serves its spec like Ready (egress verification failed): judged, and repaired, the same way.
    .filter((t): t is RegistryTenant & { cidr: string } => (t.phase === 'Ready' || t.phase === 'Degraded') && t.cidr !== undefined)
    .map((t) => ({ ...t, spec: t.servingSpec ?? t.spec }));
  // Tenants in any phase but Deleted (onboarding, deleting…) own what they have made so far.
  const live = input.registry.filter((t) => t.phase !== 'Deleted');
  const known = new Set(live.map((t) => tenantKey(t.spec)));
  const byCluster = new Map(input.clusters.map((c) => [c.cluster, c]));
  const collections = new Map<string, NonNullable<FirewallPolicyRuleCollectionGroup['ruleCollections']>[number]>();
  for (const group of input.firewallGroups) {
    if (group.name === undefined || ruleCollectionGroupSlot(group.name) === undefined) continue;
    for (const c of group.ruleCollections ?? []) if (c.name) collections.set(c.name, c);
  }

  // Indexed once per cluster, so judging N tenants costs O(N log N), not O(N²) (the drift bench: 1,000 tenants).
  const poolsOf = new Map(input.clusters.map((c) => [c.cluster, new Map(c.ipPools.map((p) => [p.name, p]))]));
  const namespacesOf = new Map(input.clusters.filter((c) => c.namespaces).map((c) => [c.cluster, new Map((c.namespaces ?? []).map((n) => [n.name, n]))]));
  const gatewaysOf = new Map(input.clusters.map((c) => [c.cluster, new Map(c.egressGateways.map((g) => [`${g.namespace}/${g.name}`, g]))]));
  // Each cluster's learned routes are matched once, against every live tenant holding a CIDR: the desired ones with
  // the replicas they must show, the others only so their routes are not orphans. (Matched twice, desired then live,
  // the route parsing was over half the diff at 1,000 tenants.) CIDRs are disjoint by their claims; should two live
  // tenants' overlap (a state this check exists to report), the two passes are kept so neither hides the other.
  const desiredKeys = new Set(desired.map((t) => tenantKey(t.spec)));
  const ownersOf = (cluster: string): TenantRoutes[] => [
    ...desired.filter((t) => t.spec.cluster === cluster).map((t) => ({ tenant: tenantKey(t.spec), cidr: t.cidr, replicas: t.spec.gateway.replicas })),
    ...live.filter((t): t is RegistryTenant & { cidr: string } => t.spec.cluster === cluster && t.cidr !== undefined && !desiredKeys.has(tenantKey(t.spec)))
      .map((t) => ({ tenant: tenantKey(t.spec), cidr: t.cidr, replicas: Math.min(t.spec.gateway.replicas, 1) })),
  ];
  const matched = new Map(input.clusters.map((c) => {
    const owners = ownersOf(c.cluster);
    const learned = firstOfEach(c.learned);
    if (disjoint(owners)) {
      const report = matchLearnedRoutes({ supernet: input.supernet, tenants: owners, learned });
      return [c.cluster, { routes: report, unexpected: report.unexpected }];
    }
    const routes = matchLearnedRoutes({ supernet: input.supernet, tenants: owners.filter((t) => desiredKeys.has(t.tenant)), learned });
    const everyOwner = owners.map((t) => ({ ...t, replicas: Math.min(t.replicas, 1) }));
    return [c.cluster, { routes, unexpected: matchLearnedRoutes({ supernet: input.supernet, tenants: everyOwner, learned }).unexpected }];
  }));

  const tenants: TenantDrift[] = [];
  for (const { spec, cidr } of desired) {
    const key = tenantKey(spec);
    const names = tenantNames(spec);
    const problems: string[] = [];
    const actual = byCluster.get(spec.cluster);
    if (!actual) problems.push(`cluster ${spec.cluster} was not checked`);
    else if (actual.unreachable) problems.push(`cluster ${spec.cluster} unreachable: ${actual.unreachable}`);
    else {
      const pool = poolsOf.get(spec.cluster)?.get(names.ipPool);
      if (!pool) problems.push(`IPPool ${names.ipPool} missing`);
      else if (pool.cidr !== cidr) problems.push(`IPPool ${names.ipPool} has cidr ${pool.cidr}, registry says ${cidr}`);
      const gateway = gatewaysOf.get(spec.cluster)?.get(`${names.namespace}/${names.egressGateway}`);
      if (!gateway) problems.push(`EgressGateway ${names.namespace}/${names.egressGateway} missing`);
      else if (gateway.replicas !== spec.gateway.replicas) problems.push(`EgressGateway has ${gateway.replicas} replicas, spec says ${spec.gateway.replicas}`);
      const steering = namespacesOf.get(spec.cluster);
      for (const ns of steering ? spec.namespaces : []) {
        const found = steering?.get(ns);
        if (!found) problems.push(`application namespace ${ns} missing`);
        else if (found.steeredBy !== spec.name) problems.push(`application namespace ${ns} not steered through its gateway${found.steeredBy ? ` (steered to tenant ${found.steeredBy})` : ''}`);
      }
      const routes = matched.get(spec.cluster)?.routes.tenants[key];
      for (const [instance, status] of Object.entries(routes?.instances ?? {})) {
        if (status.missing > 0) problems.push(`${status.missing} of ${spec.gateway.replicas} /31 routes missing on ${instance}`);
      }
    }
    for (const wanted of renderTenantRuleCollections({ spec, cidr })) {
      const have = collections.get(wanted.name);
      if (!have) problems.push(`rule collection ${wanted.name} missing`);
      else if (canonicalFirewallJson((have as { rules?: unknown }).rules ?? []) !== canonicalFirewallJson(wanted.rules)) problems.push(`rule collection ${wanted.name} differs from the spec`);
    }
    if (problems.length > 0) tenants.push({ tenant: key, problems });
  }

  tenants.push(...failedLeftovers(input.registry, byCluster, collections));

  const isLive = (cluster: string, name: string): boolean => known.has(tenantKey({ cluster, name }));
  const ipPools = input.clusters.flatMap((c) => c.ipPools
    .filter((p) => p.name.endsWith('-pool') && !isLive(c.cluster, p.name.slice(0, -'-pool'.length)))
    .map((p) => `${c.cluster}/${p.name}`));
  const ruleCollections = [...collections.keys()].filter((name) => {
    const owner = parseFirewallCollectionName(name);
    return owner !== undefined && !isLive(owner.cluster, owner.name);
  });
  const routes = input.clusters.flatMap((c) => matched.get(c.cluster)?.unexpected ?? []);
  const orphans = { ipPools, ruleCollections, routes };
  return {
    tenants,
    orphans,
    clean: tenants.length === 0 && ipPools.length === 0 && ruleCollections.length === 0 && routes.length === 0,
    checkedTenants: desired.length,
  };
}

/**
 * The learned routes with each (instance, network) kept only where it first appears: every route reflector
 * connection delivers the same routes, and the matcher counts a /31 per instance whichever connection brought it and
 * reports an unexpected route once, with its first connection. So the report is the same, with each route parsed
 * once per instance instead of once per connection.
 */
function firstOfEach(learned: readonly ConnectionRoutes[]): ConnectionRoutes[] {
  const seen = new Map<string, Set<string>>();
  return learned.map(({ connection, routes }) => ({
    connection,
    routes: Object.fromEntries(Object.entries(routes).map(([instance, list]) => {
      const networks = seen.get(instance) ?? new Set<string>();
      seen.set(instance, networks);
      return [instance, list.filter((r) => {
        const network = r.network ?? '';
        if (networks.has(network)) return false;
        networks.add(network);
        return true;
      })];
    })),
  }));
}

/** True when no two of the tenants' CIDRs overlap (sorted by base, each must end before the next begins). */
function disjoint(tenants: readonly TenantRoutes[]): boolean {
  const prefixes = tenants.map((t) => parseIpv4Cidr(t.cidr)).sort((a, b) => (a?.base ?? -1) - (b?.base ?? -1));
  for (let i = 1; i < prefixes.length; i += 1) {
    const [a, b] = [prefixes[i - 1], prefixes[i]];
    if (!a || !b || a.base + prefixSize(a.length) > b.base) return false;
  }
  return true;
}

/**
 * A Failed tenant never holds firewall rules, and one without a CIDR (rolled back) holds no pool or
 * gateway either. What is left is reported; repair does not touch Failed tenants (DELETE cleans up).
 */
function failedLeftovers(
  registry: ReadonlyArray<RegistryTenant>,
  byCluster: ReadonlyMap<string, ClusterActual>,
  collections: ReadonlyMap<string, unknown>,
): TenantDrift[] {
  const found: TenantDrift[] = [];
  const byOwner = new Map<string, string[]>();
  for (const name of collections.keys()) {
    const owner = parseFirewallCollectionName(name);
    if (owner) byOwner.set(tenantKey(owner), [...(byOwner.get(tenantKey(owner)) ?? []), name]);
  }
  for (const t of registry.filter((r) => r.phase === 'Failed')) {
    const names = tenantNames(t.spec);
    const problems = (byOwner.get(tenantKey(t.spec)) ?? []).map((name) => `rule collection ${name} is open although the tenant is Failed`);
    const actual = byCluster.get(t.spec.cluster);
    if (t.cidr === undefined && actual && !actual.unreachable) {
      if (actual.ipPools.some((p) => p.name === names.ipPool)) problems.push(`IPPool ${names.ipPool} left behind by a rolled-back onboarding`);
      if (actual.egressGateways.some((g) => g.namespace === names.namespace && g.name === names.egressGateway)) problems.push(`EgressGateway ${names.namespace}/${names.egressGateway} left behind by a rolled-back onboarding`);
    }
    if (problems.length > 0) found.push({ tenant: tenantKey(t.spec), problems });
  }
  return found;
}
