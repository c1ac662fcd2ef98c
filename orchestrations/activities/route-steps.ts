import { appServices } from '../../lib/adapters/app-services';
import { clusterRouteSnapshot, routeServerSnapshot } from '../../lib/adapters/cluster-routes';
import { everyItem } from '../../lib/adapters/registry';
import { capacityInputFor, checkCapacity, openFirewallTenants } from '../../lib/domain/capacity';
import { matchLearnedRoutes, ROUTE_SERVER_INSTANCES, routesInside } from '../../lib/domain/expected-routes';
import { blockOf31 } from '../../lib/domain/lifecycle/gateway-blocks';
import { tenantKey, tenantNames } from '../../lib/domain/names';
import { PermanentError } from '../../lib/adapters/errors';
import { registerActivity } from '../activity-outcome';
import type { RouteProgress, TenantRef, WithdrawalProgress } from '../lifecycle-input';
import { requireTenant } from './registry-steps';

/**
 * Compares what Route Server learned with the /31 blocks the tenant's gateway pods hold, both from
 * the cluster's shared route snapshot (lib/adapters/status/route-snapshots.ts): one refresh per cell of the
 * cluster's cadence (the newest waiter's poll schedule) serves every tenant waiting on the cluster
 * (waitingReaderAcceptsFrom). The snapshot must be taken after this
 * run started waiting: an older one could still show the /31s of a previous holder of the CIDR.
 * Complete only when every ready pod's block is learned on both Route Server instances.
 */
registerActivity('readTenantRoutes', async (tenant: TenantRef): Promise<RouteProgress> => {
  const services = await appServices();
  const record = await requireTenant(tenant);
  if (!record.cidr) throw new PermanentError(`tenant ${tenant.cluster}/${tenant.name} has no CIDR`);
  const names = tenantNames(tenant);
  const replicas = record.spec.gateway.replicas;
  const since = await services.routeSnapshots.waitStarted(tenantKey(tenant), record.lifecycleRun, 'routes');
  const { routePollInitialSeconds, routePollMaxSeconds } = services.config;
  const waiting = { initialMs: routePollInitialSeconds * 1000, maxMs: routePollMaxSeconds * 1000 };
  const read = await clusterRouteSnapshot(services.routeSnapshots, services.routeServer, services.clusterAccess, tenant.cluster, since, { waiting });
  if (read.kind === 'waiting') {
    return { expected: [], learned: Object.fromEntries(ROUTE_SERVER_INSTANCES.map((i) => [i, 0])), missing: {}, complete: false, detail: read.reason };
  }
  const { learned, connections, gatewayPods } = read.value;
  const pods = gatewayPods.filter((p) => p.namespace === names.namespace && p.gateway === names.gatewayLabel.value && p.ready && p.ip);
  const expected = [...new Set(pods.map((p) => blockOf31(p.ip!)))].sort();
  const report = matchLearnedRoutes({ supernet: services.config.egressSupernet, tenants: [{ tenant: tenantKey(tenant), cidr: record.cidr, replicas }], learned });
  const status = report.tenants[tenantKey(tenant)];
  const perInstance: Record<string, number> = {};
  const missing: Record<string, string[]> = {};
  for (const instance of ROUTE_SERVER_INSTANCES) {
    const have = new Set(status?.instances[instance]?.learned ?? []);
    perInstance[instance] = expected.filter((b) => have.has(b)).length;
    missing[instance] = expected.filter((b) => !have.has(b));
  }
  const allLearned = Object.values(missing).every((m) => m.length === 0);
  const podsReady = pods.length >= replicas && expected.length >= replicas;
  let detail: string;
  if (!podsReady) detail = `${pods.length}/${replicas} gateway pods ready`;
  else if (connections.length === 0) detail = 'Route Server has no BGP connection to this cluster\'s route reflectors';
  else if (!allLearned) detail = `missing ${Object.entries(missing).filter(([, m]) => m.length > 0).map(([i, m]) => `${m.join(', ')} on ${i}`).join('; ')}`;
  else detail = `${expected.length} /31 learned on both instances`;
  return { expected, learned: perInstance, missing, complete: podsReady && connections.length > 0 && allLearned, detail };
});

/**
 * Routes still learned inside the tenant's CIDR, over every BGP connection of Route Server (not
 * only this cluster's reflectors: a deleted cluster or a rolled node pool must not hide a route
 * that is still there). The CIDR is released only when there are none.
 *
 * Read from the shared Route Server snapshot, but only one taken after this run started waiting for
 * withdrawal, which is after its gateway was removed (the lifecycle calls this only once
 * removeTenantGateway returned): so "none left" is never judged from a read older than the removal.
 * (Host clocks are assumed to agree within the queue round trip between those two activities.)
 */
registerActivity('readTenantWithdrawal', async (tenant: TenantRef): Promise<WithdrawalProgress> => {
  const services = await appServices();
  const record = await requireTenant(tenant);
  if (!record.cidr) return { remaining: {}, complete: true };
  const since = await services.routeSnapshots.waitStarted(tenantKey(tenant), record.lifecycleRun, 'withdrawal');
  const read = await routeServerSnapshot(services.routeSnapshots, services.routeServer, since);
  if (read.kind === 'waiting') return { remaining: {}, complete: false };
  const remaining: Record<string, string[]> = {};
  for (const r of routesInside(record.cidr, read.value)) (remaining[r.instance] ??= []).push(r.network);
  for (const k of Object.keys(remaining)) remaining[k] = [...new Set(remaining[k])].sort();
  return { remaining, complete: Object.keys(remaining).length === 0 };
});

/** Before any change: room in the route budget per Route Server peer and in the firewall policy (same inputs as GET /api/capacity). */
registerActivity('checkTenantCapacity', async (tenant: TenantRef): Promise<{ problems: string[] }> => {
  const services = await appServices();
  const record = await requireTenant(tenant);
  // One pass over the registry and one over the intents, as GET /api/capacity reads them (a get per open intent,
  // one by one, made each tenant's check a round trip per open tenant).
  const [records, intents] = await Promise.all([everyItem((page) => services.registry.tenants.listAll(page)), services.intents.all()]);
  const clusterTenants = records.filter((r) => r.key.cluster === tenant.cluster)
    .map((r) => ({ name: r.key.name, phase: r.phase, ...(r.cidr ? { cidr: r.cidr } : {}), gateway: r.spec.gateway }));
  const deployedGroups = (await services.firewallPolicy.listGroups('')).map((g) => ({ ...g.group, name: g.name }));
  const result = checkCapacity(capacityInputFor(
    { name: tenant.name, gateway: record.spec.gateway, ...(record.cidr ? { firewall: { spec: record.spec, cidr: record.cidr } } : {}) },
    {
      routeBudgetPerPeer: services.config.routeBudgetPerPeer, clusterTenants, openFirewallTenants: openFirewallTenants(records, intents), deployedGroups,
      firewallLimits: { maxGroups: services.config.firewallMaxRuleCollectionGroups, priorityBase: services.config.firewallRcgPriorityBase },
    },
  ));
  return { problems: result.violations.map((v) => v.message) };
});
