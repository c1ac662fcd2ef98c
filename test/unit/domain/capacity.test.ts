import fc from 'fast-check';
import { checkCapacity, openFirewallTenants, routesForTenant, tenantsThatMayAdvertise } from '../../../lib/domain/capacity';
import type { TenantFirewallInput } from '../../../lib/domain/firewall-rules';

const gateway29 = { replicas: 2, prefixLength: 29 };
const tenantFw = (i: number, destinations: number): TenantFirewallInput => ({
  cidr: `10.99.${Math.floor((i * 8) / 256)}.${(i * 8) % 256}/29`,
  spec: {
    name: `t${i}`,
    cluster: 'spoke1-aks',
    allow: {
      applications: [],
      networks: [{ name: 'n', destinations: Array.from({ length: destinations }, (_, d) => `172.16.${Math.floor(d / 256)}.${d % 256}`), ports: ['443'], protocols: ['TCP'] }],
    },
  },
});

describe('checkCapacity', () => {
  it('counts every /31 block of each pool against the per-peer route budget', () => {
    expect(routesForTenant(gateway29)).toBe(4);
    expect(routesForTenant({ replicas: 1, prefixLength: 30 })).toBe(2);
    const ok = checkCapacity({ routeBudgetPerPeer: 800, clusterTenants: Array.from({ length: 199 }, () => gateway29), candidate: gateway29 });
    expect(ok).toMatchObject({ ok: true, violations: [], routesPerPeer: 800, routeBudgetPerPeer: 800 });
    const over = checkCapacity({ routeBudgetPerPeer: 800, clusterTenants: Array.from({ length: 199 }, () => gateway29), candidate: gateway29, otherAdvertisedRoutes: 2 });
    expect(over.ok).toBe(false);
    expect(over.violations).toEqual([
      {
        limit: 'routeBudgetPerPeer',
        actual: 802,
        max: 800,
        message: 'each route reflector would advertise up to 802 routes (200 tenants + 2 not yet withdrawn); the budget per Route Server peer is 800',
      },
    ]);
  });

  it('agrees with the arithmetic for any cluster (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 24, max: 30 }), { maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), (prefixes, budget) => {
        const tenants = prefixes.map((prefixLength) => ({ replicas: 1, prefixLength }));
        const result = checkCapacity({ routeBudgetPerPeer: budget, clusterTenants: tenants, candidate: gateway29 });
        const total = prefixes.reduce((n, p) => n + 2 ** (31 - p), 0) + 4;
        expect(result.routesPerPeer).toBe(total);
        expect(result.ok).toBe(total <= budget);
      }),
    );
  });

  it('lists every violated limit at once, with numbers', () => {
    const result = checkCapacity({
      routeBudgetPerPeer: 10,
      clusterTenants: [gateway29, gateway29],
      candidate: gateway29,
      pool: { freeBlocks: 0, supernet: '10.99.0.0/16' },
      firewall: {
        tenants: [tenantFw(0, 5000), tenantFw(1, 5000), tenantFw(2, 5000), tenantFw(3, 5000), tenantFw(4, 5)],
        previous: {},
        limits: { maxGroups: 2, priorityBase: 10000, groupSizeBudgetBytes: 150_000 },
      },
    });
    expect(result.ok).toBe(false);
    expect(result.violations.map((v) => [v.limit, v.actual, v.max])).toEqual([
      ['routeBudgetPerPeer', 12, 10],
      ['pool', 1, 0],
      ['ruleCollectionGroups', expect.any(Number), 2],
      ['networkRulePairs', expect.any(Number), 20000],
    ]);
    expect(result.violations.every((v) => v.message.length > 20)).toBe(true);
    expect(result.packing?.groups.length).toBe(2);
  });

  it('passes with room everywhere and returns the packing to reuse', () => {
    const result = checkCapacity({
      routeBudgetPerPeer: 800,
      clusterTenants: [],
      candidate: gateway29,
      pool: { freeBlocks: 8191, supernet: '10.99.0.0/16' },
      firewall: { tenants: [tenantFw(0, 2)], previous: {}, limits: { maxGroups: 50, priorityBase: 10000 } },
    });
    expect(result.ok).toBe(true);
    expect(result.packing?.assignment).toEqual({ 'spoke1-aks/t0': 0 });
  });
});

describe('tenantsThatMayAdvertise', () => {
  it('counts every tenant that may still advertise /31s, Failed ones that kept their CIDR included', () => {
    const tenants = [
      { name: 'self', phase: 'Ready', cidr: '10.99.0.0/29' },
      { name: 'ready', phase: 'Ready', cidr: '10.99.0.8/29' },
      { name: 'onboarding', phase: 'Allocating' },
      { name: 'kept', phase: 'Failed', cidr: '10.99.0.16/29' },
      { name: 'deleting', phase: 'Deleting', cidr: '10.99.0.24/29' },
      { name: 'rolledBack', phase: 'Failed' },
      { name: 'deleted', phase: 'Deleted' },
    ];
    expect(tenantsThatMayAdvertise(tenants, 'self').map((t) => t.name)).toEqual(['ready', 'onboarding', 'kept', 'deleting']);
  });
});

describe('openFirewallTenants', () => {
  it('counts each open intent with its registry spec and CIDR; closed intents and tenants without a CIDR add nothing', () => {
    const spec = (name: string) => ({ name, cluster: 'spoke1-aks', allow: { applications: [], networks: [] } });
    const records = [
      { key: { cluster: 'spoke1-aks', name: 'open' }, spec: spec('open'), cidr: '10.99.0.0/29' },
      { key: { cluster: 'spoke1-aks', name: 'closed' }, spec: spec('closed'), cidr: '10.99.0.8/29' },
      { key: { cluster: 'spoke1-aks', name: 'nocidr' }, spec: spec('nocidr') },
    ];
    const intents = [
      { cluster: 'spoke1-aks', name: 'open', state: 'open' },
      { cluster: 'spoke1-aks', name: 'closed', state: 'closed' },
      { cluster: 'spoke1-aks', name: 'nocidr', state: 'open' },
      { cluster: 'spoke1-aks', name: 'gone', state: 'open' },
    ];
    expect(openFirewallTenants(records, intents)).toEqual([{ spec: spec('open'), cidr: '10.99.0.0/29' }]);
  });
});
