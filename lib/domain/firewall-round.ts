/**
 * One write round of the firewall writer, planned purely: every open tenant's collections packed
 * into egress-pilot's groups (keeping each tenant's group when it can), diffed against what the
 * policy holds, plus where each tenant's rules end up and which tenants cannot be placed.
 */
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { assignmentFromGroups, groupChanges, packRuleCollectionGroups, toFirewallPlan, toSdkGroup, type PackingLimits } from './firewall-packing';
import type { TenantFirewallInput } from './firewall-rules';
import { ruleCollectionGroupSlot, tenantKey } from './names';

export interface FirewallRoundPlan {
  put: Array<{ name: string; group: FirewallPolicyRuleCollectionGroup }>;
  delete: string[];
  /** tenantKey → its group and collections after the round. */
  placements: Map<string, { ruleCollectionGroup: string; ruleCollections: string[] }>;
  /** tenantKey → why its rules cannot be placed (policy limits). */
  failures: Map<string, string>;
}

export function planFirewallRound(
  tenants: ReadonlyArray<TenantFirewallInput>,
  deployed: ReadonlyArray<FirewallPolicyRuleCollectionGroup>,
  limits: Omit<PackingLimits, 'foreignGroups'>,
): FirewallRoundPlan {
  const foreignGroups = deployed.filter((g) => g.name === undefined || ruleCollectionGroupSlot(g.name) === undefined).length;
  const packing = packRuleCollectionGroups(tenants, assignmentFromGroups(deployed), { ...limits, foreignGroups });
  const failures = new Map<string, string>();
  for (const key of packing.unplaced) {
    failures.set(key, packing.violations.filter((v) => !v.tenant || v.tenant === key).map((v) => v.message).join('; ') || 'no room in the firewall policy');
  }
  const { placements } = toFirewallPlan(packing);
  const changes = groupChanges(packing.groups, deployed);
  return { put: changes.put.map((g) => ({ name: g.name, group: toSdkGroup(g) })), delete: changes.delete, placements, failures };
}

/** Phases in which a tenant's rules may be in the policy: being opened, serving, or serving while it updates. */
export const PHASES_THAT_MAY_OPEN: ReadonlySet<string> = new Set(['OpeningFirewall', 'Ready', 'Updating', 'Degraded']);

/** An open intent as the round sees it: the CIDR and allowlist the lifecycle asked to be written. */
export interface OpenIntent {
  cluster: string;
  name: string;
  cidr: string;
  allow: TenantFirewallInput['spec']['allow'];
}

/** What the registry says about the tenant at plan time (read by the caller, passed in). */
export interface IntentGateFacts {
  /** The registry record, if any. */
  record?: { phase: string; cidr: string | undefined };
  /** The CIDR the tenant's claim holds now, if any. */
  claimedCidr?: string;
}

/**
 * The intent gate: an open intent is written only while the registry gives its CIDR to a tenant that may have
 * rules (see PHASES_THAT_MAY_OPEN). Returns why not, or undefined when it may be written. A refused intent is
 * treated as closed: the round removes its rules. This is belt and braces behind the lifecycles' own ordering
 * (close before release), so no crash, race or late activity can leave a rule whose source is not that tenant's.
 */
export function intentGate(intent: OpenIntent, facts: IntentGateFacts): string | undefined {
  const { record, claimedCidr } = facts;
  if (!record) return 'the tenant is not in the registry';
  if (!PHASES_THAT_MAY_OPEN.has(record.phase)) return `the tenant is ${record.phase}`;
  if (record.cidr !== intent.cidr) return `the intent opens ${intent.cidr} but the registry gives the tenant ${record.cidr ?? 'no CIDR'}`;
  if (claimedCidr !== intent.cidr) return `the CIDR claim of ${intent.cidr} no longer belongs to the tenant`;
  return undefined;
}

/**
 * Plans a round from open intents and the gate facts for each (keyed by tenantKey): gated-out intents are left
 * out (so their collections are removed) and reported in `failures` with why, prefixed "not written: ".
 */
export function planGatedFirewallRound(
  open: ReadonlyArray<OpenIntent>,
  facts: ReadonlyMap<string, IntentGateFacts>,
  deployed: ReadonlyArray<FirewallPolicyRuleCollectionGroup>,
  limits: Omit<PackingLimits, 'foreignGroups'>,
): FirewallRoundPlan {
  const refused = new Map<string, string>();
  const admitted: TenantFirewallInput[] = [];
  for (const intent of open) {
    const key = tenantKey(intent);
    const why = intentGate(intent, facts.get(key) ?? {});
    if (why) refused.set(key, `not written: ${why}`);
    else admitted.push({ spec: { cluster: intent.cluster, name: intent.name, allow: intent.allow }, cidr: intent.cidr });
  }
  const plan = planFirewallRound(admitted, deployed, limits);
  return { ...plan, failures: new Map([...refused, ...plan.failures]) };
}

/** Azure takes 3–5 min for one rule collection group write; the writer waits at most twice that for one. */
export const GROUP_WRITE_WAIT_LIMIT_MS = 10 * 60_000;
/** Taking the lease, reading intents, the registry and the policy, planning, marking intents applied: seconds, bounded generously. */
export const ROUND_OVERHEAD_MS = 2 * 60_000;

/** A writer that crashed mid-round blocks the others at most this long (its lease is not renewed any more). */
export const WRITER_LEASE_TTL_MS = 60_000;

/**
 * The time bounds of one write round, from FIREWALL_ROUND_BUDGET_SECONDS and FIREWALL_ROUND_HOLD_SECONDS: the round
 * may first hold up to `holdMs` for tenants on their way (lib/domain/firewall-hold.ts), no group write starts after
 * `budgetMs`, and the last one is waited for at most GROUP_WRITE_WAIT_LIMIT_MS, so one round (one activity) lasts at
 * most `longestMs`, which host.json's functionTimeout must exceed. The lease is short and renewed before each write,
 * every `heartbeatMs` while one is awaited and at every look of a hold, so a writer that keeps working keeps it
 * however long Azure takes, and one that crashed blocks the others for at most `leaseTtlMs` (a crash must not
 * stall every tenant's firewall step).
 */
export function firewallRoundTiming(budgetSeconds: number, holdSeconds = 0): { budgetMs: number; holdMs: number; writeWaitLimitMs: number; leaseTtlMs: number; heartbeatMs: number; longestMs: number } {
  const budgetMs = budgetSeconds * 1000;
  const holdMs = holdSeconds * 1000;
  return {
    budgetMs, holdMs, writeWaitLimitMs: GROUP_WRITE_WAIT_LIMIT_MS, leaseTtlMs: WRITER_LEASE_TTL_MS, heartbeatMs: WRITER_LEASE_TTL_MS / 3,
    longestMs: holdMs + budgetMs + GROUP_WRITE_WAIT_LIMIT_MS + ROUND_OVERHEAD_MS,
  };
}
