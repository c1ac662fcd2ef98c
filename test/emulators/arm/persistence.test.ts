/** The ARM emulator kept in a state file: resources, ETags, BGP connections and learned routes, and in-flight LROs survive a restart. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NetworkManagementClient, type FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import { createMemoryRouteFeed, startArmEmulator, type ArmEmulator, type BgpSession, type MemoryRouteFeed, type StartArmEmulatorOptions } from '../../../local/emulators/arm';
import { createCertificateAuthority, type CertificateAuthority } from '../../../local/emulators/shared/tls';
import { createTokenIssuer, type TokenIssuer } from '../../../local/emulators/shared/token';
import { eventually, HUB_RG } from './support';

// Key generation is the slow part of a start: one CA and one signing key for every emulator here.
let ca: CertificateAuthority;
let tokenIssuer: TokenIssuer;
beforeAll(() => {
  ca = createCertificateAuthority();
  tokenIssuer = createTokenIssuer({});
});

/**
 * The emulator with an in-memory route feed and a network client whose tokens come straight from the
 * emulator's issuer: MSAL (DefaultAzureCredential) keeps one managed-identity endpoint per process,
 * and these tests start several emulators one after another.
 */
interface Harness { arm: ArmEmulator; feed: MemoryRouteFeed; network: NetworkManagementClient; lro: { updateIntervalInMs: number }; stop(): Promise<void> }

async function startHarness(options: StartArmEmulatorOptions & { feed?: MemoryRouteFeed }): Promise<Harness> {
  const feed = options.feed ?? createMemoryRouteFeed();
  const arm = await startArmEmulator({ routeFeed: feed, ca, tokenIssuer, ...options, timings: { firewallUpdateMs: 150, routePropagationMs: 150, routeFeedPollMs: 25, lroRetryAfterSeconds: 0, ...options.timings } });
  const credential: TokenCredential = {
    getToken: async (scopes) => ({ token: arm.control.issueToken((Array.isArray(scopes) ? scopes[0]! : (scopes as string)).replace(/\/\.default$/, '')), expiresOnTimestamp: Date.now() + 3_000_000 }),
  };
  const network = new NetworkManagementClient(credential, arm.subscriptionId, { endpoint: arm.url, tlsOptions: { ca: arm.caCertPem }, retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 } });
  return { arm, feed, network, lro: { updateIntervalInMs: 20 }, stop: () => arm.stop() };
}

const POLICY = 'hub-fw-policy';
const RS = 'hub-rs';

const group = (priority: number, source: string): FirewallPolicyRuleCollectionGroup => ({
  priority,
  ruleCollections: [{
    ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'tenant-net', priority: 100, action: { type: 'Allow' },
    rules: [{ ruleType: 'NetworkRule', name: 'r1', ipProtocols: ['UDP'], sourceAddresses: [source], destinationAddresses: ['1.1.1.1'], destinationPorts: ['53'] }],
  } as NonNullable<FirewallPolicyRuleCollectionGroup['ruleCollections']>[number]],
});

const sessions = (prefixes: string[]): BgpSession[] => ['10.0.1.4', '10.0.1.5'].map((peerIp) => ({
  cluster: 'spoke1-aks', localAsn: 63400, nodeName: 'node-a', nodeIp: '10.1.0.4', peerIp, peerAsn: 65515,
  routes: prefixes.map((prefix) => ({ prefix, nextHop: '10.1.0.6', asPath: '63400' })),
}));

async function learned(h: Harness): Promise<Record<string, string[]>> {
  const routes = await h.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, RS, 'rr-a', h.lro);
  return Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, v.map((r) => r.network!).sort()]));
}

describe('ARM emulator: state kept in a file', () => {
  let dir: string;
  let first: Harness | undefined;
  let second: Harness | undefined;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'arm-state-')); });
  afterEach(async () => {
    await first?.stop();
    await second?.stop();
    first = second = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stops the first emulator and starts a second on the same folder; the speakers keep advertising. */
  const restart = async (timings: Record<string, number> = {}): Promise<Harness> => {
    const feed = first!.feed;
    await first!.stop();
    first = undefined;
    return startHarness({ feed, state: { dir, debounceMs: 20 }, timings });
  };

  it('restores rule collection groups with their ETags, BGP connections and learned routes', async () => {
    first = await startHarness({ state: { dir, debounceMs: 20 }, timings: { routePropagationMs: 1000 } });
    expect(first.arm.restore).toEqual([{ what: 'ARM emulator', file: path.join(dir, 'arm.json'), outcome: 'missing' }]);
    const rcg = await first.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', group(1000, '10.99.0.0/29'), first.lro);
    await first.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, first.lro);
    first.feed.set(sessions(['10.99.0.0/31', '10.99.0.2/31']));
    let before: Record<string, string[]> = {};
    for (let i = 0; i < 200 && Object.values(before).flat().length < 4; i++) {
      before = await learned(first);
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(before).toEqual({ RouteServiceRole_IN_0: ['10.99.0.0/31', '10.99.0.2/31'], RouteServiceRole_IN_1: ['10.99.0.0/31', '10.99.0.2/31'] });

    // Routes learned before the restart are learned at once after it (a fresh Route Server would take 1 s).
    second = await restart({ routePropagationMs: 1000 });
    expect(second.arm.restore[0]).toMatchObject({ outcome: 'restored' });
    const again = await second.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a');
    expect(again).toMatchObject({ etag: rcg.etag, priority: 1000, provisioningState: 'Succeeded' });
    expect((await second.network.virtualHubBgpConnection.get(HUB_RG, RS, 'rr-a')).connectionState).toBe('Connected');
    expect(await learned(second)).toEqual(before);
    // An If-Match taken before the restart still matches.
    await second.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', group(1000, '10.99.0.8/29'), { ...second.lro, ifMatch: rcg.etag } as never);
  });

  it('a withdrawal on its way at the stop, under a slow spell, takes effect by the propagation of the restart', async () => {
    first = await startHarness({ state: { dir, debounceMs: 20 }, timings: { routePropagationMs: 100 } });
    await first.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, first.lro);
    first.feed.set(sessions(['10.99.0.0/31']));
    await eventually(async () => (await learned(first!)).RouteServiceRole_IN_0?.length === 1);
    // Propagation slows to ten minutes, then the route is withdrawn: still learned for now.
    first.arm.control.setTimings({ routePropagationMs: 600_000 });
    first.feed.set(sessions([]));
    await new Promise((r) => setTimeout(r, 200));
    expect((await learned(first)).RouteServiceRole_IN_0).toEqual(['10.99.0.0/31']);
    // The restart's propagation is 100 ms (timings are not kept): the withdrawal arrives by then.
    second = await restart({ routePropagationMs: 100 });
    await eventually(async () => (await learned(second!)).RouteServiceRole_IN_0?.length === 0);
    expect(await learned(second)).toEqual({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] });
  });

  it('an LRO in flight at the stop finishes at its due time after the restart, holding the policy lock until then', async () => {
    // A clock of our own: "before its due time" must not depend on how fast this machine restarts.
    let clock = Date.now();
    const now = (): number => clock;
    first = await startHarness({ now, state: { dir, debounceMs: 20 }, timings: { firewallUpdateMs: 1500 } });
    await first.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'tenant-a', group(1000, '10.99.0.0/29'), first.lro);
    const feed = first.feed;
    await first.stop();
    first = undefined;
    second = await startHarness({ now, feed, state: { dir, debounceMs: 20 }, timings: { firewallUpdateMs: 1500 } });
    expect((await second.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a')).provisioningState).toBe('Updating');
    await expect(second.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'tenant-b', group(1100, '10.99.0.8/29'), second.lro))
      .rejects.toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    clock += 1500;
    expect((await second.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a')).provisioningState).toBe('Succeeded');
    expect((await second.network.firewallPolicies.get(HUB_RG, POLICY)).provisioningState).toBe('Succeeded');
    const poller = await second.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, POLICY, 'tenant-b', group(1100, '10.99.0.8/29'), second.lro);
    clock += 1500;
    expect(await poller.pollUntilDone()).toMatchObject({ name: 'tenant-b', provisioningState: 'Succeeded' });
  });

  it('a delete in flight at the stop deletes after the restart', async () => {
    first = await startHarness({ state: { dir, debounceMs: 20 }, timings: { firewallUpdateMs: 300 } });
    await first.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, POLICY, 'tenant-a', group(1000, '10.99.0.0/29'), first.lro);
    await first.network.firewallPolicyRuleCollectionGroups.beginDelete(HUB_RG, POLICY, 'tenant-a', first.lro);
    second = await restart({ firewallUpdateMs: 300 });
    await new Promise((r) => setTimeout(r, 400));
    await expect(second.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, POLICY, 'tenant-a')).rejects.toMatchObject({ statusCode: 404 });
    expect((await second.network.firewallPolicies.get(HUB_RG, POLICY)).provisioningState).toBe('Succeeded');
  });

  it('a corrupt file is named and the emulator starts from its seed', async () => {
    writeFileSync(path.join(dir, 'arm.json'), 'garbage');
    first = await startHarness({ state: { dir } });
    expect(first.arm.restore[0]).toMatchObject({ outcome: 'unusable', reason: expect.stringMatching(/^not JSON/) });
    expect((await first.network.firewallPolicies.get(HUB_RG, POLICY)).provisioningState).toBe('Succeeded');
    await first.stop();
    writeFileSync(path.join(dir, 'arm.json'), JSON.stringify({ format: 'egress-pilot/arm-emulator', version: 1, state: { resources: [{ id: '' }], operations: [], bgp: { sessions: [], resets: {} } } }));
    first = await startHarness({ state: { dir } });
    expect(first.arm.restore[0]).toMatchObject({ outcome: 'unusable', reason: expect.stringMatching(/^invalid content \(resources\.0\.id/) });
  });
});
