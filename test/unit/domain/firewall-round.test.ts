import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../../lib/domain/config';
import { firewallRoundTiming, intentGate, planGatedFirewallRound, type IntentGateFacts, type OpenIntent } from '../../../lib/domain/firewall-round';
import { parseTimeSpan } from '../../../local/host/config';

const intent = (name: string, cidr: string): OpenIntent => ({
  cluster: 'c1', name, cidr,
  allow: { applications: [{ name: 'web', fqdns: [`${name}.example.com`], protocols: ['Https:443'] }], networks: [] },
});
const live = (cidr: string, phase = 'Ready'): IntentGateFacts => ({ record: { phase, cidr }, claimedCidr: cidr });
const limits = { maxGroups: 50, priorityBase: 10000 };

describe('intentGate', () => {
  it('admits an intent whose CIDR the registry gives to a tenant being opened, serving or updating', () => {
    // Degraded (issue 14): egress verification failed, but a failed verification never takes the rules away.
    for (const phase of ['OpeningFirewall', 'Ready', 'Updating', 'Degraded']) expect(intentGate(intent('a', '10.99.0.0/29'), live('10.99.0.0/29', phase))).toBeUndefined();
  });
  it.each([
    ['Pending'], ['Allocating'], ['ApplyingGateway'], ['WaitingForRoutes'], ['Deleting'], ['Deleted'], ['Failed'],
  ])('refuses a tenant that is %s', (phase) => {
    expect(intentGate(intent('a', '10.99.0.0/29'), live('10.99.0.0/29', phase))).toBe(`the tenant is ${phase}`);
  });
  it('refuses a missing record, a record with another CIDR, and a claim that moved on', () => {
    const a = intent('a', '10.99.0.0/29');
    expect(intentGate(a, {})).toBe('the tenant is not in the registry');
    expect(intentGate(a, live('10.99.0.8/29'))).toBe('the intent opens 10.99.0.0/29 but the registry gives the tenant 10.99.0.8/29');
    expect(intentGate(a, { record: { phase: 'Ready', cidr: undefined } })).toBe('the intent opens 10.99.0.0/29 but the registry gives the tenant no CIDR');
    expect(intentGate(a, { record: { phase: 'Ready', cidr: '10.99.0.0/29' } })).toBe('the CIDR claim of 10.99.0.0/29 no longer belongs to the tenant');
    expect(intentGate(a, { record: { phase: 'Ready', cidr: '10.99.0.0/29' }, claimedCidr: '10.99.0.8/29' })).toMatch(/no longer belongs/);
  });
});

describe('planGatedFirewallRound', () => {
  it('writes admitted tenants only; a refused tenant is treated as closed and reported', () => {
    const open = [intent('a', '10.99.0.0/29'), intent('b', '10.99.0.8/29')];
    const facts = new Map([['c1/a', live('10.99.0.0/29')], ['c1/b', live('10.99.0.8/29', 'Failed')]]);
    const plan = planGatedFirewallRound(open, facts, [], limits);
    const names = plan.put.flatMap((g) => (g.group.ruleCollections ?? []).map((c) => c.name));
    expect(names).toEqual(['tenant-c1.a-app']);
    expect(plan.failures).toEqual(new Map([['c1/b', 'not written: the tenant is Failed']]));
    expect([...plan.placements.keys()]).toEqual(['c1/a']);
  });
  it('removes the deployed rules of a tenant the gate refuses (the group is rewritten without them)', () => {
    const open = [intent('a', '10.99.0.0/29'), intent('b', '10.99.0.8/29')];
    const both = new Map([['c1/a', live('10.99.0.0/29')], ['c1/b', live('10.99.0.8/29')]]);
    const deployed = planGatedFirewallRound(open, both, [], limits).put.map((g) => ({ ...g.group, name: g.name }));
    const deleting = new Map([['c1/a', live('10.99.0.0/29')], ['c1/b', live('10.99.0.8/29', 'Deleting')]]);
    const next = planGatedFirewallRound(open, deleting, deployed, limits);
    expect(next.put.map((g) => g.name)).toEqual(['egress-pilot-0']);
    expect(next.put[0]!.group.ruleCollections!.map((c) => c.name)).toEqual(['tenant-c1.a-app']);
    // Nobody left: the group itself goes.
    const none = planGatedFirewallRound(open, new Map(), deployed, limits);
    expect(none.put).toEqual([]);
    expect(none.delete).toEqual(['egress-pilot-0']);
  });
});

describe('firewallRoundTiming', () => {
  const hostJson = JSON.parse(readFileSync(path.join(__dirname, '../../../host.json'), 'utf8')) as { functionTimeout: string };
  const functionTimeoutMs = parseTimeSpan(hostJson.functionTimeout, 'functionTimeout') ?? Infinity;
  const configOf = (over: Record<string, string | undefined>) => parseConfig({
    AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001', ROUTE_SERVER_RESOURCE_GROUP: 'rg', ROUTE_SERVER_NAME: 'rs',
    FIREWALL_POLICY_RESOURCE_GROUP: 'rg', FIREWALL_POLICY_NAME: 'fp', AKS_RESOURCE_GROUP: 'rg', REGISTRY_CONNECTION_STRING: 'UseDevelopmentStorage=true', ...over,
  });
  const budgetOf = (value: string | undefined) => parseConfig({
    AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001', ROUTE_SERVER_RESOURCE_GROUP: 'rg', ROUTE_SERVER_NAME: 'rs',
    FIREWALL_POLICY_RESOURCE_GROUP: 'rg', FIREWALL_POLICY_NAME: 'fp', AKS_RESOURCE_GROUP: 'rg', REGISTRY_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    FIREWALL_ROUND_BUDGET_SECONDS: value,
  }).firewallRoundBudgetSeconds;

  it('fits the longest round allowed by configuration inside host.json functionTimeout, with room to spare', () => {
    expect(budgetOf(undefined)).toBe(300);
    expect(budgetOf('600')).toBe(600);
    expect(() => budgetOf('601')).toThrow(ConfigError);
    // The longest hold allowed comes first (FIREWALL_ROUND_HOLD_SECONDS max 180).
    expect(configOf({}).firewallRoundHoldSeconds).toBe(120);
    expect(configOf({ FIREWALL_ROUND_HOLD_SECONDS: '180' }).firewallRoundHoldSeconds).toBe(180);
    expect(() => configOf({ FIREWALL_ROUND_HOLD_SECONDS: '181' })).toThrow(ConfigError);
    const longest = firewallRoundTiming(600, 180).longestMs;
    expect(longest).toBe(firewallRoundTiming(600).longestMs + 180_000);
    expect(longest).toBeLessThanOrEqual(functionTimeoutMs - 5 * 60_000);
  });
  it('keeps the lease short (a crashed writer blocks others ≤ 1 min) and renews it several times within one TTL while a write is awaited', () => {
    const timing = firewallRoundTiming(300);
    expect(timing.leaseTtlMs).toBeLessThanOrEqual(60_000);
    expect(timing.heartbeatMs).toBeGreaterThan(0);
    expect(timing.heartbeatMs * 2).toBeLessThan(timing.leaseTtlMs);
    expect(timing.budgetMs).toBe(300_000);
  });
});
