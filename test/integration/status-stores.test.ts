import { TableClient } from '@azure/data-tables';
import { TableLease } from '../../lib/adapters/lease';
import { FirewallIntentStore, SupersededIntentError } from '../../lib/adapters/status/firewall-intents';
import { DriftReportStore } from '../../lib/adapters/status/drift-report-store';
import { startAzurite, type Azurite } from '../support/azurite';

describe('lease, firewall intents and drift reports in Table storage (Azurite)', () => {
  let azurite: Azurite;
  const table = async (name: string) => {
    const t = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
    await t.createTable();
    return t;
  };
  beforeAll(async () => { azurite = await startAzurite(); });
  afterAll(async () => { await azurite.stop(); });

  describe('TableLease', () => {
    it('has one holder at a time, even when many ask at once', async () => {
      const t = await table('leaseA');
      const contenders = Array.from({ length: 10 }, (_, i) => new TableLease(t, 'policy', `holder-${i}`, 60_000));
      const won = await Promise.all(contenders.map((l) => l.tryAcquire()));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
    it('is free again after release, and after expiry when its holder died', async () => {
      const t = await table('leaseB');
      let now = 1_000_000;
      const a = new TableLease(t, 'policy', 'a', 5_000, () => now);
      const b = new TableLease(t, 'policy', 'b', 5_000, () => now);
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      await a.release();
      expect(await b.tryAcquire()).toBe(true);
      now += 6_000; // b "crashed" without releasing
      expect(await a.tryAcquire()).toBe(true);
    });
    it('fences: every acquisition raises the generation, and a holder replaced while it stalled cannot renew', async () => {
      const t = await table('leaseC');
      let now = 1_000_000;
      const a = new TableLease(t, 'policy', 'a', 5_000, () => now);
      const b = new TableLease(t, 'policy', 'b', 5_000, () => now);
      expect(await a.tryAcquire()).toBe(true);
      expect(a.generation).toBe(1);
      now += 4_000;
      expect(await a.renew()).toBe(true); // renewal moves expiry: b still cannot take it
      now += 4_000;
      expect(await b.tryAcquire()).toBe(false);
      now += 2_000; // a stalls past its (renewed) expiry
      expect(await b.tryAcquire()).toBe(true);
      expect(b.generation).toBe(2);
      expect(await a.renew()).toBe(false); // a wakes up: fenced out
      expect(await t.getEntity('lease', 'policy')).toMatchObject({ holder: 'b', generation: 2 });
      await a.release(); // a no-op for a fenced holder: b keeps it
      expect(await b.current()).toMatchObject({ holder: 'b', generation: 2 });
      await b.release();
      expect(await a.tryAcquire()).toBe(true);
      expect(a.generation).toBe(3); // release keeps the counter: tokens only ever grow
    });
  });

  describe('FirewallIntentStore', () => {
    const allow = (fqdn: string) => ({ applications: [{ name: 'web', fqdns: [fqdn], protocols: ['Https:443'] }], networks: [] });
    const open = (run: number, fqdn = 'a.example.com', cidr = '10.99.0.0/29') => ({ state: 'open' as const, run, cidr, allow: allow(fqdn) });

    it('bumps the version only when the wanted state or rules change (or when forced), and keeps what is to be written', async () => {
      const store = new FirewallIntentStore(await table('intents'));
      const first = await store.want('c', 't', open(1));
      expect(first).toMatchObject({ state: 'open', version: 1, appliedVersion: 0, run: 1, cidr: '10.99.0.0/29', allow: allow('a.example.com') });
      expect((await store.want('c', 't', open(1))).version).toBe(1);
      expect((await store.want('c', 't', open(1, 'b.example.com'))).version).toBe(2);
      expect((await store.want('c', 't', open(1, 'b.example.com', '10.99.0.8/29'))).version).toBe(3);
      expect((await store.want('c', 't', open(1, 'b.example.com', '10.99.0.8/29'), { force: true })).version).toBe(4);
      const closed = await store.want('c', 't', { state: 'closed', run: 1 });
      expect(closed).toMatchObject({ version: 5, state: 'closed', cidr: undefined, allow: undefined });
      expect(await store.get('c', 't')).toMatchObject({ version: 5, state: 'closed', cidr: undefined, allow: undefined });
    });
    it('refuses a lifecycle run older than the one that set the intent; a newer run with the same rules takes it over without a write', async () => {
      const store = new FirewallIntentStore(await table('intents3'));
      await store.want('c', 'r', open(2));
      await expect(store.want('c', 'r', { state: 'closed', run: 1 })).rejects.toThrow(new SupersededIntentError(2, 1));
      await expect(store.want('c', 'r', open(1))).rejects.toBeInstanceOf(SupersededIntentError);
      expect(await store.get('c', 'r')).toMatchObject({ state: 'open', run: 2, version: 1 });
      expect(await store.want('c', 'r', open(3))).toMatchObject({ run: 3, version: 1 });
      await expect(store.want('c', 'r', open(2))).rejects.toThrow('superseded by lifecycle run 3');
    });
    it('stores an allowlist larger than one table property', async () => {
      const store = new FirewallIntentStore(await table('intents4'));
      const big = { applications: Array.from({ length: 50 }, (_, i) => ({ name: `r${i}`, fqdns: Array.from({ length: 100 }, (_, j) => `host${j}.tenant-${i}.example.com`), protocols: ['Https:443'] })), networks: [] };
      expect(JSON.stringify(big).length).toBeGreaterThan(32_000);
      await store.want('c', 'big', { state: 'open', run: 1, cidr: '10.99.0.16/29', allow: big });
      expect((await store.get('c', 'big'))?.allow).toEqual(big);
      expect((await store.all()).find((i) => i.name === 'big')?.allow).toEqual(big);
    });
    it('marks applied only the version the writer read; a newer intent stays pending', async () => {
      const store = new FirewallIntentStore(await table('intents2'));
      await store.want('c', 'u', open(1, 'r1.example.com'));
      const read = (await store.all()).find((i) => i.name === 'u')!;
      await store.want('c', 'u', open(1, 'r2.example.com')); // changed after the writer read it
      await store.markApplied(read, { ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['x'] });
      const now = (await store.get('c', 'u'))!;
      expect(now.version).toBe(2);
      expect(now.appliedVersion).toBe(0);
      await store.markApplied(now, { ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['tenant-c.u-app'] });
      expect(await store.get('c', 'u')).toMatchObject({ appliedVersion: 2, ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['tenant-c.u-app'] });
    });
  });

  describe('DriftReportStore', () => {
    it('keeps the last report, also when it is larger than one table property', async () => {
      const store = new DriftReportStore(await table('drift'));
      expect(await store.last()).toBeUndefined();
      const problems = Array.from({ length: 2000 }, (_, i) => `IPPool tenant${i}-pool missing`);
      const value = { checkedAt: '2026-01-01T00:00:00.000Z', instanceId: 'drift-check', repaired: [], report: { tenants: [{ tenant: 'c/t', problems }], orphans: { ipPools: [], ruleCollections: [], routes: [] }, clean: false, checkedTenants: 1 } };
      await store.put(value);
      expect(await store.last()).toEqual(value);
    });
  });
});
