import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { type Harness, HUB_RG, startHarness } from './support';

const POLICY = 'hub-fw-policy';

describe('ARM emulator: IP Groups through @azure/arm-network', () => {
  let h: Harness;
  const ipGroupId = (name: string): string => `/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/ipGroups/${name}`;
  const groupUsing = (ipGroup: string, priority = 1000): FirewallPolicyRuleCollectionGroup => ({
    priority,
    ruleCollections: [{
      ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'c', priority: 100, action: { type: 'Allow' },
      rules: [{ ruleType: 'NetworkRule', name: 'r', ipProtocols: ['TCP'], sourceIpGroups: [ipGroupId(ipGroup)], destinationAddresses: ['20.1.2.3'], destinationPorts: ['443'] }],
    }],
  } as FirewallPolicyRuleCollectionGroup);

  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => {
    await h.arm.control.reset();
    h.arm.control.setTimings({ firewallUpdateMs: 50, lroRetryAfterSeconds: 0 });
  });

  it('creates, gets, lists and deletes an IP Group', async () => {
    const created = await h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'tenants', { location: 'westeurope', ipAddresses: ['10.99.0.0/29', '10.99.0.8/29'] }, h.lro);
    expect(created).toMatchObject({ name: 'tenants', provisioningState: 'Succeeded', ipAddresses: ['10.99.0.0/29', '10.99.0.8/29'], firewalls: [], firewallPolicies: [] });
    expect((await h.network.ipGroups.get(HUB_RG, 'tenants')).ipAddresses).toHaveLength(2);
    const names = [];
    for await (const g of h.network.ipGroups.listByResourceGroup(HUB_RG)) names.push(g.name);
    for await (const g of h.network.ipGroups.list()) names.push(g.name);
    expect(names).toEqual(['tenants', 'tenants']);
    await h.network.ipGroups.beginDeleteAndWait(HUB_RG, 'tenants', h.lro);
    await expect(h.network.ipGroups.get(HUB_RG, 'tenants')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('enforces 5,000 addresses per IP Group and validates each entry', async () => {
    const many = Array.from({ length: 5001 }, (_, i) => `10.${Math.floor(i / 256) % 256}.${i % 256}.0/24`);
    await expect(h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'big', { location: 'westeurope', ipAddresses: many }, h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'IpGroupIpAddressesLimitExceeded' });
    await expect(h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'bad', { location: 'westeurope', ipAddresses: ['not-an-ip'] }, h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'InvalidRequestFormat', message: expect.stringContaining('properties.ipAddresses.0') });
  });

  it('shows the policies and firewalls that use it; refuses deleting it while in use', async () => {
    await h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'tenants', { location: 'westeurope', ipAddresses: ['10.99.0.0/29'] }, h.lro);
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'uses-ipgroup', groupUsing('tenants'), h.lro);
    const group = await h.network.ipGroups.get(HUB_RG, 'tenants');
    expect(group.firewallPolicies?.map((p) => p.id?.split('/').pop())).toEqual([POLICY]);
    expect(group.firewalls?.map((f) => f.id?.split('/').pop())).toEqual(['hub-fw']);
    await expect(h.network.ipGroups.beginDeleteAndWait(HUB_RG, 'tenants', h.lro)).rejects.toMatchObject({ statusCode: 409, code: 'IpGroupInUse' });
  });

  it('an IP Group in use updates like its policy: both are locked until it finishes, in both directions', async () => {
    await h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'tenants', { location: 'westeurope', ipAddresses: ['10.99.0.0/29'] }, h.lro);
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'uses-ipgroup', groupUsing('tenants'), h.lro);
    h.arm.control.setTimings({ firewallUpdateMs: 1500 });

    const ipUpdate = await h.network.ipGroups.beginCreateOrUpdate(HUB_RG, 'tenants', { location: 'westeurope', ipAddresses: ['10.99.0.0/28'] }, h.lro);
    expect((await h.network.firewallPolicies.get(HUB_RG, POLICY)).provisioningState).toBe('Updating');
    await expect(h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'other', groupUsing('tenants', 1100), h.lro))
      .rejects.toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    await ipUpdate.pollUntilDone();

    const policyUpdate = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'other', groupUsing('tenants', 1100), h.lro);
    await expect(h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'tenants', { location: 'westeurope', ipAddresses: ['10.99.0.0/27'] }, h.lro))
      .rejects.toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    await policyUpdate.pollUntilDone();
    expect((await h.network.ipGroups.get(HUB_RG, 'tenants')).ipAddresses).toEqual(['10.99.0.0/28']);
  });
});
