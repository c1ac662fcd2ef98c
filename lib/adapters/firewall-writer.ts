import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import type { FirewallRoundPlan } from '../domain/firewall-round';
import { tenantKey } from '../domain/names';
import type { FirewallPolicy } from './network/firewall-policy';
import type { FirewallIntent, FirewallIntentStore } from './status/firewall-intents';
import { withRetries, defaultRetry, type RetryOptions } from './retry';

/** What one write round must do to the policy (planned by lib/domain/firewall-round.ts). */
export type FirewallRound = FirewallRoundPlan;

export interface Lease {
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export interface FirewallWriterDeps {
  intents: FirewallIntentStore;
  policy: FirewallPolicy;
  /** A fresh lease handle per converge call (each call is one would-be writer). */
  lease: () => Lease;
  /** Plans the round from the open intents and every group deployed in the policy. */
  plan: (open: FirewallIntent[], deployed: FirewallPolicyRuleCollectionGroup[]) => Promise<FirewallRound>;
  retry?: RetryOptions;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (message: string) => void;
}

/** The tenant's rules could not be placed in the policy; retrying will not help. */
export class FirewallPlacementError extends Error {
  override readonly name = 'FirewallPlacementError';
}

/**
 * One writer per firewall policy, elected through a lease. Whoever holds it writes the pending
 * changes of ALL tenants in one round (as few group PUTs as the packing allows); everyone else
 * waits until a round has carried their change. So N tenants opening at once cost a handful of
 * policy writes, not N, and no two writes to the policy ever overlap (Azure refuses parallel ones).
 */
export class FirewallWriter {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly deps: FirewallWriterDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = deps.now ?? Date.now;
  }

  /** Returns once the tenant's current intent is in the policy, or throws after `timeoutMs`. */
  async converge(cluster: string, name: string, timeoutMs: number): Promise<FirewallIntent> {
    const deadline = this.now() + timeoutMs;
    let wait = 200;
    for (;;) {
      const mine = await this.deps.intents.get(cluster, name);
      if (!mine) throw new Error(`no firewall intent recorded for ${cluster}/${name}`);
      if (mine.appliedVersion >= mine.version) {
        if (mine.failure) throw new FirewallPlacementError(mine.failure);
        return mine;
      }
      if (this.now() > deadline) throw new Error(`firewall change for ${cluster}/${name} not applied within ${timeoutMs} ms`);
      const lease = this.deps.lease();
      if (await lease.tryAcquire()) {
        try {
          await this.writeRound();
        } finally {
          await lease.release();
        }
        wait = 200;
      } else {
        await this.sleep(wait);
        wait = Math.min(wait * 2, 2000);
      }
    }
  }

  /** Reads every intent, writes the groups that differ, deletes emptied ones, marks intents applied. */
  async writeRound(): Promise<{ puts: number; deletes: number; carried: number }> {
    const all = await this.deps.intents.all();
    const pending = all.filter((i) => i.appliedVersion < i.version);
    if (pending.length === 0) return { puts: 0, deletes: 0, carried: 0 };
    const retry = this.deps.retry ?? defaultRetry;
    const deployed = await this.deps.policy.listGroups('');
    const round = await this.deps.plan(all.filter((i) => i.state === 'open'), deployed.map((g) => ({ ...g.group, name: g.name })));
    for (const { name, group } of round.put) {
      // 412: the group changed since we read it; 409/429: another write is running. Re-read, write again.
      await withRetries(`write rule collection group ${name}`, async () => {
        const fresh = await this.deps.policy.getGroup(name);
        await this.deps.policy.putGroup(name, group, fresh?.etag);
      }, retry);
    }
    for (const name of round.delete) await this.deps.policy.deleteGroup(name);
    for (const intent of pending) {
      const key = tenantKey(intent);
      const failure = intent.state === 'open' ? round.failures.get(key) : undefined;
      const placement = intent.state === 'open' && !failure ? round.placements.get(key) : undefined;
      await this.deps.intents.markApplied(intent, { ...(placement ?? {}), failure });
    }
    this.deps.log?.(`firewall round: ${pending.length} intents carried by ${round.put.length} group writes and ${round.delete.length} deletes`);
    return { puts: round.put.length, deletes: round.delete.length, carried: pending.length };
  }
}
