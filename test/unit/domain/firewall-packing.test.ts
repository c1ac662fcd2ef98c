import fc from 'fast-check';
import {
  assignmentFromGroups,
  groupChanges,
  packRuleCollectionGroups,
  toFirewallPlan,
  toSdkGroup,
  type PackedGroup,
  type PackingLimits,
} from '../../../lib/domain/firewall-packing';
import type { TenantFirewallInput } from '../../../lib/domain/firewall-rules';

/** Tenant i: /29 number i inside 10.99.0.0/16, with `rules` network rules of `width` destinations each. */
function tenant(i: number, rules = 1, width = 1, cluster = 'spoke1-aks'): TenantFirewallInput {
  const base = i * 8;
  return {
    cidr: `10.99.${Math.floor(base / 256)}.${base % 256}/29`,
    spec: {
      name: `t${i}`,
      cluster,
      allow: {
        applications: [{ name: 'web', fqdns: [`t${i}.example.com`], protocols: ['Https:443'] }],
        networks: Array.from({ length: rules }, (_, r) => ({
          name: `n${r}`,
          destinations: Array.from({ length: width }, (_, d) => `172.16.${r % 256}.${d % 256}`),
          ports: ['443'],
          protocols: ['TCP'],
        })),
      },
    },
  };
}
const limits: PackingLimits = { maxGroups: 50, priorityBase: 10000, groupSizeBudgetBytes: 4000 };
/** What the firewall would hold after writing a packing: its groups as the SDK returns them. */
const deployed = (groups: PackedGroup[]) => groups.map((g) => ({ name: g.name, ...toSdkGroup(g), etag: 'x', size: '0.01MB', provisioningState: 'Succeeded' as const }));

function checkInvariants(groups: PackedGroup[], budget: number) {
  const groupPriorities = groups.map((g) => g.priority);
  expect(new Set(groupPriorities).size).toBe(groups.length);
  for (const group of groups) {
    expect(group.priority).toBeGreaterThanOrEqual(100);
    expect(group.priority).toBeLessThanOrEqual(65000);
    expect(group.estimatedBytes).toBeLessThanOrEqual(budget);
    const priorities = group.ruleCollections.map((c) => c.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(priorities.every((p) => p >= 100 && p <= 65000)).toBe(true);
    expect(group.ruleCollections.every((c) => new Set(c.rules.map((r) => r.ruleType)).size === 1)).toBe(true);
  }
}

describe('packRuleCollectionGroups', () => {
  it('packs deterministically into egress-pilot-<n> groups at base + slot', () => {
    const tenants = Array.from({ length: 12 }, (_, i) => tenant(i));
    const first = packRuleCollectionGroups(tenants, {}, limits);
    const again = packRuleCollectionGroups([...tenants].reverse(), {}, limits);
    expect(again).toEqual(first);
    expect(first.violations).toEqual([]);
    expect(first.groups.map((g) => [g.name, g.priority])).toEqual(first.groups.map((g, i) => [`egress-pilot-${i}`, 10000 + i]));
    expect(first.groups.length).toBeGreaterThan(1);
    checkInvariants(first.groups, 4000);
    expect(Object.keys(first.assignment).sort()).toEqual(tenants.map((t) => `spoke1-aks/${t.spec.name}`).sort());
  });

  it('reads the assignment back from the deployed groups', () => {
    const result = packRuleCollectionGroups(Array.from({ length: 12 }, (_, i) => tenant(i)), {}, limits);
    const foreign = { name: 'DefaultNetworkRuleCollectionGroup', priority: 200, ruleCollections: [] };
    expect(assignmentFromGroups([...deployed(result.groups), foreign])).toEqual(result.assignment);
  });

  it('changes exactly one group when one tenant is added or removed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 30 }), fc.nat(), (ids, pick) => {
        const tenants = ids.map((i) => tenant(i, 1 + (i % 3)));
        const before = packRuleCollectionGroups(tenants.slice(1), {}, limits);
        const onDisk = deployed(before.groups);
        const previous = assignmentFromGroups(onDisk);

        const added = packRuleCollectionGroups(tenants, previous, limits);
        const addChanges = groupChanges(added.groups, onDisk);
        expect(addChanges.put.length + addChanges.delete.length).toBe(1);

        const victim = tenants[1 + (pick % (tenants.length - 1))]!;
        const removed = packRuleCollectionGroups(tenants.slice(1).filter((t) => t !== victim), previous, limits);
        const removeChanges = groupChanges(removed.groups, onDisk);
        expect(removeChanges.put.length + removeChanges.delete.length).toBe(1);
        expect(removed.emptiedSlots.map((s) => `egress-pilot-${s}`)).toEqual(removeChanges.delete);
        checkInvariants(added.groups, 4000);
      }),
      { numRuns: 60 },
    );
  });

  it('writes nothing when nothing changed', () => {
    const tenants = Array.from({ length: 5 }, (_, i) => tenant(i));
    const result = packRuleCollectionGroups(tenants, {}, limits);
    expect(groupChanges(packRuleCollectionGroups(tenants, result.assignment, limits).groups, deployed(result.groups))).toEqual({ put: [], delete: [] });
  });

  it('moves only a tenant that outgrew its group', () => {
    const tenants = Array.from({ length: 6 }, (_, i) => tenant(i));
    const before = packRuleCollectionGroups(tenants, {}, limits);
    const grown = tenants.map((t, i) => (i === 0 ? tenant(0, 6) : t));
    const after = packRuleCollectionGroups(grown, before.assignment, limits);
    for (const t of tenants.slice(1)) expect(after.assignment[`spoke1-aks/${t.spec.name}`]).toBe(before.assignment[`spoke1-aks/${t.spec.name}`]);
    expect(after.violations).toEqual([]);
    checkInvariants(after.groups, 4000);
  });

  it('reports every limit it cannot meet, with numbers', () => {
    const many = Array.from({ length: 30 }, (_, i) => tenant(i, 2));
    const full = packRuleCollectionGroups(many, {}, { ...limits, maxGroups: 5, foreignGroups: 2 });
    expect(full.groups.length).toBe(3);
    expect(full.unplaced.length).toBeGreaterThan(0);
    expect(full.violations).toEqual([expect.objectContaining({ limit: 'ruleCollectionGroups', max: 3 })]);
    expect(full.violations[0]!.actual).toBeGreaterThan(3);

    const huge = packRuleCollectionGroups([tenant(1, 40, 10)], {}, limits);
    expect(huge.violations).toEqual([expect.objectContaining({ limit: 'groupSize', tenant: 'spoke1-aks/t1', max: 4000 })]);

    const wide = packRuleCollectionGroups([tenant(1, 50, 100), tenant(2, 50, 100), tenant(3, 50, 100), tenant(4, 50, 100), tenant(5, 1, 1)], {}, {
      maxGroups: 50,
      priorityBase: 10000,
      foreignNetworkRulePairs: 1,
    });
    expect(wide.networkRulePairs).toBe(20002);
    expect(wide.violations).toEqual([expect.objectContaining({ limit: 'networkRulePairs', actual: 20002, max: 20000 })]);

    const late = packRuleCollectionGroups(many, {}, { ...limits, priorityBase: 64999 });
    expect(late.groups.map((g) => g.priority)).toEqual([64999, 65000]);
    expect(late.violations).toEqual([expect.objectContaining({ limit: 'priority', max: 2 })]);
  });

  it('hands the firewall writer its plan: groups by name and each tenant\'s placement', () => {
    const result = packRuleCollectionGroups([tenant(1), tenant(2)], {}, limits);
    const plan = toFirewallPlan(result);
    expect([...plan.groups.keys()]).toEqual(['egress-pilot-0']);
    expect(plan.groups.get('egress-pilot-0')).toEqual({ priority: 10000, ruleCollections: result.groups[0]!.ruleCollections });
    expect(plan.placements.get('spoke1-aks/t1')).toEqual({
      ruleCollectionGroup: 'egress-pilot-0',
      ruleCollections: ['tenant-spoke1-aks.t1-app', 'tenant-spoke1-aks.t1-net'],
    });
  });

  it('skips tenants without rules', () => {
    const empty = { ...tenant(1), spec: { ...tenant(1).spec, allow: { applications: [], networks: [] } } };
    expect(packRuleCollectionGroups([empty], {}, limits)).toMatchObject({ groups: [], assignment: {}, violations: [] });
  });
});
