import { createPipelineRequest } from '@azure/core-rest-pipeline';
import type { FirewallPolicyFilterRuleCollection, FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { type Harness, HUB_RG, startHarness } from './support';

const POLICY = 'hub-fw-policy';

function networkGroup(priority: number, sources: string[], opts: { collectionPriority?: number; destinations?: string[] } = {}): FirewallPolicyRuleCollectionGroup {
  const collection: FirewallPolicyFilterRuleCollection = {
    ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'tenant-net', priority: opts.collectionPriority ?? 100, action: { type: 'Allow' },
    rules: [{ ruleType: 'NetworkRule', name: 'r1', ipProtocols: ['TCP'], sourceAddresses: sources, destinationAddresses: opts.destinations ?? ['20.1.2.3'], destinationPorts: ['443'] }],
  };
  return { priority, ruleCollections: [collection] };
}

describe('ARM emulator: Firewall Policy through @azure/arm-network', () => {
  let h: Harness;
  const groupUrl = (name: string): string =>
    `${h.arm.url}/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/firewallPolicies/${POLICY}/ruleCollectionGroups/${name}?api-version=2025-05-01`;
  /** A raw PUT through the SDK client's own pipeline (auth, TLS), for bodies the SDK serializer would refuse client-side. */
  const rawPut = async (name: string, body: unknown): Promise<{ status: number; code?: string; message?: string }> => {
    const res = await h.network.sendRequest(createPipelineRequest({ url: groupUrl(name), method: 'PUT', body: JSON.stringify(body), headers: undefined }));
    const parsed = res.bodyAsText ? JSON.parse(res.bodyAsText) as { error?: { code: string; message: string } } : {};
    return { status: res.status, ...(parsed.error ? { code: parsed.error.code, message: parsed.error.message } : {}) };
  };

  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => {
    await h.arm.control.reset();
    h.arm.control.setTimings({ firewallUpdateMs: 150, lroRetryAfterSeconds: 0 });
  });

  it('gets and lists the seeded policy and firewall', async () => {
    const policy = await h.network.firewallPolicies.get(HUB_RG, POLICY);
    expect(policy).toMatchObject({ name: POLICY, provisioningState: 'Succeeded', sku: { tier: 'Premium' }, threatIntelMode: 'Alert' });
    expect(policy.ruleCollectionGroups?.map((g) => g.id?.split('/').pop())).toEqual(['DefaultNetworkRuleCollectionGroup']);
    expect(policy.firewalls?.map((f) => f.id?.split('/').pop())).toEqual(['hub-fw']);
    const names = [];
    for await (const p of h.network.firewallPolicies.list(HUB_RG)) names.push(p.name);
    for await (const p of h.network.firewallPolicies.listAll()) names.push(p.name);
    expect(names).toEqual([POLICY, POLICY]);
    const fw = await h.network.azureFirewalls.get(HUB_RG, 'hub-fw');
    expect(fw.firewallPolicy?.id).toBe(policy.id);
    expect(fw.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.0.4');
    const fws = [];
    for await (const f of h.network.azureFirewalls.list(HUB_RG)) fws.push(f.name);
    for await (const f of h.network.azureFirewalls.listAll()) fws.push(f.name);
    expect(fws).toEqual(['hub-fw', 'hub-fw']);
  });

  it('puts a rule collection group as a long-running operation: Updating, then Succeeded', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 800 });
    const poller = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/29']), h.lro);
    expect((await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a')).provisioningState).toBe('Updating');
    expect((await h.network.firewallPolicies.get(HUB_RG, POLICY)).provisioningState).toBe('Updating');
    const done = await poller.pollUntilDone();
    expect(done).toMatchObject({ name: 'tenant-a', priority: 1000, provisioningState: 'Succeeded' });
    expect(done.size).toMatch(/^\d+(\.\d+)?MB$/);
    expect(done.ruleCollections?.[0]).toMatchObject({ name: 'tenant-net', ruleCollectionType: 'FirewallPolicyFilterRuleCollection', action: { type: 'Allow' } });
    expect((await h.network.firewallPolicies.get(HUB_RG, POLICY)).provisioningState).toBe('Succeeded');
    const names = [];
    for await (const g of h.network.firewallPolicyRuleCollectionGroups.list(HUB_RG, POLICY)) names.push(g.name);
    expect(names).toEqual(['DefaultNetworkRuleCollectionGroup', 'tenant-a']);
    expect(h.arm.control.counters().policyWrites).toEqual({ [`/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/firewallPolicies/${POLICY}`]: 1 });
  });

  it('deletes a rule collection group (202 + Location, polled to completion)', async () => {
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/29']), h.lro);
    await h.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(HUB_RG, POLICY, 'tenant-a', h.lro);
    await expect(h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('a second write while the policy is Updating fails 409 AnotherOperationInProgress (not retried by the SDK)', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 1500 });
    const first = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/29']), h.lro);
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-b', networkGroup(1100, ['10.99.0.8/29']), h.lro))
      .rejects.toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(HUB_RG, POLICY, 'tenant-a', h.lro))
      .rejects.toMatchObject({ statusCode: 409, code: 'FirewallPolicyRuleCollectionGroupDeleteNotAllowedWhenUpdatingOrDeleting' });
    await first.pollUntilDone();
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-b', networkGroup(1100, ['10.99.0.8/29']), h.lro);
    const counters = h.arm.control.counters();
    expect(Object.values(counters.policyBusyRejections)).toEqual([2]);
    expect(Object.values(counters.policyWrites)).toEqual([2]);
    expect(counters.responses['firewallPolicyRuleCollectionGroups.createOrUpdate 409']).toBe(1);
  });

  it('with the 429 knob the SDK retries RetryableErrorDueToAnotherOperation after Retry-After and succeeds', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 800, busyPolicyResponse: 'retryable429', busyRetryAfterSeconds: 1 });
    const first = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/29']), h.lro);
    const second = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-b', networkGroup(1100, ['10.99.0.8/29']), h.lro);
    expect(second.provisioningState).toBe('Succeeded');
    await first.pollUntilDone();
    const counters = h.arm.control.counters();
    expect(counters.responses['firewallPolicyRuleCollectionGroups.createOrUpdate 429']).toBeGreaterThanOrEqual(1);
    expect(Object.values(counters.policyWrites)).toEqual([2]);
  });

  it('If-Match with a stale etag fails 412 PreconditionFailed; the current etag succeeds', async () => {
    const created = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/29']), h.lro);
    const stale = created.etag ?? '';
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/28']), h.lro);
    const current = await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a');
    expect(current.etag).not.toBe(stale);
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/27']),
      { ...h.lro, requestOptions: { customHeaders: { 'If-Match': stale } } })).rejects.toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    const ok = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/27']),
      { ...h.lro, requestOptions: { customHeaders: { 'If-Match': current.etag ?? '' } } });
    expect(ok.provisioningState).toBe('Succeeded');
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(HUB_RG, POLICY, 'tenant-a', { ...h.lro, requestOptions: { customHeaders: { 'If-Match': stale } } }))
      .rejects.toMatchObject({ statusCode: 412 });
  });

  it('If-None-Match: * creates a group only while it does not exist (the writer creating a group it planned as absent)', async () => {
    const absent = { ...h.lro, requestOptions: { customHeaders: { 'If-None-Match': '*' } } };
    const created = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-new', networkGroup(1200, ['10.99.0.0/29']), absent);
    expect(created.provisioningState).toBe('Succeeded');
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-new', networkGroup(1200, ['10.99.0.8/29']), absent))
      .rejects.toMatchObject({ statusCode: 412, code: 'PreconditionFailed', message: expect.stringContaining("If-None-Match '*'") });
    // Refused before anything changed: the policy saw one write, and the group keeps its first content.
    expect(Object.values(h.arm.control.counters().policyWrites)).toEqual([1]);
    const group = await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-new');
    expect((group.ruleCollections?.[0] as FirewallPolicyFilterRuleCollection).rules?.[0]).toMatchObject({ sourceAddresses: ['10.99.0.0/29'] });
    // If-Match on a group that does not exist is refused too (a plan made when it existed).
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-gone', networkGroup(1300, ['10.99.0.16/29']),
      { ...h.lro, requestOptions: { customHeaders: { 'If-Match': created.etag ?? '' } } })).rejects.toMatchObject({ statusCode: 412 });
  });

  it('enforces priorities: 100-65000 on groups and collections, unique group priority per policy', async () => {
    expect(await rawPut('bad', { properties: networkGroup(99, ['10.0.0.1']) })).toMatchObject({ status: 400, code: 'FirewallPolicyRuleCollectionGroupInvalidPriority' });
    expect(await rawPut('bad', { properties: networkGroup(500, ['10.0.0.1'], { collectionPriority: 65001 }) }))
      .toMatchObject({ status: 400, code: 'FirewallPolicyRuleCollectionGroupInvalidPriority', message: expect.stringContaining('ruleCollections[0].priority') });
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'dup', networkGroup(200, ['10.0.0.1']), h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'FirewallPolicyRuleCollectionGroupPriorityNotUnique' });
    expect(await rawPut('bad', { properties: { ruleCollections: [] } })).toMatchObject({ status: 400, code: 'InvalidRequestFormat', message: expect.stringContaining('properties.priority') });
  });

  it('a filter rule collection holds one rule type only', async () => {
    const mixed = networkGroup(1000, ['10.99.0.0/29']);
    const collection = mixed.ruleCollections?.[0] as { rules: unknown[] };
    collection.rules.push({ ruleType: 'ApplicationRule', name: 'app', sourceAddresses: ['10.99.0.0/29'], protocols: [{ protocolType: 'Https', port: 443 }], targetFqdns: ['example.com'] });
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'mixed', mixed, h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'FirewallPolicyRuleCollectionRuleTypeMismatch' });
  });

  it('enforces the group count, group size and network-rule source x destination limits', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 0 });
    h.arm.control.setLimits({ ruleCollectionGroupsPerPolicy: 3 });
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'g2', networkGroup(300, ['10.0.0.1']), h.lro);
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'g3', networkGroup(400, ['10.0.0.1']), h.lro);
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'g4', networkGroup(500, ['10.0.0.1']), h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'FirewallPolicyRuleCollectionGroupLimitExceeded' });
    // Replacing an existing group does not count as a new one.
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'g3', networkGroup(400, ['10.0.0.2']), h.lro);

    h.arm.control.setLimits({ ruleCollectionGroupsPerPolicy: 50, ruleCollectionGroupMaxBytes: 1024 });
    const many = Array.from({ length: 100 }, (_, i) => `10.98.${i}.0/24`);
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'big', networkGroup(600, many), h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'FirewallPolicyRuleCollectionGroupSizeLimitExceeded' });

    h.arm.control.setLimits({ ruleCollectionGroupMaxBytes: 2 * 1024 * 1024, networkRuleSourceDestinationPairs: 250 });
    // Seed has 1 pair; g2 and g3 have 1 each; 100 sources x 2 destinations = 200 → 203 fits, another 100 x 1 does not.
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'pairs', networkGroup(600, many, { destinations: ['20.0.0.1', '20.0.0.2'] }), h.lro);
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'pairs2', networkGroup(700, many), h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'FirewallPolicyNetworkRuleLimitExceeded' });
  });

  it('an injected long-running failure ends the operation Failed and the SDK throws', async () => {
    h.arm.control.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'lroFailure' });
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', networkGroup(1000, ['10.99.0.0/29']), h.lro))
      .rejects.toThrow(/long-running operation has failed.*FirewallPolicyUpdateFailed/);
    expect((await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a')).provisioningState).toBe('Failed');
  });

  it('pages lists with nextLink when listPageSize is set, and the SDK follows it', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 0 });
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'g2', networkGroup(300, ['10.0.0.1']), h.lro);
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'g3', networkGroup(400, ['10.0.0.1']), h.lro);
    h.arm.control.setLimits({ listPageSize: 1 });
    const names = [];
    for await (const g of h.network.firewallPolicyRuleCollectionGroups.list(HUB_RG, POLICY)) names.push(g.name);
    expect(names).toEqual(['DefaultNetworkRuleCollectionGroup', 'g2', 'g3']);
    expect(h.arm.control.counters().requests['firewallPolicyRuleCollectionGroups.list']).toBe(3);
  });

  it('creates and deletes a firewall policy', async () => {
    const created = await h.network.firewallPolicies.beginCreateOrUpdateAndWait(HUB_RG, 'other-policy', { location: 'westeurope', sku: { tier: 'Standard' }, threatIntelMode: 'Deny' }, h.lro);
    expect(created).toMatchObject({ name: 'other-policy', provisioningState: 'Succeeded', threatIntelMode: 'Deny', sku: { tier: 'Standard' } });
    await h.network.firewallPolicies.beginDeleteAndWait(HUB_RG, 'other-policy', h.lro);
    await expect(h.network.firewallPolicies.get(HUB_RG, 'other-policy')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
