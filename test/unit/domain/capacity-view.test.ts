import type { FirewallPolicyFilterRuleCollection } from '@azure/arm-network';
import { capacityInputFor, checkCapacity, type CapacityContext } from '../../../lib/domain/capacity';
import { capacityView, type CapacityFacts } from '../../../lib/domain/capacity-view';
import { packRuleCollectionGroups, toSdkGroup } from '../../../lib/domain/firewall-packing';
import type { TenantFirewallInput } from '../../../lib/domain/firewall-rules';
import { routeServerConnectionName } from '../../../lib/domain/names';

const allow = (destinations: number): TenantFirewallInput['spec']['allow'] => ({
  applications: [{ name: 'web', fqdns: ['www.example.com'], protocols: ['Https:443'] }],
  networks: [{ name: 'dns', destinations: Array.from({ length: destinations }, (_, d) => `172.16.0.${d}`), ports: ['53'], protocols: ['UDP'] }],
});
const fw = (cluster: string, name: string, cidr: string, destinations = 1): TenantFirewallInput => ({ spec: { cluster, name, allow: allow(destinations) }, cidr });
const gateway = { replicas: 2, prefixLength: 29 };
const limits = { maxGroups: 50, priorityBase: 1000 };

const rr = (cluster: string, ip: string) => ({ name: routeServerConnectionName(cluster, ip), peerIp: ip, state: 'Connected' });
const learned = (cluster: string, ip: string, networks: string[]) => ({
  connection: routeServerConnectionName(cluster, ip),
  routes: { RouteServiceRole_IN_0: networks.map((network) => ({ network })), RouteServiceRole_IN_1: networks.slice(1).map((network) => ({ network })) },
});

function facts(overrides: Partial<CapacityFacts> = {}): CapacityFacts {
  const open = [fw('spoke1-aks', 'alpha', '10.99.0.0/29', 3), fw('spoke2-aks', 'beta', '10.99.0.8/29')];
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    clusters: ['spoke2-aks', 'spoke1-aks'],
    tenants: [
      { cluster: 'spoke1-aks', name: 'alpha', phase: 'Ready', cidr: '10.99.0.0/29', gateway },
      { cluster: 'spoke2-aks', name: 'beta', phase: 'Ready', cidr: '10.99.0.8/29', gateway },
      { cluster: 'spoke1-aks', name: 'gone', phase: 'Deleted', gateway },
    ],
    pool: { supernet: '10.99.0.0/24', taken: ['10.99.0.0/29', '10.99.0.8/29', '10.99.0.16/29'] },
    routeServer: {
      connections: [rr('spoke1-aks', '10.1.0.5'), rr('spoke1-aks', '10.1.0.4'), rr('spoke2-aks', '10.2.0.4')],
      learned: [learned('spoke1-aks', '10.1.0.4', ['10.99.0.0/31', '10.99.0.2/31']), learned('spoke2-aks', '10.2.0.4', ['10.99.0.8/31'])],
    },
    firewall: {
      policy: 'hub-policy',
      deployedGroups: [
        ...packRuleCollectionGroups(open, {}, limits).groups.map((g) => ({ ...toSdkGroup(g), name: g.name })),
        { name: 'platform-baseline', priority: 200, ruleCollections: [{
          name: 'baseline', priority: 100, ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
          rules: [{ ruleType: 'NetworkRule', name: 'ntp', sourceAddresses: ['10.1.0.0/24', '10.2.0.0/24'], destinationAddresses: ['1.1.1.1', '2.2.2.2', '3.3.3.3'], destinationPorts: ['123'], ipProtocols: ['UDP'] }],
        } as FirewallPolicyFilterRuleCollection] },
      ],
      openTenants: open,
      limits,
    },
    routeBudgetPerPeer: 800,
    nextTenant: gateway,
    ...overrides,
  };
}

describe('capacityView', () => {
  it('counts the pool in blocks of the next tenant\'s size: quarantined and reserved ranges are not free', () => {
    const view = capacityView(facts());
    expect(view.clusters.map((c) => c.cluster)).toEqual(['spoke1-aks', 'spoke2-aks']);
    expect(view.clusters[0]!.egressPool).toEqual({
      supernet: '10.99.0.0/24', blockPrefixLength: 29, usedBlocks: 3, freeBlocks: 29, totalBlocks: 32,
      tenants: [{ tenant: 'alpha', cidr: '10.99.0.0/29' }],
    });
    expect(capacityView(facts({ nextTenant: { replicas: 2, prefixLength: 28 } })).clusters[1]!.egressPool)
      .toMatchObject({ blockPrefixLength: 28, usedBlocks: 2, freeBlocks: 14, totalBlocks: 16, tenants: [{ tenant: 'beta', cidr: '10.99.0.8/29' }] });
  });

  it('shows each route reflector peer of a cluster with what Route Server learned from it and what the check reserves', () => {
    const [spoke1, spoke2] = capacityView(facts()).clusters;
    expect(spoke1!.routeReflectors).toEqual([
      { peer: '10.1.0.4', connection: 'spoke1-aks-rr-10-1-0-4', state: 'Connected', routesAdvertised: 2, routesReserved: 4, routeBudget: 800, limit: 1000 },
      { peer: '10.1.0.5', connection: 'spoke1-aks-rr-10-1-0-5', state: 'Connected', routesAdvertised: 0, routesReserved: 4, routeBudget: 800, limit: 1000 },
    ]);
    expect(spoke2!.routeReflectors.map((p) => [p.peer, p.routesAdvertised])).toEqual([['10.2.0.4', 1]]);
  });

  it('packs the firewall policy as the writer would, and lists groups it does not own', () => {
    const [policy] = capacityView(facts()).firewallPolicies;
    expect(policy!.policy).toBe('hub-policy');
    expect(policy!.ruleCollectionGroups.map((g) => [g.name, g.owned, g.tenants, g.sourceDestinationPairs])).toEqual([
      ['platform-baseline', false, [], 6],
      ['egress-pilot-0', true, ['spoke1-aks/alpha', 'spoke2-aks/beta'], 4],
    ]);
    const ours = policy!.ruleCollectionGroups[1]!;
    // alpha: 3 destinations x 1 source, beta: 1 x 1; each tenant has an app and a net collection with one rule each.
    expect(ours).toMatchObject({ priority: 1000, ruleCollections: 4, rules: 4, sourceDestinationPairs: 4, limitBytes: 2 * 1024 * 1024 });
    expect(ours.estimatedBytes).toBeGreaterThan(0);
    // Azure counts every network rule's pairs in the policy, ours and others' (2 sources x 3 destinations).
    expect(policy!.totals).toEqual({ ruleCollectionGroups: 2, ruleCollectionGroupLimit: 50, sourceDestinationPairs: 10, sourceDestinationPairLimit: 20_000, tenantsOpen: 2, violations: [] });
  });

  it('says the next tenant fits where every limit has room, and names each limit that has none', () => {
    expect(capacityView(facts()).nextTenant).toEqual({
      replicas: 2, prefixLength: 29, fits: true,
      perCluster: [{ cluster: 'spoke1-aks', fits: true, reasons: [] }, { cluster: 'spoke2-aks', fits: true, reasons: [] }],
    });
    // spoke1 has 4 routes reserved: a budget of 6 leaves no room for 4 more; spoke2 (4 reserved) neither.
    const tight = capacityView(facts({ routeBudgetPerPeer: 6, pool: { supernet: '10.99.0.0/27', taken: ['10.99.0.0/29', '10.99.0.8/29', '10.99.0.16/29', '10.99.0.24/29'] } }));
    expect(tight.nextTenant.fits).toBe(false);
    expect(tight.nextTenant.perCluster[0]!.reasons).toEqual([
      'each route reflector would advertise up to 8 routes (2 tenants); the budget per Route Server peer is 6',
      'egress pool 10.99.0.0/27 has no free /29 block',
    ]);
    const misshapen = capacityView(facts({ nextTenant: { replicas: 4, prefixLength: 30 } }));
    expect(misshapen.nextTenant.perCluster[0]!.reasons[0]).toBe('a /30 holds 2 /31 block(s) but 4 replica(s) need 5');
    const crowded = capacityView(facts({ firewall: { ...facts().firewall, limits: { maxGroups: 1, priorityBase: 1000 } } }));
    expect(crowded.nextTenant.perCluster[1]!.reasons).toEqual([expect.stringMatching(/^firewall policy hub-policy: 2 tenant\(s\) do not fit in 0 rule collection group/)]);
  });

  it('is the onboarding check: the same answer as checkCapacity fed through capacityInputFor for that cluster', () => {
    const f = facts({ routeBudgetPerPeer: 8 });
    const context: CapacityContext = {
      routeBudgetPerPeer: 8, clusterTenants: f.tenants.filter((t) => t.cluster === 'spoke1-aks'),
      openFirewallTenants: f.firewall.openTenants, deployedGroups: f.firewall.deployedGroups, firewallLimits: f.firewall.limits,
    };
    const direct = checkCapacity(capacityInputFor({ name: 'next', gateway, pool: { freeBlocks: 29, supernet: '10.99.0.0/24' } }, context));
    expect(direct.ok).toBe(true);
    expect(capacityView(f).nextTenant.perCluster[0]!.fits).toBe(direct.ok);
    const over = checkCapacity(capacityInputFor({ name: 'next', gateway: { replicas: 2, prefixLength: 28 } }, context));
    expect(capacityView(facts({ routeBudgetPerPeer: 8, nextTenant: { replicas: 2, prefixLength: 28 } })).nextTenant.perCluster[0]!.reasons)
      .toEqual(over.violations.map((v) => v.message));
  });

  it('draws one gauge per pool, per peer and per policy limit', () => {
    const gauges = capacityView(facts()).gauges;
    expect(gauges.map((g) => `${g.scope} ${g.name} ${g.used}/${g.limit} ${g.unit}`)).toEqual([
      'pool:10.99.0.0/24 poolBlocks 3/32 blocks',
      'peer:spoke1-aks/10.1.0.4 routesPerPeer 2/1000 routes',
      'peer:spoke1-aks/10.1.0.5 routesPerPeer 0/1000 routes',
      'peer:spoke2-aks/10.2.0.4 routesPerPeer 1/1000 routes',
      'policy:hub-policy ruleCollectionGroups 2/50 groups',
      'policy:hub-policy networkRulePairs 10/20000 pairs',
      expect.stringMatching(/^policy:hub-policy groupSize \d+\/2097152 bytes$/),
    ]);
    expect(gauges.find((g) => g.name === 'routesPerPeer')!.budget).toBe(800);
  });
});

describe('capacityInputFor', () => {
  it('counts only the cluster\'s tenants that may advertise, leaves the candidate\'s own record out, and packs its new rules with the open ones', () => {
    const context: CapacityContext = {
      routeBudgetPerPeer: 800,
      clusterTenants: [
        { name: 'a', phase: 'Ready', cidr: '10.99.0.0/29', gateway },
        { name: 'b', phase: 'Deleted', gateway },
        { name: 'c', phase: 'Failed', cidr: '10.99.0.16/29', gateway: { replicas: 1, prefixLength: 30 } },
        { name: 'me', phase: 'Allocating', cidr: '10.99.0.8/29', gateway },
      ],
      openFirewallTenants: [fw('spoke1-aks', 'a', '10.99.0.0/29'), fw('spoke1-aks', 'me', '10.99.0.8/29', 5)],
      deployedGroups: [{ name: 'egress-pilot-3', priority: 1003, ruleCollections: [{ name: 'tenant-spoke1-aks.a-net', ruleCollectionType: 'FirewallPolicyFilterRuleCollection', priority: 100 }] }, { name: 'other', priority: 300 }],
      firewallLimits: limits,
    };
    const candidate = fw('spoke1-aks', 'me', '10.99.0.8/29', 2);
    const input = capacityInputFor({ name: 'me', gateway, firewall: candidate }, context);
    expect(input.clusterTenants).toEqual([gateway, { replicas: 1, prefixLength: 30 }]);
    expect(input.firewall!.tenants).toEqual([context.openFirewallTenants[0], candidate]);
    expect(input.firewall!.previous).toEqual({ 'spoke1-aks/a': 3 });
    expect(input.firewall!.limits).toEqual({ maxGroups: 50, priorityBase: 1000, foreignGroups: 1, foreignNetworkRulePairs: 0 });
    expect(capacityInputFor({ name: 'me', gateway }, context).firewall).toBeUndefined();
  });

  it('counts the network rule pairs of groups egress-pilot does not own against the policy\'s 20,000 (Azure counts them all)', () => {
    const destinations = Array.from({ length: 9_999 }, (_, i) => `172.${16 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`);
    const foreign = { name: 'platform', priority: 200, ruleCollections: [{ name: 'p', priority: 100, ruleCollectionType: 'FirewallPolicyFilterRuleCollection', rules: [{ ruleType: 'NetworkRule', name: 'r', sourceAddresses: ['10.1.0.0/24', '10.2.0.0/24'], destinationAddresses: destinations }] } as FirewallPolicyFilterRuleCollection] };
    const context: CapacityContext = { routeBudgetPerPeer: 800, clusterTenants: [], openFirewallTenants: [], deployedGroups: [foreign], firewallLimits: limits };
    const result = checkCapacity(capacityInputFor({ name: 'me', gateway, firewall: fw('spoke1-aks', 'me', '10.99.0.0/29', 3) }, context));
    expect(result.violations).toEqual([expect.objectContaining({ limit: 'networkRulePairs', actual: 20_001, max: 20_000 })]);
  });
});
