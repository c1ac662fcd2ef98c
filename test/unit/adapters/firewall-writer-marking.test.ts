import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { FirewallWriter, MARK_CONCURRENCY, type Lease } from '../../../lib/adapters/firewall-writer';
import type { FirewallIntent } from '../../../lib/adapters/status/firewall-intents';

/**
 * After a round's writes succeeded, the writer marks what they carried in bounded parallel: one by one, a burst's
 * 104 intents took 31 s (Azurite under load) while every tenant waited. Never before the writes succeeded, and
 * never when the lease was lost.
 */
describe('firewall writer: marking intents applied after a round', () => {
  const intentsOf = (n: number): FirewallIntent[] => Array.from({ length: n }, (_, i) => ({
    cluster: 'c', name: `t${i}`, state: 'open', fingerprint: 'f', run: 1, version: 1, appliedVersion: 0, cidr: `10.99.0.${i * 8}/29`, etag: `e${i}`,
  }));

  function harness(n: number, options: { renew?: () => boolean; write?: () => Promise<'written' | 'busy'>; onRoundCarried?: (tenants: Array<{ cluster: string; name: string }>) => Promise<void> } = {}) {
    const rows = intentsOf(n);
    const marked: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let writes = 0;
    const events: string[] = [];
    const lease: Lease = {
      tryAcquire: async () => true,
      renew: async () => options.renew?.() ?? true,
      release: async () => { events.push('release'); },
      current: async () => undefined,
    };
    const writer = new FirewallWriter({
      intents: {
        get: async (_c, name) => rows.find((r) => r.name === name),
        all: async () => rows,
        markApplied: async (intent) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight -= 1;
          marked.push(intent.name);
          events.push('mark');
        },
      },
      policy: {
        listGroups: async () => [],
        putGroup: async () => { writes += 1; events.push('write'); return options.write ? options.write() : 'written'; },
        deleteGroup: async () => 'written',
      },
      lease: () => lease,
      plan: async (open) => ({
        put: [{ name: 'egress-pilot-0', group: { priority: 1000, ruleCollections: [] } as FirewallPolicyRuleCollectionGroup }],
        delete: [], failures: new Map(), placements: new Map(open.map((i) => [`${i.cluster}/${i.name}`, { ruleCollectionGroup: 'egress-pilot-0', ruleCollections: [] }])),
      }),
      roundBudgetMs: 60_000, writeWaitLimitMs: 60_000,
      ...(options.onRoundCarried ? { onRoundCarried: options.onRoundCarried } : {}),
    });
    return { writer, lease, marked, events, get maxInFlight() { return maxInFlight; }, get writes() { return writes; } };
  }

  it('marks every carried intent, several at a time but at most MARK_CONCURRENCY, and only after the write', async () => {
    const h = harness(100);
    const outcome = await h.writer.writeRound(h.lease);
    expect(outcome).toMatchObject({ kind: 'complete', writes: 1, carried: 100 });
    expect((outcome as { tenants: unknown[] }).tenants).toHaveLength(100);
    expect(new Set(h.marked).size).toBe(100);
    expect(h.maxInFlight).toBeGreaterThan(1);
    expect(h.maxInFlight).toBeLessThanOrEqual(MARK_CONCURRENCY);
    expect(h.events.indexOf('write')).toBe(0);
  });

  it('marks nothing when the write did not succeed or the lease was lost after it', async () => {
    const busy = harness(20, { write: async () => 'busy' });
    expect((await busy.writer.writeRound(busy.lease)).kind).toBe('busy');
    expect(busy.marked).toEqual([]);
    let renewals = 0;
    const fenced = harness(20, { renew: () => (renewals += 1) < 2 });
    expect((await fenced.writer.writeRound(fenced.lease)).kind).toBe('fenced');
    expect(fenced.writes).toBe(1);
    expect(fenced.marked).toEqual([]);
  });
  it('tells the other carried tenants once the lease is released (so their waits end now), and not after a failed write', async () => {
    const told: string[][] = [];
    const h = harness(5, { onRoundCarried: async (tenants) => { h.events.push('told'); told.push(tenants.map((t) => t.name)); } });
    expect(await h.writer.advance('c', 't2')).toMatchObject({ complete: false });
    expect(told).toEqual([['t0', 't1', 't3', 't4']]);
    expect(h.events.slice(-2)).toEqual(['release', 'told']);

    const failed: string[][] = [];
    const busy = harness(3, { write: async () => 'busy', onRoundCarried: async (tenants) => { failed.push(tenants.map((t) => t.name)); } });
    await busy.writer.advance('c', 't0');
    expect(failed).toEqual([]);
  });
});
