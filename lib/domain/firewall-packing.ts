/**
 * Packs many tenants' rule collections into the rule collection groups egress-pilot owns (`egress-pilot-<slot>`),
 * within the documented Firewall Policy limits (reference/azure/NOTES.md §4):
 * - groups per policy (FIREWALL_MAX_RULE_COLLECTION_GROUPS, shared with groups we do not own);
 * - 2 MB per group, estimated from the JSON size with a safety margin (Azure's own size formula is unpublished);
 * - 20,000 network-rule source×destination pairs per policy;
 * - priorities 100..65000: group = base + slot (unique per policy), collection = 100 + index (unique per group).
 *
 * Stability: every Firewall Policy write takes minutes and writes are serialised, so packing keeps each tenant in
 * the slot it already has (read back from the deployed groups) and places new tenants first-fit by key.
 * Adding or removing one tenant therefore changes exactly one group; nothing else moves.
 */
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { networkRulePairs, renderTenantRuleCollections, type TenantFirewallInput, type TenantRuleCollection } from './firewall-rules';
import { parseFirewallCollectionName, ruleCollectionGroupName, ruleCollectionGroupSlot, tenantKey } from './names';
import { stableStringify } from './spec-fingerprint';

export const AZURE_FIREWALL_LIMITS = {
  groupBytes: 2 * 1024 * 1024,
  networkRulePairsPerPolicy: 20_000,
  minPriority: 100,
  maxPriority: 65_000,
} as const;

export interface PackingLimits {
  /** FIREWALL_MAX_RULE_COLLECTION_GROUPS */
  maxGroups: number;
  /** Groups in the policy that egress-pilot does not own (they count against maxGroups). */
  foreignGroups?: number;
  /** FIREWALL_RCG_PRIORITY_BASE */
  priorityBase: number;
  /** Default 90% of 2 MB: our JSON estimate is not Azure's formula. */
  groupSizeBudgetBytes?: number;
  /** Network rule pairs already used by rules egress-pilot does not own. */
  foreignNetworkRulePairs?: number;
}

export type PackedGroup = Omit<FirewallPolicyRuleCollectionGroup, 'name' | 'priority' | 'ruleCollections'> & {
  name: string;
  priority: number;
  ruleCollections: TenantRuleCollection[];
  /** Not sent to Azure: bookkeeping for callers and tests. */
  slot: number;
  tenants: string[];
  estimatedBytes: number;
};

export type FirewallLimit = 'ruleCollectionGroups' | 'groupSize' | 'networkRulePairs' | 'priority';
export interface LimitViolation {
  limit: FirewallLimit;
  actual: number;
  max: number;
  message: string;
  tenant?: string;
}

export interface PackingResult {
  groups: PackedGroup[];
  /** tenantKey → slot, for every placed tenant (tenants without rules have none). */
  assignment: Record<string, number>;
  /** Slots used before and empty now: delete those groups. */
  emptiedSlots: number[];
  unplaced: string[];
  violations: LimitViolation[];
  networkRulePairs: number;
}

const GROUP_OVERHEAD_BYTES = 200;
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

interface Item {
  key: string;
  collections: TenantRuleCollection[];
  bytes: number;
}

export function packRuleCollectionGroups(
  tenants: ReadonlyArray<TenantFirewallInput>,
  previous: Readonly<Record<string, number>>,
  limits: PackingLimits,
): PackingResult {
  const budget = limits.groupSizeBudgetBytes ?? Math.floor(AZURE_FIREWALL_LIMITS.groupBytes * 0.9);
  const byPriority = AZURE_FIREWALL_LIMITS.maxPriority - limits.priorityBase + 1;
  const slots = Math.max(0, Math.min(limits.maxGroups - (limits.foreignGroups ?? 0), byPriority));
  const violations: LimitViolation[] = [];

  const items: Item[] = tenants
    .map((tenant) => {
      const collections = renderTenantRuleCollections(tenant);
      return { key: tenantKey(tenant.spec), collections, bytes: bytesOf(collections) + 2 };
    })
    .filter((item) => item.collections.length > 0)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const used = new Array<number>(slots).fill(GROUP_OVERHEAD_BYTES);
  const members: Item[][] = Array.from({ length: slots }, () => []);
  const assignment: Record<string, number> = {};
  const place = (item: Item, slot: number): boolean => {
    if (slot < 0 || slot >= slots || used[slot]! + item.bytes > budget) return false;
    used[slot]! += item.bytes;
    members[slot]!.push(item);
    assignment[item.key] = slot;
    return true;
  };

  // Keep everyone where they are first, smallest first: if a group overflows because a tenant grew, the biggest
  // (most likely the one that grew) is displaced rather than its unchanged neighbours. Then place new or displaced
  // tenants first-fit, in key order.
  const kept = items.filter((item) => previous[item.key] !== undefined).sort((a, b) => a.bytes - b.bytes || (a.key < b.key ? -1 : 1));
  const displaced = new Set(kept.filter((item) => !place(item, previous[item.key] ?? -1)));
  const pending = items.filter((item) => previous[item.key] === undefined || displaced.has(item));
  const tooBig: string[] = [];
  const noRoom: string[] = [];
  for (const item of pending) {
    if (item.bytes + GROUP_OVERHEAD_BYTES > budget) {
      tooBig.push(item.key);
      violations.push({ limit: 'groupSize', actual: item.bytes, max: budget, tenant: item.key, message: `tenant ${item.key} alone needs ~${item.bytes} bytes; a group allows ~${budget}` });
    } else if (!members.some((_, slot) => place(item, slot))) {
      noRoom.push(item.key);
    }
  }
  if (noRoom.length > 0) {
    const allowed = limits.maxGroups - (limits.foreignGroups ?? 0);
    violations.push({
      // Either the group count or the priority range (base + slot ≤ 65000) ran out first.
      limit: slots < allowed ? 'priority' : 'ruleCollectionGroups',
      actual: slots + Math.ceil(pending.filter((i) => noRoom.includes(i.key)).reduce((n, i) => n + i.bytes, 0) / (budget - GROUP_OVERHEAD_BYTES)),
      max: slots,
      message: `${noRoom.length} tenant(s) do not fit in ${slots} rule collection group(s) (limit ${limits.maxGroups}, ${limits.foreignGroups ?? 0} not ours, priorities from ${limits.priorityBase})`,
    });
  }
  const unplaced = [...tooBig, ...noRoom].sort();

  const groups: PackedGroup[] = members.flatMap((list, slot): PackedGroup[] => {
    if (list.length === 0) return [];
    const ruleCollections = list
      .flatMap((item) => item.collections)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((collection, index) => ({ ...collection, priority: AZURE_FIREWALL_LIMITS.minPriority + index }));
    const group = { name: ruleCollectionGroupName(slot), priority: limits.priorityBase + slot, ruleCollections };
    return [{ ...group, slot, tenants: list.map((item) => item.key).sort(), estimatedBytes: bytesOf(group) }];
  });

  // Counted over every tenant asked for, placed or not: the policy must hold all of them.
  const pairs = networkRulePairs(items.flatMap((item) => item.collections)) + (limits.foreignNetworkRulePairs ?? 0);
  if (pairs > AZURE_FIREWALL_LIMITS.networkRulePairsPerPolicy)
    violations.push({
      limit: 'networkRulePairs',
      actual: pairs,
      max: AZURE_FIREWALL_LIMITS.networkRulePairsPerPolicy,
      message: `network rules need ${pairs} source×destination pairs; a policy allows ${AZURE_FIREWALL_LIMITS.networkRulePairsPerPolicy}`,
    });

  const nowUsed = new Set(groups.map((g) => g.slot));
  const emptiedSlots = [...new Set(Object.values(previous))].filter((slot) => !nowUsed.has(slot)).sort((a, b) => a - b);
  return { groups, assignment, emptiedSlots, unplaced, violations, networkRulePairs: pairs };
}

/** The current tenant → slot assignment, read back from the groups deployed in the policy. */
export function assignmentFromGroups(groups: ReadonlyArray<FirewallPolicyRuleCollectionGroup>): Record<string, number> {
  const assignment: Record<string, number> = {};
  for (const group of groups) {
    const slot = group.name === undefined ? undefined : ruleCollectionGroupSlot(group.name);
    if (slot === undefined) continue;
    for (const collection of group.ruleCollections ?? []) {
      const owner = collection.name === undefined ? undefined : parseFirewallCollectionName(collection.name);
      if (owner) assignment[tenantKey(owner)] = slot;
    }
  }
  return assignment;
}

/**
 * Canonical JSON of what we write, as Azure would echo it: undefined fields and empty lists dropped,
 * keys sorted. Two values with the same canonical JSON are the same configuration.
 */
export function canonicalFirewallJson(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined && !(Array.isArray(x) && x.length === 0))
          .map(([k, x]) => [k, strip(x)]),
      );
    return v;
  };
  return stableStringify(strip(value));
}

/** Comparable form of a group: only what we write (no etag/size/state). */
function comparable(group: FirewallPolicyRuleCollectionGroup): string {
  return canonicalFirewallJson({ priority: group.priority, ruleCollections: group.ruleCollections ?? [] });
}

/** What to PUT and DELETE to go from the deployed groups to the packed ones (foreign groups are never touched). */
export function groupChanges(
  packed: ReadonlyArray<PackedGroup>,
  deployed: ReadonlyArray<FirewallPolicyRuleCollectionGroup>,
): { put: PackedGroup[]; delete: string[] } {
  const ours = new Map(deployed.filter((g) => g.name && ruleCollectionGroupSlot(g.name) !== undefined).map((g) => [g.name!, g]));
  const put = packed.filter((group) => {
    const current = ours.get(group.name);
    return !current || comparable(current) !== comparable(group);
  });
  const wanted = new Set(packed.map((g) => g.name));
  return { put, delete: [...ours.keys()].filter((name) => !wanted.has(name)).sort() };
}

/** The group exactly as sent to the SDK (bookkeeping fields removed). */
export const toSdkGroup = ({ priority, ruleCollections }: PackedGroup): FirewallPolicyRuleCollectionGroup => ({ priority, ruleCollections });

/** Where one tenant's collections sit after packing. */
export interface TenantPlacement {
  ruleCollectionGroup: string;
  ruleCollections: string[];
}

/**
 * The packing as the firewall writer consumes it: the wanted groups by name (SDK shape, bookkeeping removed)
 * and each placed tenant's group and collection names, keyed by tenantKey.
 */
export function toFirewallPlan(result: PackingResult): {
  groups: Map<string, FirewallPolicyRuleCollectionGroup>;
  placements: Map<string, TenantPlacement>;
} {
  const groups = new Map(result.groups.map((group) => [group.name, toSdkGroup(group)]));
  const placements = new Map<string, TenantPlacement>();
  for (const group of result.groups)
    for (const collection of group.ruleCollections) {
      const owner = parseFirewallCollectionName(collection.name);
      if (!owner) continue;
      const key = tenantKey(owner);
      const placement = placements.get(key) ?? { ruleCollectionGroup: group.name, ruleCollections: [] };
      placement.ruleCollections.push(collection.name);
      placements.set(key, placement);
    }
  return { groups, placements };
}
