import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import type { ApproachingTenant } from '../../../lib/domain/firewall-hold';
import { FirewallWriter, type Lease } from '../../../lib/adapters/firewall-writer';
import type { FirewallIntent } from '../../../lib/adapters/status/firewall-intents';

/**
 * A round held for tenants on their way (lib/domain/firewall-hold.ts): the writer keeps the lease, renews it at every
 * look, re-reads the intents once the hold ends and carries the newcomers in the same write. Never past the limit,
 * never on without the lease, never stalled by a failed registry read.
 */
describe('firewall writer: holding a round for tenants on their way', () => {
  const intent = (name: string, state: 'open' | 'closed' = 'open'): FirewallIntent => ({
    cluster: 'c', name, state, fingerprint: 'f', run: 1, version: 1, appliedVersion: 0, cidr: '10.99.0.0/29', etag: `e-${name}`,
  });

  function harness(options: { tenants: (clockMs: number) => ApproachingTenant[] | Error; arrivals?: Array<{ atMs: number; intent: FirewallIntent }>; renew?: () => boolean; initial?: FirewallIntent[] }) {
    let clock = 0;
    const rows: FirewallIntent[] = [...(options.initial ?? [intent('first')])];
    const events: string[] = [];
    const planned: string[][] = [];
    const lease: Lease = {
      tryAcquire: async () => true,
      renew: async () => { events.push(`renew@${clock}`); return options.renew?.() ?? true; },
      release: async () => undefined,
      current: async () => undefined,
    };
    const writer = new FirewallWriter({
      intents: {
        get: async (_c, name) => rows.find((r) => r.name === name),
        all: async () => {
          for (const a of options.arrivals ?? []) if (a.atMs <= clock && !rows.includes(a.intent)) rows.push(a.intent);
          return rows;
        },
        markApplied: async () => undefined,
      },
      policy: { listGroups: async () => [], putGroup: async () => { events.push(`write@${clock}`); return 'written'; }, deleteGroup: async () => 'written' },
      lease: () => lease,
      plan: async (open) => {
        planned.push(open.map((i) => i.name));
        return { put: [{ name: 'egress-pilot-0', group: { priority: 1000, ruleCollections: [] } as FirewallPolicyRuleCollectionGroup }], delete: [], failures: new Map(), placements: new Map() };
      },
      roundBudgetMs: 60_000, writeWaitLimitMs: 60_000, now: () => clock,
      hold: {
        limitMs: 12_000, pollMs: 1_000,
        tenants: async () => { const t = options.tenants(clock); if (t instanceof Error) throw t; return t; },
        sleep: async (ms) => { clock += ms; },
      },
    });
    return { writer, lease, events, planned };
  }
  const waiting = (_name: string): ApproachingTenant => ({ phase: 'WaitingForRoutes', sinceMs: 0 });

  it('holds until the last tenant on its way has asked, then carries it in the same write', async () => {
    // "late" waits for its routes until t=5 s, then asks for its rules.
    const late = intent('late');
    const h = harness({ tenants: (t) => (t < 5_000 ? [waiting('late')] : []), arrivals: [{ atMs: 5_000, intent: late }] });
    const outcome = await h.writer.writeRound(h.lease);
    expect(outcome).toMatchObject({ kind: 'complete', writes: 1, carried: 2, heldMs: 5_000 });
    expect(h.planned).toEqual([['first', 'late']]);
    // Renewed at every look of the hold, before the write.
    expect(h.events.filter((e) => e.startsWith('renew')).length).toBeGreaterThanOrEqual(5);
    expect(h.events.at(-2)).toBe('write@5000');
  });
  it('never holds longer than the limit, however many are still on their way', async () => {
    const h = harness({ tenants: () => [waiting('never')] });
    const outcome = await h.writer.writeRound(h.lease);
    expect(outcome).toMatchObject({ kind: 'complete', carried: 1, heldMs: 12_000 });
  });
  it('does not hold a lone tenant, nor a round that closes rules', async () => {
    const lone = harness({ tenants: () => [] });
    expect(await lone.writer.writeRound(lone.lease)).toMatchObject({ kind: 'complete', heldMs: 0 });
    const closing = harness({ tenants: () => [waiting('other')], initial: [intent('first'), intent('leaving', 'closed')] });
    expect(await closing.writer.writeRound(closing.lease)).toMatchObject({ kind: 'complete', heldMs: 0 });
    expect(closing.events.find((e) => e.startsWith('write'))).toBe('write@0');
  });
  it('ends the hold at once when a close arrives meanwhile (offboarding is never kept waiting for stragglers)', async () => {
    const h = harness({ tenants: () => [waiting('slow')], arrivals: [{ atMs: 3_000, intent: intent('leaving', 'closed') }] });
    const outcome = await h.writer.writeRound(h.lease);
    expect(outcome).toMatchObject({ kind: 'complete', carried: 2, heldMs: 3_000 });
    expect(h.events.find((e) => e.startsWith('write'))).toBe('write@3000');
  });
  it('ends the round fenced, writing nothing, when the lease is lost during the hold', async () => {
    let renewals = 0;
    const h = harness({ tenants: () => [waiting('other')], renew: () => (renewals += 1) < 3 });
    expect(await h.writer.writeRound(h.lease)).toEqual({ kind: 'fenced', writes: 0 });
    expect(h.events.some((e) => e.startsWith('write'))).toBe(false);
  });
  it('writes at once when the registry cannot be read (holding never stalls a round)', async () => {
    const h = harness({ tenants: () => new Error('table unavailable') });
    expect(await h.writer.writeRound(h.lease)).toMatchObject({ kind: 'complete', heldMs: 0 });
  });
});
