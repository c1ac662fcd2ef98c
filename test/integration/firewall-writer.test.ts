import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { FirewallWriter } from '../../lib/adapters/firewall-writer';
import { TableLease } from '../../lib/adapters/lease';
import { FirewallPolicy } from '../../lib/adapters/network/firewall-policy';
import { FirewallIntentStore } from '../../lib/adapters/status/firewall-intents';
import { planFirewallRound } from '../../lib/domain/firewall-round';
import { renderTenantRuleCollections } from '../../lib/domain/firewall-rules';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { stableStringify } from '../../lib/domain/spec-fingerprint';
import { HUB_RG, startHarness, type Harness } from '../emulators/arm/support';
import { startAzurite, type Azurite } from '../support/azurite';

const spec = (name: string): TenantSpec => ({
  name, cluster: 'spoke1-aks', namespaces: [], gateway: { replicas: 2, prefixLength: 29 },
  allow: { applications: [{ name: 'web', fqdns: [`${name}.example.com`], protocols: ['Https:443'] }], networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }] },
});
const cidrOf = (i: number): string => `10.99.${Math.floor(i / 32)}.${(i % 32) * 8}/29`;

/**
 * The single writer per firewall policy, against Azurite (intents, lease) and the ARM emulator
 * (Firewall Policy with a 300 ms update and busy-policy 409s): N tenants opening at once cost a
 * handful of policy writes, every rule lands with its tenant's CIDR, and no write overlaps another.
 */
describe('firewall writer (Azurite + ARM emulator)', () => {
  let azurite: Azurite;
  let h: Harness;
  let intents: FirewallIntentStore;
  let leases: TableClient;
  const specs = new Map<string, { spec: TenantSpec; cidr: string }>();

  beforeAll(async () => {
    [azurite, h] = await Promise.all([startAzurite(), startHarness({ timings: { firewallUpdateMs: 300 } })]);
    const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
    const intentTable = table('intents');
    leases = table('leases');
    await Promise.all([intentTable.createTable(), leases.createTable()]);
    intents = new FirewallIntentStore(intentTable);
  }, 60_000);
  afterAll(async () => { await Promise.all([azurite?.stop(), h?.stop()]); });

  const writer = () => new FirewallWriter({
    intents,
    policy: new FirewallPolicy(h.network, { resourceGroup: HUB_RG, name: 'hub-fw-policy' }, { attempts: 8, baseMs: 50, maxMs: 500 }, 20),
    lease: () => new TableLease(leases, 'hub-fw-policy', randomUUID(), 30_000),
    plan: async (open, deployed) => planFirewallRound(open.map((i) => specs.get(i.name)!), deployed, { maxGroups: 50, priorityBase: 10000 }),
  });

  async function open(name: string, i: number) {
    specs.set(name, { spec: spec(name), cidr: cidrOf(i) });
    await intents.want('spoke1-aks', name, 'open', stableStringify(renderTenantRuleCollections({ spec: spec(name), cidr: cidrOf(i) })));
    return writer().converge('spoke1-aks', name, 60_000);
  }

  it('opens 25 tenants at once with a few coalesced, never-overlapping policy writes', async () => {
    const before = Object.values(h.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0);
    const names = Array.from({ length: 25 }, (_, i) => `t${i}`);
    const results = await Promise.all(names.map((n, i) => open(n, i)));
    const writes = Object.values(h.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0) - before;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(6);
    // One writer at a time: the policy never saw a write while another was running.
    expect(Object.values(h.arm.control.counters().policyBusyRejections).reduce((a, b) => a + b, 0)).toBe(0);
    expect(results.every((r) => r.ruleCollectionGroup === 'egress-pilot-0' && r.ruleCollections!.length === 2)).toBe(true);

    const group = await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', 'egress-pilot-0');
    const collections = group.ruleCollections ?? [];
    expect(collections).toHaveLength(50);
    for (const [i, name] of names.entries()) {
      const mine = collections.filter((c) => c.name?.startsWith(`tenant-spoke1-aks.${name}-`));
      const rules = mine.flatMap((c) => (c as unknown as { rules: Array<{ sourceAddresses: string[] }> }).rules);
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) expect(r.sourceAddresses).toEqual([cidrOf(i)]);
    }
  }, 120_000);

  it('rides out busy-policy 409s and throttling from ARM, and a replay writes nothing', async () => {
    h.arm.control.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'conflict', count: 2 });
    h.arm.control.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'throttle', count: 1, retryAfterSeconds: 1 });
    const placed = await open('late', 30);
    expect(placed.ruleCollections).toEqual(['tenant-spoke1-aks.late-app', 'tenant-spoke1-aks.late-net']);
    expect(h.arm.control.pendingFaults()).toEqual([]);

    const before = Object.values(h.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0);
    await open('late', 30); // same rules again: the intent is unchanged, so no write
    expect(Object.values(h.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0)).toBe(before);
  }, 60_000);

  it('closing a tenant removes exactly its collections', async () => {
    await intents.want('spoke1-aks', 't3', 'closed', 'closed');
    await writer().converge('spoke1-aks', 't3', 60_000);
    const group = await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', 'egress-pilot-0');
    const names = (group.ruleCollections ?? []).map((c) => c.name);
    expect(names.filter((n) => n?.startsWith('tenant-spoke1-aks.t3-'))).toEqual([]);
    expect(names).toContain('tenant-spoke1-aks.t4-app');
  }, 60_000);
});
