import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import type { FirewallPolicyFilterRuleCollection, FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { FirewallWriter, type FirewallProgress } from '../../lib/adapters/firewall-writer';
import { TableLease } from '../../lib/adapters/lease';
import { FirewallPolicy } from '../../lib/adapters/network/firewall-policy';
import { FirewallIntentStore, SupersededIntentError } from '../../lib/adapters/status/firewall-intents';
import { planGatedFirewallRound, type IntentGateFacts } from '../../lib/domain/firewall-round';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { eventually, HUB_RG, startHarness, type Harness } from '../emulators/arm/support';
import { startAzurite, type Azurite } from '../support/azurite';

const CLUSTER = 'spoke1-aks';
const POLICY = 'hub-fw-policy';
const allow = (name: string, host = `${name}.example.com`): TenantSpec['allow'] => ({
  applications: [{ name: 'web', fqdns: [host], protocols: ['Https:443'] }],
  networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
});
const cidrOf = (i: number): string => `10.99.${Math.floor(i / 32)}.${(i % 32) * 8}/29`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Policy = Pick<FirewallPolicy, 'listGroups' | 'putGroup' | 'deleteGroup'>;

/**
 * The single writer per firewall policy, against Azurite (intents, lease) and the ARM emulator (Firewall Policy
 * with a 300 ms update, busy-policy 409s and If-Match / If-None-Match): N tenants opening at once cost a handful
 * of policy writes, every rule lands with its tenant's CIDR, no write overlaps another, a writer that lost the
 * policy cannot write, rounds are bounded, and only tenants the registry gives their CIDR are written.
 */
describe('firewall writer (Azurite + ARM emulator)', () => {
  let azurite: Azurite;
  let h: Harness;
  let intents: FirewallIntentStore;
  let leases: TableClient;
  /** The registry as the gate sees it (what the activity reads from the registry and the CIDR claims). */
  const registry = new Map<string, IntentGateFacts>();

  beforeAll(async () => {
    [azurite, h] = await Promise.all([startAzurite(), startHarness({ timings: { firewallUpdateMs: 300 } })]);
    const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
    const intentTable = table('intents');
    leases = table('leases');
    await Promise.all([intentTable.createTable(), leases.createTable()]);
    intents = new FirewallIntentStore(intentTable);
  }, 60_000);
  afterAll(async () => { await Promise.all([azurite?.stop(), h?.stop()]); });

  const policy = () => new FirewallPolicy(h.network, { resourceGroup: HUB_RG, name: POLICY }, { attempts: 8, baseMs: 50, maxMs: 500 }, 20);
  const lease = (ttlMs = 30_000, clock: () => number = Date.now) => new TableLease(leases, POLICY, randomUUID(), ttlMs, clock);
  const writer = (options: { policy?: Policy; leaseTtlMs?: number; roundBudgetMs?: number; clock?: () => number; heartbeatMs?: number; lease?: () => TableLease } = {}) => new FirewallWriter({
    intents,
    policy: options.policy ?? policy(),
    lease: options.lease ?? (() => lease(options.leaseTtlMs, options.clock)),
    heartbeatMs: options.heartbeatMs,
    // What the activity does: the intent's own CIDR and allowlist, through the gate.
    plan: async (open, deployed) => planGatedFirewallRound(
      open.map((i) => ({ cluster: i.cluster, name: i.name, cidr: i.cidr ?? '', allow: i.allow ?? { applications: [], networks: [] } })),
      registry, deployed, { maxGroups: 50, priorityBase: 10000 }),
    roundBudgetMs: options.roundBudgetMs ?? 60_000,
    writeWaitLimitMs: 30_000,
  });
  const writes = () => Object.values(h.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0);
  const group = (name = 'egress-pilot-0') => h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, name);
  const collectionsOf = async (tenant: string, name = 'egress-pilot-0') =>
    ((await group(name)).ruleCollections ?? []).filter((c) => c.name?.startsWith(`tenant-${CLUSTER}.${tenant}-`));

  /** What the orchestrator does: poll advance (here without durable timers) until complete. */
  async function settle(name: string, options: Parameters<typeof writer>[0] = {}): Promise<FirewallProgress> {
    for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
      const progress = await writer(options).advance(CLUSTER, name);
      if (progress.complete) return progress;
      await sleep(wait);
    }
  }
  async function request(name: string, i: number, run = 1, host?: string) {
    registry.set(`${CLUSTER}/${name}`, { record: { phase: 'OpeningFirewall', cidr: cidrOf(i) }, claimedCidr: cidrOf(i) });
    return intents.want(CLUSTER, name, { state: 'open', run, cidr: cidrOf(i), allow: allow(name, host) });
  }
  async function open(name: string, i: number, run = 1) {
    await request(name, i, run);
    return settle(name);
  }
  /** A group egress-pilot owns but no tenant uses: the next round deletes it (a write that is easy to count). */
  async function staleGroup(slot: number) {
    const leftover: FirewallPolicyFilterRuleCollection = {
      ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: `leftover-${slot}`, priority: 100, action: { type: 'Allow' },
      rules: [{ ruleType: 'NetworkRule', name: 'r', ipProtocols: ['TCP'], sourceAddresses: ['10.98.0.0/29'], destinationAddresses: ['20.0.0.1'], destinationPorts: ['443'] }],
    };
    const g: FirewallPolicyRuleCollectionGroup = { priority: 10000 + slot, ruleCollections: [leftover] };
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, `egress-pilot-${slot}`, g, h.lro);
  }
  const exists = async (name: string) => group(name).then(() => true, () => false);

  it('opens 25 tenants at once with a few coalesced, never-overlapping policy writes', async () => {
    const before = writes();
    const names = Array.from({ length: 25 }, (_, i) => `t${i}`);
    const results = await Promise.all(names.map((n, i) => open(n, i)));
    expect(writes() - before).toBeGreaterThan(0);
    expect(writes() - before).toBeLessThanOrEqual(6);
    // One writer at a time: the policy never saw a write while another was running.
    expect(Object.values(h.arm.control.counters().policyBusyRejections).reduce((a, b) => a + b, 0)).toBe(0);
    expect(results.every((r) => r.placement?.ruleCollectionGroup === 'egress-pilot-0' && r.placement.ruleCollections.length === 2)).toBe(true);
    expect(results[0]!.detail).toMatch(/^done: rules open in egress-pilot-0/);

    const collections = (await group()).ruleCollections ?? [];
    expect(collections).toHaveLength(50);
    for (const [i, name] of names.entries()) {
      const rules = (await collectionsOf(name)).flatMap((c) => (c as unknown as { rules: Array<{ sourceAddresses: string[] }> }).rules);
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) expect(r.sourceAddresses).toEqual([cidrOf(i)]);
    }
  }, 120_000);

  it('rides out busy-policy 409s and throttling from ARM, and a replay writes nothing', async () => {
    h.arm.control.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'conflict', count: 2 });
    h.arm.control.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'throttle', count: 1, retryAfterSeconds: 1 });
    const placed = await open('late', 30);
    expect(placed.placement?.ruleCollections).toEqual(['tenant-spoke1-aks.late-app', 'tenant-spoke1-aks.late-net']);
    expect(h.arm.control.pendingFaults()).toEqual([]);

    const before = writes();
    await open('late', 30); // same rules again: the intent is unchanged, so no write
    expect(writes()).toBe(before);
  }, 60_000);

  it('closing a tenant removes exactly its collections', async () => {
    await intents.want(CLUSTER, 't3', { state: 'closed', run: 1 });
    expect(await settle('t3')).toEqual({ complete: true, detail: 'done: rules removed from the firewall policy' });
    expect(await collectionsOf('t3')).toEqual([]);
    expect((await collectionsOf('t4')).map((c) => c.name)).toEqual(['tenant-spoke1-aks.t4-app', 'tenant-spoke1-aks.t4-net']);
  }, 60_000);

  it('a stale lifecycle run cannot change the intent: run 1 closing after run 2 opened is refused and the rules stay', async () => {
    await request('runs', 40, 2);
    await settle('runs');
    await expect(intents.want(CLUSTER, 'runs', { state: 'closed', run: 1 })).rejects.toBeInstanceOf(SupersededIntentError);
    expect(await writer().advance(CLUSTER, 'runs')).toMatchObject({ complete: true });
    expect(await collectionsOf('runs')).toHaveLength(2);
  }, 60_000);

  it('a writer that stalled past its lease is refused by the plan-time ETag: the newer plan stays in the policy', async () => {
    // Writer A plans "open stall with old.example.com", then its PUT stalls before it is sent.
    await request('stall', 41, 1, 'old.example.com');
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => { resume = resolve; });
    let late: Promise<string> | undefined;
    const base = policy();
    const slowPolicy: Policy = {
      listGroups: (prefix) => base.listGroups(prefix),
      deleteGroup: (...args) => base.deleteGroup(...args),
      putGroup: (name, g, planned, signal) => {
        late = stalled.then(() => base.putGroup(name, g, planned, signal));
        return late as ReturnType<Policy['putGroup']>;
      },
    };
    // A's clock runs a minute behind: its lease has expired for everyone else (A stalled past it) while it stalls.
    const a = writer({ policy: slowPolicy, clock: () => Date.now() - 60_000 }).advance(CLUSTER, 'stall');
    await eventually(async () => late !== undefined);

    // Meanwhile the lifecycle asks for new rules, and writer B (lease free again) writes the newer plan.
    await request('stall', 41, 1, 'new.example.com');
    expect(await settle('stall')).toMatchObject({ complete: true });
    const before = h.arm.control.counters().responses['firewallPolicyRuleCollectionGroups.createOrUpdate 412'] ?? 0;

    resume();
    expect(await late).toBe('changed'); // A's late PUT: 412, not written
    await a;
    expect(h.arm.control.counters().responses['firewallPolicyRuleCollectionGroups.createOrUpdate 412']).toBe(before + 1);
    const hosts = (await collectionsOf('stall')).flatMap((c) => (c as unknown as { rules: Array<{ targetFqdns?: string[] }> }).rules.flatMap((r) => r.targetFqdns ?? []));
    expect(hosts).toEqual(['new.example.com']);
  }, 60_000);

  it('a writer replaced while it stalled makes no further write and marks nothing applied (lease generation)', async () => {
    await staleGroup(9);
    await request('fenced', 42);
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => { resume = resolve; });
    const base = policy();
    let landed = false;
    const stallAfterPut: Policy = {
      listGroups: (prefix) => base.listGroups(prefix),
      deleteGroup: (...args) => base.deleteGroup(...args),
      putGroup: async (...args) => { const result = await base.putGroup(...args); landed = true; await stalled; return result; },
    };
    // A's clock runs a minute behind: once its PUT of egress-pilot-0 has landed, it stalls past its lease.
    const a = writer({ policy: stallAfterPut, clock: () => Date.now() - 60_000 }).advance(CLUSTER, 'fenced');
    await eventually(async () => landed, 20_000);
    const b = lease();
    expect(await b.tryAcquire()).toBe(true); // another writer takes the policy over (and holds it)
    const before = writes();
    resume();
    expect(await a).toMatchObject({ complete: false, detail: expect.stringContaining('another writer took the policy over') });
    expect(writes()).toBe(before); // A did not delete egress-pilot-9
    expect(await exists('egress-pilot-9')).toBe(true);
    expect(await intents.get(CLUSTER, 'fenced')).toMatchObject({ appliedVersion: 0 });
    await b.release();
    expect(await settle('fenced')).toMatchObject({ complete: true });
    expect(await exists('egress-pilot-9')).toBe(false);
  }, 60_000);

  it('renews the lease between writes: a round longer than the lease keeps it', async () => {
    for (const slot of [11, 12, 13, 14]) await staleGroup(slot);
    await request('long', 43);
    // The leases' clock moves 0.6 TTL per write, so the 5 writes of this round last 3 TTLs in lease time.
    const ttlMs = 10_000;
    let now = Date.now();
    const clock = () => now;
    const contender = lease(ttlMs, clock);
    const base = policy();
    let checks = 0;
    const aging = async <T>(write: () => Promise<T>): Promise<T> => {
      now += 0.6 * ttlMs;
      checks++;
      expect(await contender.tryAcquire()).toBe(false); // the round's lease is still held
      return write();
    };
    const agingWrites: Policy = {
      listGroups: (prefix) => base.listGroups(prefix),
      putGroup: (...args) => aging(() => base.putGroup(...args)),
      deleteGroup: (...args) => aging(() => base.deleteGroup(...args)),
    };
    expect(await writer({ policy: agingWrites, leaseTtlMs: ttlMs, clock }).advance(CLUSTER, 'long')).toMatchObject({ complete: true });
    expect(checks).toBe(5);
    for (const slot of [11, 12, 13, 14]) expect(await exists(`egress-pilot-${slot}`)).toBe(false);
    expect(await contender.tryAcquire()).toBe(true); // released at the end of the round
    await contender.release();
  }, 60_000);

  it('a round stops starting writes at its budget; the next rounds finish the work', async () => {
    for (const slot of [15, 16, 17]) await staleGroup(slot);
    await request('budget', 44);
    const before = writes();
    const first = await writer({ roundBudgetMs: 1 }).advance(CLUSTER, 'budget');
    expect(first).toMatchObject({ complete: false, detail: expect.stringContaining('stopped at its 0 s budget after 1 group write(s); the next round writes the other 3') });
    expect(writes() - before).toBe(1);
    expect(await intents.get(CLUSTER, 'budget')).toMatchObject({ appliedVersion: 0 });
    expect(await settle('budget', { roundBudgetMs: 1 })).toMatchObject({ complete: true });
    expect(writes() - before).toBe(4); // nothing written twice
    for (const slot of [15, 16, 17]) expect(await exists(`egress-pilot-${slot}`)).toBe(false);
    expect(await collectionsOf('budget')).toHaveLength(2);
  }, 60_000);

  it('the intent gate removes the rules of a Failed, a Deleting and a CIDR-mismatched tenant, and never writes them again', async () => {
    for (const [n, i] of [['g1', 50], ['g2', 51], ['g3', 52], ['g4', 53]] as const) await open(n, i);
    registry.set(`${CLUSTER}/g1`, { record: { phase: 'Failed', cidr: cidrOf(50) }, claimedCidr: cidrOf(50) });
    registry.set(`${CLUSTER}/g2`, { record: { phase: 'Deleting', cidr: cidrOf(51) }, claimedCidr: cidrOf(51) });
    registry.set(`${CLUSTER}/g3`, { record: { phase: 'Ready', cidr: cidrOf(60) }, claimedCidr: cidrOf(60) }); // re-allocated elsewhere
    registry.set(`${CLUSTER}/g4`, { record: { phase: 'Ready', cidr: cidrOf(53) } }); // claim released
    // g1 asks again (e.g. a retried step): its intent is pending, and the gate answers it.
    await intents.want(CLUSTER, 'g1', { state: 'open', run: 1, cidr: cidrOf(50), allow: allow('g1', 'again.example.com') });
    const answer = await settle('g1');
    expect(answer).toMatchObject({ complete: true, failure: 'not written: the tenant is Failed' });
    for (const n of ['g1', 'g2', 'g3', 'g4']) expect(await collectionsOf(n)).toEqual([]);
    expect((await collectionsOf('t4')).length).toBe(2); // everyone else untouched
  }, 60_000);

  it('renews its short lease while one slow group write is awaited, so nobody takes the policy over meanwhile', async () => {
    await request('slowwrite', 51);
    const base = policy();
    const contender = lease(1500);
    const attempts: boolean[] = [];
    const slow: Policy = {
      listGroups: (prefix) => base.listGroups(prefix),
      // Azure takes minutes: here 4 s, over two and a half lease TTLs.
      putGroup: async (...args) => { for (let i = 0; i < 4; i++) { await sleep(1000); attempts.push(await contender.tryAcquire()); } return base.putGroup(...args); },
      deleteGroup: (...args) => base.deleteGroup(...args),
    };
    expect(await writer({ policy: slow, leaseTtlMs: 1500, heartbeatMs: 300 }).advance(CLUSTER, 'slowwrite')).toMatchObject({ complete: true });
    expect(attempts).toEqual([false, false, false, false]);
    // Without the heartbeat the same write loses the lease within one TTL: a crashed writer is no longer renewing.
    await request('slowwrite2', 52);
    attempts.length = 0;
    const second = await writer({ policy: slow, leaseTtlMs: 1500, heartbeatMs: 0 }).advance(CLUSTER, 'slowwrite2');
    expect(attempts.slice(1)).toContain(true);
    expect(second.complete).toBe(false);
    await contender.release();
  }, 60_000);

  it('stops waiting on a write and ends the round fenced when a heartbeat finds the lease taken', async () => {
    await request('stolen', 53);
    const base = policy();
    let renewals = 0;
    const stolen = () => {
      const l = lease(60_000);
      const renew = l.renew.bind(l);
      // The second renewal (the first heartbeat during the write) finds the lease taken.
      l.renew = async () => (++renewals >= 2 ? false : renew());
      return l;
    };
    let aborted = false;
    const hanging: Policy = {
      listGroups: (prefix) => base.listGroups(prefix),
      putGroup: (_name, _group, _planned, signal) => new Promise((resolve) => { signal?.addEventListener('abort', () => { aborted = true; resolve('gave-up'); }); }),
      deleteGroup: (...args) => base.deleteGroup(...args),
    };
    const progress = await writer({ policy: hanging, heartbeatMs: 200, lease: stolen }).advance(CLUSTER, 'stolen');
    expect(aborted).toBe(true);
    expect(progress).toMatchObject({ complete: false, detail: expect.stringContaining('another writer took the policy over') });
    expect((await intents.get(CLUSTER, 'stolen'))!.appliedVersion).toBe(0);
  }, 30_000);
});
