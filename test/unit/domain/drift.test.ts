import { diffDrift, type ClusterActual } from '../../../lib/domain/drift';
import { renderTenantRuleCollections } from '../../../lib/domain/firewall-rules';
import type { TenantSpec } from '../../../lib/domain/tenant-spec';

const spec = (name: string, replicas = 2): TenantSpec => ({
  name, cluster: 'spoke1-aks', namespaces: ['default'], gateway: { replicas, prefixLength: 29 },
  allow: { applications: [{ name: 'web', fqdns: ['www.tigera.io'], protocols: ['Https:443'] }], networks: [] },
});
const route = (network: string, instance: string) => ({ network, localAddress: instance.endsWith('0') ? '10.0.1.4' : '10.0.1.5', nextHop: '10.1.0.4', sourcePeer: '10.1.0.4' });
const learned = (...networks: string[]) => [{
  connection: 'spoke1-aks-rr-10-1-0-4',
  routes: Object.fromEntries(['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'].map((i) => [i, networks.map((n) => route(n, i))])),
}];

function inSync(): { cluster: ClusterActual; groups: Parameters<typeof diffDrift>[0]['firewallGroups'] } {
  const collections = renderTenantRuleCollections({ spec: spec('tenant0'), cidr: '10.99.0.0/29' }).map((c, i) => ({ ...c, priority: 100 + i }));
  return {
    cluster: {
      cluster: 'spoke1-aks',
      ipPools: [{ name: 'tenant0-pool', cidr: '10.99.0.0/29' }],
      egressGateways: [{ namespace: 'tenant0-egw', name: 'tenant0-egw', replicas: 2 }],
      learned: learned('10.99.0.0/31', '10.99.0.4/31'),
    },
    groups: [{ name: 'egress-pilot-0', priority: 10000, ruleCollections: collections }, { name: 'DefaultNetworkRuleCollectionGroup', priority: 200, ruleCollections: [] }],
  };
}

const registry = [{ spec: spec('tenant0'), cidr: '10.99.0.0/29', phase: 'Ready' }];

describe('diffDrift', () => {
  it('is clean when cluster, routes and rules match the registry', () => {
    const { cluster, groups } = inSync();
    expect(diffDrift({ supernet: '10.99.0.0/16', registry, clusters: [cluster], firewallGroups: groups })).toMatchObject({ clean: true, tenants: [], checkedTenants: 1 });
  });

  it('names every difference of a tenant: pool, gateway replicas, routes per instance, rules', () => {
    const { cluster, groups } = inSync();
    const drifted = {
      ...cluster,
      ipPools: [],
      egressGateways: [{ namespace: 'tenant0-egw', name: 'tenant0-egw', replicas: 1 }],
      learned: [{ connection: 'c', routes: { RouteServiceRole_IN_0: [route('10.99.0.0/31', 'IN_0')], RouteServiceRole_IN_1: [] } }],
    };
    const edited = groups.map((g) => ({ ...g, ruleCollections: (g.ruleCollections ?? []).map((c) => ({ ...c, rules: [] })) }));
    const report = diffDrift({ supernet: '10.99.0.0/16', registry, clusters: [drifted], firewallGroups: edited });
    expect(report.clean).toBe(false);
    expect(report.tenants).toEqual([{ tenant: 'spoke1-aks/tenant0', problems: [
      'IPPool tenant0-pool missing',
      'EgressGateway has 1 replicas, spec says 2',
      '1 of 2 /31 routes missing on RouteServiceRole_IN_0',
      '2 of 2 /31 routes missing on RouteServiceRole_IN_1',
      'rule collection tenant-spoke1-aks.tenant0-app differs from the spec',
    ] }]);
  });

  it('sees an application namespace no longer steered (or steered elsewhere), and judges a Degraded tenant like a Ready one', () => {
    const { cluster, groups } = inSync();
    const steered = { ...cluster, namespaces: [{ name: 'default', steeredBy: 'tenant0' }, { name: 'kube-system' }] };
    expect(diffDrift({ supernet: '10.99.0.0/16', registry, clusters: [steered], firewallGroups: groups }).clean).toBe(true);
    const byHand = { ...cluster, namespaces: [{ name: 'default' }] };
    const degraded = [{ ...registry[0]!, phase: 'Degraded' }];
    expect(diffDrift({ supernet: '10.99.0.0/16', registry: degraded, clusters: [byHand], firewallGroups: groups }).tenants)
      .toEqual([{ tenant: 'spoke1-aks/tenant0', problems: ['application namespace default not steered through its gateway'] }]);
    expect(diffDrift({ supernet: '10.99.0.0/16', registry, clusters: [{ ...cluster, namespaces: [{ name: 'default', steeredBy: 'other' }] }], firewallGroups: groups }).tenants[0]!.problems)
      .toEqual(['application namespace default not steered through its gateway (steered to tenant other)']);
  });

  it('reports orphans: pools, collections and routes of no live tenant, and the default pool leaking', () => {
    const { cluster, groups } = inSync();
    const ghost = renderTenantRuleCollections({ spec: spec('ghost'), cidr: '10.99.1.0/29' }).map((c) => ({ ...c, priority: 200 }));
    const report = diffDrift({
      supernet: '10.99.0.0/16', registry,
      clusters: [{ ...cluster, ipPools: [...cluster.ipPools, { name: 'ghost-pool', cidr: '10.99.1.0/29' }], learned: learned('10.99.0.0/31', '10.99.0.4/31', '10.99.1.0/31', '10.244.0.0/26') }],
      firewallGroups: [...groups, { name: 'egress-pilot-1', priority: 10001, ruleCollections: ghost }],
    });
    expect(report.tenants).toEqual([]);
    expect(report.orphans.ipPools).toEqual(['spoke1-aks/ghost-pool']);
    expect(report.orphans.ruleCollections).toEqual(['tenant-spoke1-aks.ghost-app']);
    expect(report.orphans.routes.map((r) => `${r.network} ${r.reason}`).sort()).toEqual([
      '10.244.0.0/26 outside-supernet', '10.244.0.0/26 outside-supernet', '10.99.1.0/31 no-tenant', '10.99.1.0/31 no-tenant',
    ]);
  });

  it('does not call an onboarding tenant\'s resources orphans, nor judge it', () => {
    const { cluster, groups } = inSync();
    const report = diffDrift({
      supernet: '10.99.0.0/16',
      registry: [...registry, { spec: spec('young'), cidr: '10.99.1.0/29', phase: 'WaitingForRoutes' }],
      clusters: [{ ...cluster, ipPools: [...cluster.ipPools, { name: 'young-pool', cidr: '10.99.1.0/29' }], learned: learned('10.99.0.0/31', '10.99.0.4/31', '10.99.1.0/31') }],
      firewallGroups: groups,
    });
    expect(report).toMatchObject({ clean: true, checkedTenants: 1 });
  });

  it('matches routes once per cluster, yet a Ready tenant is judged right when a stale record overlaps its CIDR', () => {
    const { cluster, groups } = inSync();
    // A Failed record still naming the Ready tenant's CIDR (claims make this impossible; the check must not hide it).
    const report = diffDrift({
      supernet: '10.99.0.0/16',
      registry: [{ spec: spec('stale'), cidr: '10.99.0.0/29', phase: 'Failed' }, ...registry, { spec: spec('young'), cidr: '10.99.1.0/29', phase: 'ApplyingGateway' }],
      clusters: [{ ...cluster, learned: learned('10.99.0.0/31', '10.99.0.4/31', '10.99.1.0/31', '10.99.2.0/31') }],
      firewallGroups: groups,
    });
    expect(report.tenants).toEqual([]);
    expect(report.orphans.routes.map((r) => `${r.network} ${r.reason}`)).toEqual(['10.99.2.0/31 no-tenant', '10.99.2.0/31 no-tenant']);
  });

  it('counts a route once per instance whichever reflector connection brought it, and names the connection of an orphan', () => {
    const { cluster, groups } = inSync();
    const [a] = learned('10.99.0.0/31', '10.99.0.4/31');
    const b = { connection: 'spoke1-aks-rr-10-1-0-5', routes: { RouteServiceRole_IN_0: [route('10.99.0.4/31', 'IN_0'), route('10.99.9.0/31', 'IN_0')], RouteServiceRole_IN_1: [route('10.99.0.0/31', 'IN_1')] } };
    const report = diffDrift({ supernet: '10.99.0.0/16', registry, clusters: [{ ...cluster, learned: [a!, b] }], firewallGroups: groups });
    expect(report.tenants).toEqual([]);
    expect(report.orphans.routes).toEqual([expect.objectContaining({ instance: 'RouteServiceRole_IN_0', network: '10.99.9.0/31', reason: 'no-tenant', connection: 'spoke1-aks-rr-10-1-0-5' })]);
  });

  it('reports an unreachable cluster on its tenants instead of guessing', () => {
    const { groups } = inSync();
    const report = diffDrift({ supernet: '10.99.0.0/16', registry, clusters: [{ cluster: 'spoke1-aks', ipPools: [], egressGateways: [], learned: [], unreachable: 'connection refused' }], firewallGroups: groups });
    expect(report.tenants[0]!.problems).toEqual(['cluster spoke1-aks unreachable: connection refused']);
  });

  it('reports a Failed tenant that still has rules open, or (rolled back) a pool or gateway left behind', () => {
    const { cluster, groups } = inSync();
    const report = diffDrift({ supernet: '10.99.0.0/16', registry: [{ spec: spec('tenant0'), phase: 'Failed' }], clusters: [cluster], firewallGroups: groups });
    expect(report.clean).toBe(false);
    const problems = report.tenants.find((t) => t.tenant === 'spoke1-aks/tenant0')?.problems ?? [];
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('is open although the tenant is Failed'),
      expect.stringContaining('IPPool tenant0-pool left behind'),
      expect.stringContaining('EgressGateway tenant0-egw/tenant0-egw left behind'),
    ]));
  });

  it('judges a Ready tenant against the spec that serves, not a pending update', () => {
    const { cluster, groups } = inSync();
    const pending = { ...spec('tenant0', 3), allow: { applications: [], networks: [] } };
    const report = diffDrift({ supernet: '10.99.0.0/16', registry: [{ spec: pending, servingSpec: spec('tenant0'), cidr: '10.99.0.0/29', phase: 'Ready' }], clusters: [cluster], firewallGroups: groups });
    expect(report).toMatchObject({ clean: true, tenants: [] });
  });
});
