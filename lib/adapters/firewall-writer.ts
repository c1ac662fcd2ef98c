import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { setTimeout as realSleep } from 'node:timers/promises';
import { decideRoundHold, type ApproachingTenant } from '../domain/firewall-hold';
import type { FirewallRoundPlan } from '../domain/firewall-round';
import { tenantKey } from '../domain/names';
import { PermanentError } from './errors';
import type { LeaseState } from './lease';
import { plannedFrom, type FirewallPolicy, type WriteResult } from './network/firewall-policy';
import { isApplied, type FirewallIntent, type FirewallIntentStore } from './status/firewall-intents';

/** What one write round must do to the policy (planned by lib/domain/firewall-round.ts). */
export type FirewallRound = FirewallRoundPlan;

export interface Lease {
  tryAcquire(): Promise<boolean>;
  /** Extends the lease if still ours; false when another writer has taken it (we are fenced out). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
  /** The lease as stored now, whoever holds it. */
  current(): Promise<LeaseState | undefined>;
}

export interface FirewallWriterDeps {
  intents: Pick<FirewallIntentStore, 'get' | 'all' | 'markApplied'>;
  policy: Pick<FirewallPolicy, 'listGroups' | 'putGroup' | 'deleteGroup'>;
  /** A fresh lease handle per advance call (each call is one would-be writer). */
  lease: () => Lease;
  /** Plans the round from the open intents and every group deployed in the policy. */
  plan: (open: FirewallIntent[], deployed: FirewallPolicyRuleCollectionGroup[]) => Promise<FirewallRound>;
  /** No group write starts this long after the round began; what is left goes to the next round. */
  roundBudgetMs: number;
  /** How long to wait for one group write before giving the round up (the write may still finish in Azure). */
  writeWaitLimitMs: number;
  /**
   * While one group write is awaited (minutes in Azure), the lease is renewed this often, so the lease itself can
   * be short and a writer that crashed blocks the others only briefly. 0: no renewal during a write.
   */
  heartbeatMs?: number;
  now?: () => number;
  log?: (message: string) => void;
  /**
   * Told, once the lease is released, which tenants a completed round carried (the asking one excepted: its answer
   * says so), so their lifecycles can ask again at once instead of at their next backed-off poll. Best effort: a
   * failure here costs only that wait.
   */
  onRoundCarried?: (tenants: Array<{ cluster: string; name: string }>) => Promise<void>;
  /**
   * Holding a round (lib/domain/firewall-hold.ts): before planning, the lease holder waits up to `limitMs` while
   * other tenants are on their way to the firewall step, looking again every `pollMs`, so one write carries them
   * too. Absent or limitMs 0: never held.
   */
  hold?: { limitMs: number; pollMs: number; tenants: () => Promise<ApproachingTenant[]>; sleep?: (ms: number) => Promise<void> };
}

/** How a round ended. Only `complete` marks intents applied; every other end leaves them for the next round. */
export type RoundOutcome =
  | { kind: 'idle' }
  | { kind: 'complete'; writes: number; carried: number; tenants: Array<{ cluster: string; name: string }>; heldMs: number }
  | { kind: 'budget'; writes: number; left: number }
  | { kind: 'fenced'; writes: number }
  | { kind: 'changed'; writes: number; group: string }
  | { kind: 'gave-up'; writes: number; group: string }
  | { kind: 'busy'; writes: number; group: string };

/** Where the tenant's change stands, in words for the progress report. */
export interface FirewallProgress {
  complete: boolean;
  detail: string;
  placement?: { ruleCollectionGroup: string; ruleCollections: string[] };
  /** Complete, but the writer could not place the rules (policy limits) or refused them (intent gate). */
  failure?: string;
}


/**
 * One writer per firewall policy, elected through a lease. Whoever holds it writes the pending changes of ALL
 * tenants in one round (as few group writes as the packing allows); everyone else asks again later. So N tenants
 * opening at once cost a handful of policy writes, not N, and no two writes to the policy ever overlap.
 *
 * Single in fact, not only by intent: each write is conditional on the group's ETag read when the round was
 * planned (a plan made from a stale read fails with 412 and is made again), the lease is renewed before every
 * write and before intents are marked applied (a writer replaced while it stalled stops there), and a round starts
 * no write after its budget, so it always ends well within the host's function timeout.
 */
export class FirewallWriter {
  private readonly now: () => number;

  constructor(private readonly deps: FirewallWriterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * One short step towards the tenant's current intent: done if it is applied; otherwise one bounded round if the
   * lease is free, else "queued". Callers (the lifecycle orchestrators) poll this with durable timers.
   */
  async advance(cluster: string, name: string): Promise<FirewallProgress> {
    const before = await this.deps.intents.get(cluster, name);
    if (!before) throw new PermanentError(`no firewall intent recorded for ${cluster}/${name}`);
    if (isApplied(before)) return settled(before);
    const lease = this.deps.lease();
    if (!(await lease.tryAcquire())) return { complete: false, detail: queued(await lease.current(), this.now()) };
    let outcome: RoundOutcome;
    try {
      outcome = await this.writeRound(lease);
    } finally {
      await lease.release();
    }
    if (outcome.kind === 'complete' && this.deps.onRoundCarried) {
      const others = outcome.tenants.filter((t) => !(t.cluster === cluster && t.name === name));
      if (others.length > 0) {
        await this.deps.onRoundCarried(others).catch((error: unknown) => this.deps.log?.(`telling ${others.length} waiting lifecycle(s) of the round failed (they ask again at their next poll): ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    const after = await this.deps.intents.get(cluster, name);
    if (after && isApplied(after)) return settled(after);
    return { complete: false, detail: describeRound(outcome, this.deps.roundBudgetMs) };
  }

  /** Reads every intent, writes the groups that differ, deletes emptied ones, marks intents applied. */
  async writeRound(lease: Lease): Promise<RoundOutcome> {
    const first = await this.deps.intents.all();
    if (!first.some((i) => !isApplied(i))) return { kind: 'idle' };
    const held = await this.holdWhileOthersArrive(lease, first);
    if (held === 'fenced') return this.ended({ kind: 'fenced', writes: 0 });
    const { all, heldMs } = held;
    const pending = all.filter((i) => !isApplied(i));
    const started = this.now();
    const deployed = await this.deps.policy.listGroups('');
    // The fence: each write is conditional on what the plan was made from.
    const plannedEtags = new Map(deployed.map((g) => [g.name, g.etag]));
    const round = await this.deps.plan(all.filter((i) => i.state === 'open'), deployed.map((g) => ({ ...g.group, name: g.name })));
    const writes: Array<{ name: string; write: (signal: AbortSignal) => Promise<WriteResult> }> = [
      ...round.put.map(({ name, group }) => ({ name, write: (signal: AbortSignal) => this.deps.policy.putGroup(name, group, plannedFrom(plannedEtags.get(name)), signal) })),
      ...round.delete.map((name) => ({ name, write: (signal: AbortSignal) => this.deps.policy.deleteGroup(name, plannedEtags.get(name), signal) })),
    ];
    let done = 0;
    for (const { name, write } of writes) {
      // Always at least one write per round, so a slow plan cannot starve progress.
      if (done > 0 && this.now() - started >= this.deps.roundBudgetMs) return this.ended({ kind: 'budget', writes: done, left: writes.length - done });
      if (!(await lease.renew())) return this.ended({ kind: 'fenced', writes: done });
      const result = await this.writeWhileHeld(lease, write);
      if (result === 'fenced') return this.ended({ kind: 'fenced', writes: done });
      if (result !== 'written') return this.ended({ kind: result, writes: done, group: name });
      done++;
    }
    if (!(await lease.renew())) return this.ended({ kind: 'fenced', writes: done });
    // Every write of the round succeeded: mark what it carried, a few rows at a time. One by one, a burst's
    // 104 intents took 31 s after the write (Azurite under load) while every tenant waited for its row.
    await inBatches(pending, MARK_CONCURRENCY, (intent) => {
      const key = tenantKey(intent);
      const failure = intent.state === 'open' ? round.failures.get(key) : undefined;
      const placement = intent.state === 'open' && !failure ? round.placements.get(key) : undefined;
      return this.deps.intents.markApplied(intent, { ...(placement ?? {}), failure });
    });
    return this.ended({ kind: 'complete', writes: done, carried: pending.length, tenants: pending.map((i) => ({ cluster: i.cluster, name: i.name })), heldMs });
  }

  /**
   * Waits, lease held and renewed, while lib/domain/firewall-hold.ts says tenants about to need a write are worth
   * waiting for. Reads the intents again at every look, so a close that arrives meanwhile ends the hold at once.
   * Returns the intents as last read and how long it held, or 'fenced' if the lease was lost meanwhile. A failed
   * registry read ends the hold (the round is written as it is: holding is an optimisation, never a reason to stall).
   */
  private async holdWhileOthersArrive(lease: Lease, intents: FirewallIntent[]): Promise<{ all: FirewallIntent[]; heldMs: number } | 'fenced'> {
    const hold = this.deps.hold;
    if (!hold || hold.limitMs <= 0) return { all: intents, heldMs: 0 };
    const sleep = hold.sleep ?? ((ms: number) => realSleep(ms));
    const from = this.now();
    let all = intents;
    for (;;) {
      const tenants = await hold.tenants().catch((error: unknown) => {
        this.deps.log?.(`firewall round: not held, the registry read failed: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      });
      const heldMs = this.now() - from;
      const decision = decideRoundHold({ pending: all.filter((i) => !isApplied(i)), tenants, heldMs, nowMs: this.now() }, hold.limitMs);
      if (!decision.hold) {
        if (heldMs > 0) this.deps.log?.(`firewall round: held ${Math.round(heldMs / 100) / 10} s (${decision.detail})`);
        return { all, heldMs };
      }
      await sleep(hold.pollMs);
      if (!(await lease.renew())) return 'fenced';
      all = await this.deps.intents.all();
    }
  }

  /**
   * Awaits one group write, renewing the lease every `heartbeatMs` meanwhile. A renewal that finds the lease
   * taken aborts the wait (Azure may still finish the write; the new holder plans from a fresh read and its
   * conditional writes see it), and the round ends fenced.
   */
  private async writeWhileHeld(lease: Lease, write: (signal: AbortSignal) => Promise<WriteResult>): Promise<WriteResult | 'fenced'> {
    const fenced = new AbortController();
    const signal = AbortSignal.any([fenced.signal, AbortSignal.timeout(this.deps.writeWaitLimitMs)]);
    const heartbeatMs = this.deps.heartbeatMs ?? 0;
    let beating: Promise<void> = Promise.resolve();
    const timer = heartbeatMs > 0
      ? setInterval(() => {
        // One renewal at a time: the lease keeps the ETag of its last write.
        beating = beating.then(async () => {
          if (fenced.signal.aborted) return;
          const held = await lease.renew().catch(() => true); // a failed read is not a lost lease; the next beat tries again
          if (!held) fenced.abort(new Error('the writer lease was taken over'));
        });
      }, heartbeatMs)
      : undefined;
    try {
      const result = await write(signal);
      return fenced.signal.aborted ? 'fenced' : result;
    } finally {
      if (timer) clearInterval(timer);
      await beating;
    }
  }

  private ended(outcome: RoundOutcome): RoundOutcome {
    this.deps.log?.(`firewall round: ${describeRound(outcome, this.deps.roundBudgetMs)}`);
    return outcome;
  }
}

/** How many intent rows a finished round marks applied at once (conditional Table writes, one row each). */
export const MARK_CONCURRENCY = 16;

/** Runs `work` over `items` with at most `limit` at a time; the first failure is thrown once all started ones end. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => { failures.push(error); });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

function settled(intent: FirewallIntent): FirewallProgress {
  if (intent.state === 'closed') return { complete: true, detail: 'done: rules removed from the firewall policy' };
  if (intent.failure) return { complete: true, detail: `done: rules not written: ${intent.failure}`, failure: intent.failure };
  const placement = { ruleCollectionGroup: intent.ruleCollectionGroup ?? '', ruleCollections: intent.ruleCollections ?? [] };
  return {
    complete: true, placement,
    detail: placement.ruleCollections.length > 0 ? `done: rules open in ${placement.ruleCollectionGroup} (${placement.ruleCollections.join(', ')})` : 'done: no rules to open',
  };
}

function queued(holder: LeaseState | undefined, now: number): string {
  if (!holder?.holder) return 'queued: the writer lease was just released; asking again';
  const seconds = Math.max(0, Math.round((holder.expiresAt - now) / 1000));
  return `queued: waiting for the writer held by ${holder.holder} (lease ${holder.generation}, ${seconds} s left unless renewed)`;
}

function describeRound(outcome: RoundOutcome, budgetMs: number): string {
  switch (outcome.kind) {
    case 'idle': return 'queued: a round has just carried every change; asking again';
    case 'complete': return `writing: a round carried ${outcome.carried} change(s) in ${outcome.writes} group write(s); this change arrived after it was planned`;
    case 'budget': return `writing: the round stopped at its ${Math.round(budgetMs / 1000)} s budget after ${outcome.writes} group write(s); the next round writes the other ${outcome.left}`;
    case 'fenced': return `writing: another writer took the policy over after ${outcome.writes} group write(s); it carries on`;
    case 'changed': return `writing: ${outcome.group} changed since the round was planned; the next round plans again from a fresh read`;
    case 'gave-up': return `writing: ${outcome.group} is still being written by Azure; the next round reads it again`;
    case 'busy': return `writing: the policy stayed busy (another write or throttling) while writing ${outcome.group}; the next round tries again`;
  }
}
