import { TableClient } from '@azure/data-tables';
import { TableLease } from '../../lib/adapters/lease';
import { FirewallIntentStore } from '../../lib/adapters/status/firewall-intents';
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
  });

  describe('FirewallIntentStore', () => {
    it('bumps the version only when the wanted state or rules change (or when forced)', async () => {
      const store = new FirewallIntentStore(await table('intents'));
      const first = await store.want('c', 't', 'open', 'rules-1');
      expect(first).toMatchObject({ state: 'open', version: 1, appliedVersion: 0 });
      expect((await store.want('c', 't', 'open', 'rules-1')).version).toBe(1);
      expect((await store.want('c', 't', 'open', 'rules-2')).version).toBe(2);
      expect((await store.want('c', 't', 'open', 'rules-2', { force: true })).version).toBe(3);
      expect((await store.want('c', 't', 'closed', 'closed')).version).toBe(4);
    });
    it('marks applied only the version the writer read; a newer intent stays pending', async () => {
      const store = new FirewallIntentStore(await table('intents2'));
      await store.want('c', 'u', 'open', 'r1');
      const read = (await store.all()).find((i) => i.name === 'u')!;
      await store.want('c', 'u', 'open', 'r2'); // changed after the writer read it
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
