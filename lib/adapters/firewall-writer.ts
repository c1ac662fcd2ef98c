import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import type { FirewallPolicy } from './network/firewall-policy';
import type { FirewallIntent, FirewallIntentStore } from './status/firewall-intents';
import { withRetries, defaultRetry, type RetryOptions } from './retry';

/** The policy's egress-pilot groups as they should be, and where each open tenant's rules sit. */
export interface FirewallPlan {
  groups: Map<string, FirewallPolicyRuleCollectionGroup>;
  placements: Map<string, { ruleCollectionGroup: string; ruleCollections: string[] }>;
}

export interface Lease {
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export interface FirewallWriterDeps {
  intents: FirewallIntentStore;
  policy: FirewallPolicy;
  /** A fresh lease handle per converge call (each call is one would-be writer). */
  lease: () => Lease;
  /** Renders the wanted groups for the tenants whose intent is open (domain packing). */
  plan: (open: FirewallIntent[]) => Promise<FirewallPlan>;
  groupPrefix: string;
  retry?: RetryOptions;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (message: string) => void;
}

export const intentKey = (i: { cluster: string; name: string }): string => `${i.cluster}/${i.name}`;

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
      if (mine.appliedVersion >= mine.version) return mine;
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
  async writeRound(): Promise<{ puts: number; deletes: number }> {
    const all = await this.deps.intents.all();
    const pending = all.filter((i) => i.appliedVersion < i.version);
    if (pending.length === 0) return { puts: 0, deletes: 0 };
    const plan = await this.deps.plan(all.filter((i) => i.state === 'open'));
    const retry = this.deps.retry ?? defaultRetry;
    const current = new Map((await this.deps.policy.listGroups(this.deps.groupPrefix)).map((g) => [g.name, g]));
    let puts = 0;
    let deletes = 0;
    for (const [name, wanted] of plan.groups) {
      const have = current.get(name);
      if (have && sameGroup(have.group, wanted)) continue;
      // A 412 means the group changed under us: re-read its ETag and write again.
      await withRetries(`write rule collection group ${name}`, async () => {
        const fresh = (await this.deps.policy.listGroups(name)).find((g) => g.name === name);
        if (fresh && sameGroup(fresh.group, wanted)) return;
        await this.deps.policy.putGroup(name, wanted, fresh?.etag);
        puts++;
      }, retry);
    }
    for (const name of current.keys()) {
      if (plan.groups.has(name)) continue;
      await this.deps.policy.deleteGroup(name);
      deletes++;
    }
    for (const intent of pending) {
      const placement = intent.state === 'open' ? plan.placements.get(intentKey(intent)) : undefined;
      await this.deps.intents.markApplied(intent, placement ?? {});
    }
    this.deps.log?.(`firewall round: ${pending.length} pending intents, ${puts} group writes, ${deletes} deletes`);
    return { puts, deletes };
  }
}

/** Compares what we own of a group (priority and collections), ignoring read-only fields ARM adds. */
export function sameGroup(a: FirewallPolicyRuleCollectionGroup, b: FirewallPolicyRuleCollectionGroup): boolean {
  return canonical({ priority: a.priority, ruleCollections: a.ruleCollections ?? [] }) === canonical({ priority: b.priority, ruleCollections: b.ruleCollections ?? [] });
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (Array.isArray(v) || v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && !(Array.isArray(x) && x.length === 0));
    return Object.fromEntries(entries.sort(([k1], [k2]) => k1.localeCompare(k2)));
  });
}
