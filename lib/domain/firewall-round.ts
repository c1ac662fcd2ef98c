/**
 * One write round of the firewall writer, planned purely: every open tenant's collections packed
 * into egress-pilot's groups (keeping each tenant's group when it can), diffed against what the
 * policy holds, plus where each tenant's rules end up and which tenants cannot be placed.
 */
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { assignmentFromGroups, groupChanges, packRuleCollectionGroups, toFirewallPlan, toSdkGroup, type PackingLimits } from './firewall-packing';
import type { TenantFirewallInput } from './firewall-rules';
import { ruleCollectionGroupSlot } from './names';

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
