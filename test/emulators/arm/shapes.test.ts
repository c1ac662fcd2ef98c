import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { NetworkManagementClient } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import { createHttpHeaders, type HttpClient } from '@azure/core-rest-pipeline';
import { type Harness, HUB_RG, SPOKE_RG, startHarness } from './support';

/**
 * Shape tests: an official example response (../shared/reference/azure/examples) is fed to the SDK
 * through a canned HttpClient, the same SDK call is made against the emulator, and the two SDK
 * models must have the same fields (every field of the example, with the same JSON type), except
 * the ones listed with a reason.
 */
const EXAMPLES = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'azure', 'examples');
type Example = { parameters: Record<string, unknown>; responses: Record<string, { body?: unknown }> };
const example = (file: string): Example => JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Example;

const token: TokenCredential = { getToken: () => Promise.resolve({ token: 'canned', expiresOnTimestamp: Date.now() + 3_600_000 }) };
function canned(body: unknown): HttpClient {
  return {
    sendRequest: (request) => Promise.resolve({ request, status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify(body) }),
  };
}
const cannedNetwork = (file: string): NetworkManagementClient =>
  new NetworkManagementClient(token, 'subid', { httpClient: canned(example(file).responses['200']?.body) });
const cannedAks = (file: string): ContainerServiceClient =>
  new ContainerServiceClient(token, 'subid', { httpClient: canned(example(file).responses['200']?.body) });

/** Field paths of an SDK model with the JSON type of their values: `properties`, `rules[].name` ... */
function fields(value: unknown, prefix = '', out = new Map<string, string>(), depth = 99): Map<string, string> {
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v instanceof Uint8Array ? 'bytes' : v === null ? 'null' : typeof v);
  if (value === undefined || depth < 0) return out;
  if (prefix) out.set(prefix, kind(value));
  if (Array.isArray(value)) { for (const item of value) fields(item, `${prefix}[]`, out, depth - 1); return out; }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) fields(v, prefix ? `${prefix}.${k}` : k, out, depth - 1);
  }
  return out;
}

function missingFields(official: unknown, emulated: unknown, excluded: string[] = [], depth = 99): string[] {
  const want = fields(official, '', new Map(), depth);
  const have = fields(emulated, '', new Map(), depth);
  return [...want.entries()]
    .filter(([p]) => !excluded.some((e) => p === e || p.startsWith(`${e}.`) || p.startsWith(`${e}[]`)))
    .filter(([p, kind]) => have.get(p) !== kind)
    .map(([p, kind]) => `${p} (${kind}, emulator: ${have.get(p) ?? 'absent'})`);
}

/** Read-only fields the SDK would drop anyway; removing them keeps the input honest. */
function asInput<T extends object>(model: T, drop: string[] = []): T {
  const copy: Record<string, unknown> = { ...(model as Record<string, unknown>) };
  for (const k of ['id', 'name', 'type', 'etag', 'provisioningState', 'size', ...drop]) delete copy[k];
  return copy as T;
}

describe('ARM emulator responses have the fields of the official examples (parsed by the SDK)', () => {
  let h: Harness;
  const lro = { updateIntervalInMs: 10 };
  beforeAll(async () => {
    h = await startHarness({ clusters: { 'spoke1-aks': { url: 'https://127.0.0.1:6443', caCertPem: 'unused' } }, timings: { firewallUpdateMs: 0 } });
  });
  afterAll(async () => { await h.stop(); });

  it('VirtualHubGet / VirtualHubPut (Route Server: no virtualWan, no addressPrefix)', async () => {
    const routeServerOnly = ['virtualWan', 'addressPrefix'];
    const got = await cannedNetwork('network/VirtualHubGet.json').virtualHubs.get('rg1', 'virtualHub1');
    expect(missingFields(got, await h.network.virtualHubs.get(HUB_RG, 'hub-rs'), routeServerOnly)).toEqual([]);
    const put = await cannedNetwork('network/VirtualHubPut.json').virtualHubs.beginCreateOrUpdateAndWait('rg1', 'virtualHub2', { location: 'West US' });
    const emulated = await h.network.virtualHubs.beginCreateOrUpdateAndWait(HUB_RG, 'rs-shape', { ...asInput(put, routeServerOnly), virtualRouterIps: ['10.3.1.4', '10.3.1.5'] }, lro);
    expect(missingFields(put, emulated, routeServerOnly)).toEqual([]);
  });

  it('VirtualHubIpConfigurationGet / Put', async () => {
    const put = await cannedNetwork('network/VirtualHubIpConfigurationPut.json').virtualHubIpConfiguration.beginCreateOrUpdateAndWait('rg1', 'hub1', 'ipconfig1', {});
    const emulated = await h.network.virtualHubIpConfiguration.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', 'ipconfig1', asInput(put), lro);
    expect(missingFields(put, emulated)).toEqual([]);
    const got = await cannedNetwork('network/VirtualHubIpConfigurationGet.json').virtualHubIpConfiguration.get('rg1', 'hub1', 'ipconfig1');
    expect(missingFields(got, await h.network.virtualHubIpConfiguration.get(HUB_RG, 'hub-rs', 'ipconfig1'))).toEqual([]);
  });

  it('VirtualHubBgpConnectionPut / Get / List', async () => {
    const put = await cannedNetwork('network/VirtualHubBgpConnectionPut.json').virtualHubBgpConnection.beginCreateOrUpdateAndWait('rg1', 'hub1', 'conn1', {});
    const emulated = await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', 'conn1', asInput(put, ['connectionState']), lro);
    expect(missingFields(put, emulated)).toEqual([]);
    const got = await cannedNetwork('network/VirtualHubBgpConnectionGet.json').virtualHubBgpConnection.get('rg1', 'hub1', 'conn1');
    expect(missingFields(got, await h.network.virtualHubBgpConnection.get(HUB_RG, 'hub-rs', 'conn1'))).toEqual([]);
    const officialList = [];
    for await (const c of cannedNetwork('network/VirtualHubBgpConnectionList.json').virtualHubBgpConnections.list('rg1', 'hub1')) officialList.push(c);
    const emulatedList = [];
    for await (const c of h.network.virtualHubBgpConnections.list(HUB_RG, 'hub-rs')) emulatedList.push(c);
    expect(missingFields(officialList, emulatedList)).toEqual([]);
  });

  it('VirtualRouterPeerListLearnedRoute / ListAdvertisedRoute (keyed by instance)', async () => {
    h.arm.control.setTimings({ routePropagationMs: 0 });
    h.feed.set(['10.0.1.4', '10.0.1.5'].map((peerIp) => ({
      cluster: 'spoke1-aks', localAsn: 20000, nodeName: 'n', nodeIp: '192.168.1.5', peerIp, peerAsn: 65515, routes: [{ prefix: '10.99.0.2/31', nextHop: '192.168.1.6', asPath: '20000' }],
    })));
    const learned = await cannedNetwork('network/VirtualRouterPeerListLearnedRoute.json').virtualHubBgpConnections.beginListLearnedRoutesAndWait('rg1', 'virtualRouter1', 'peer1');
    const emulatedLearned = await h.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, 'hub-rs', 'conn1', lro);
    expect(Object.keys(emulatedLearned)).toEqual(['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']);
    expect(missingFields(learned, emulatedLearned)).toEqual([]);
    const advertised = await cannedNetwork('network/VirtualRouterPeerListAdvertisedRoute.json').virtualHubBgpConnections.beginListAdvertisedRoutesAndWait('rg1', 'virtualRouter1', 'peer1');
    expect(missingFields(advertised, await h.network.virtualHubBgpConnections.beginListAdvertisedRoutesAndWait(HUB_RG, 'hub-rs', 'conn1', lro))).toEqual([]);
  });

  it('FirewallPolicyPut / FirewallPolicyGet', async () => {
    const put = await cannedNetwork('network/FirewallPolicyPut.json').firewallPolicies.beginCreateOrUpdateAndWait('rg1', 'firewallPolicy', {});
    const emulated = await h.network.firewallPolicies.beginCreateOrUpdateAndWait(HUB_RG, 'shape-policy', asInput(put, ['ruleCollectionGroups', 'firewalls', 'childPolicies']), lro);
    // The example policy has two groups; the emulator lists the groups that exist.
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'shape-policy', 'ruleCollectionGroup1', { priority: 100, ruleCollections: [] }, lro);
    expect(missingFields(put, await h.network.firewallPolicies.get(HUB_RG, 'shape-policy'))).toEqual([]);
    expect(emulated.provisioningState).toBe('Succeeded');
    const got = await cannedNetwork('network/FirewallPolicyGet.json').firewallPolicies.get('rg1', 'firewallPolicy');
    expect(missingFields(got, await h.network.firewallPolicies.get(HUB_RG, 'shape-policy'))).toEqual([]);
  });

  it.each([
    ['network/FirewallPolicyRuleCollectionGroupPut.json'],
    ['network/FirewallPolicyNatRuleCollectionGroupPut.json'],
    ['network/FirewallPolicyRuleCollectionGroupWithIpGroupsPut.json'],
    ['network/FirewallPolicyRuleCollectionGroupWithWebCategoriesPut.json'],
  ])('%s round-trips through the emulator with the same fields', async (file) => {
    const put = await cannedNetwork(file).firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg1', 'firewallPolicy', 'ruleCollectionGroup1', {});
    const emulated = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'shape-group', asInput(put), lro);
    expect(missingFields(put, emulated)).toEqual([]);
    expect(emulated.ruleCollections).toEqual(put.ruleCollections);
    await h.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(HUB_RG, 'hub-fw-policy', 'shape-group', lro);
  });

  it.each([
    ['network/FirewallPolicyRuleCollectionGroupGet.json'],
    ['network/FirewallPolicyNatRuleCollectionGroupGet.json'],
    ['network/FirewallPolicyRuleCollectionGroupWithIpGroupsGet.json'],
  ])('%s: the emulator GET (after a PUT of the same content) has the fields of the official GET', async (getFile) => {
    const official = await cannedNetwork(getFile).firewallPolicyRuleCollectionGroups.get('rg1', 'firewallPolicy', 'g');
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'shape-get', asInput(official), lro);
    expect(missingFields(official, await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', 'shape-get'))).toEqual([]);
    await h.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(HUB_RG, 'hub-fw-policy', 'shape-get', lro);
  });

  it('FirewallPolicyRuleCollectionGroupList / Delete', async () => {
    const official = [];
    for await (const g of cannedNetwork('network/FirewallPolicyRuleCollectionGroupList.json').firewallPolicyRuleCollectionGroups.list('rg1', 'firewallPolicy')) official.push(g);
    const sample = official[0];
    if (sample === undefined) throw new Error('the official list example has no group');
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'shape-group', { ...asInput(sample), priority: 5000 }, lro);
    const emulated = [];
    for await (const g of h.network.firewallPolicyRuleCollectionGroups.list(HUB_RG, 'hub-fw-policy')) emulated.push(g);
    expect(missingFields(official, emulated)).toEqual([]);
    await h.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(HUB_RG, 'hub-fw-policy', 'shape-group', lro);
    await expect(h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', 'shape-group')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('AzureFirewallGet (top two levels; the emulated firewall has policy-based rules only)', async () => {
    const official = await cannedNetwork('network/AzureFirewallGet.json').azureFirewalls.get('rg1', 'azurefirewall');
    const classicRules = ['applicationRuleCollections[]', 'natRuleCollections[]', 'networkRuleCollections[]', 'tags'];
    expect(missingFields(official, await h.network.azureFirewalls.get(HUB_RG, 'hub-fw'), classicRules, 1)).toEqual([]);
  });

  it('IpGroupsCreate / IpGroupsGet', async () => {
    const put = await cannedNetwork('network/IpGroupsCreate.json').ipGroups.beginCreateOrUpdateAndWait('myResourceGroup', 'ipGroups1', { location: 'West US' });
    // The example's IP Group is used by a (classic) firewall; here a policy of hub-fw uses it.
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'uses-ipgroup', {
      priority: 6000, ruleCollections: [{ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'c', priority: 100, action: { type: 'Allow' },
        rules: [{ ruleType: 'NetworkRule', name: 'r', sourceIpGroups: [`/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/ipGroups/ipGroups1`], destinationAddresses: ['*'], ipProtocols: ['TCP'], destinationPorts: ['443'] }] }],
    } as never, lro);
    const emulated = await h.network.ipGroups.beginCreateOrUpdateAndWait(HUB_RG, 'ipGroups1', asInput(put, ['firewalls', 'firewallPolicies']), lro);
    expect(missingFields(put, emulated)).toEqual([]);
    const got = await cannedNetwork('network/IpGroupsGet.json').ipGroups.get('myResourceGroup', 'ipGroups1');
    expect(missingFields(got, await h.network.ipGroups.get(HUB_RG, 'ipGroups1'))).toEqual([]);
  });

  it('an operation that is not emulated answers 501 naming it', async () => {
    await expect(h.network.ipGroups.updateGroups(HUB_RG, 'ipGroups1', { tags: { a: 'b' } })).rejects.toMatchObject({ statusCode: 501, code: 'NotImplemented' });
  });

  it('ManagedClustersGet (AKS-managed Entra, BYO CNI, user-defined routing)', async () => {
    const official = await cannedAks('containerservice/ManagedClustersGet.json').managedClusters.get('rg1', 'clustername1');
    const notInThisDesign = [
      'diskEncryptionSetID', // no customer-managed disk keys
      'linuxProfile', // no SSH access configured
      'upgradeSettings', // no upgrade override
      'networkProfile.loadBalancerProfile', // outboundType userDefinedRouting (egress via the firewall)
      'tags', // example-specific tags; the seed decides
    ];
    expect(missingFields(official, await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks'), notInThisDesign)).toEqual([]);
  });

  it.each([
    ['containerservice/ManagedClustersListClusterUserCredentials.json', 'listClusterUserCredentials'],
    ['containerservice/ManagedClustersListClusterAdminCredentials.json', 'listClusterAdminCredentials'],
  ] as const)('%s', async (file, method) => {
    const official = await cannedAks(file).managedClusters[method]('rg1', 'clustername1');
    const emulated = await h.aks.managedClusters[method](SPOKE_RG, 'spoke1-aks');
    expect(missingFields(official, emulated)).toEqual([]);
  });
});
