import type { BgpSession } from '../../../local/emulators/arm';
import { eventually, type Harness, HUB_RG, startHarness } from './support';

const RS = 'hub-rs';
const INSTANCE_IPS = ['10.0.1.4', '10.0.1.5'];

function sessionsFor(nodeIp: string, prefixes: string[], opts: { localAsn?: number; peerAsn?: number; instances?: string[] } = {}): BgpSession[] {
  return (opts.instances ?? INSTANCE_IPS).map((peerIp) => ({
    cluster: 'spoke1-aks', localAsn: opts.localAsn ?? 63400, nodeName: `node-${nodeIp}`, nodeIp, peerIp, peerAsn: opts.peerAsn ?? 65515,
    routes: prefixes.map((prefix, i) => ({ prefix, nextHop: `10.1.0.${10 + (i % 200)}`, asPath: '63400' })),
  }));
}

/** /31 prefixes 10.99.x.y/31, `count` of them. */
const prefixes = (count: number, offset = 0): string[] =>
  Array.from({ length: count }, (_, i) => { const n = (i + offset) * 2; return `10.99.${Math.floor(n / 256)}.${n % 256}/31`; });

describe('ARM emulator: Route Server (virtualHubs) through @azure/arm-network', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => { await h.arm.control.reset(); h.arm.control.setTimings({ firewallUpdateMs: 150, routePropagationMs: 150, routeFeedPollMs: 25, lroRetryAfterSeconds: 0 }); h.feed.set([]); });

  it('gets and lists the seeded Route Server with its instance IPs, ASN and ipconfig', async () => {
    const hub = await h.network.virtualHubs.get(HUB_RG, RS);
    expect(hub).toMatchObject({ name: RS, virtualRouterAsn: 65515, virtualRouterIps: INSTANCE_IPS, provisioningState: 'Succeeded', routingState: 'Provisioned', sku: 'Standard' });
    expect(hub.ipConfigurations?.[0]?.id).toMatch(/\/virtualHubs\/hub-rs\/ipConfigurations\/ipconfig1$/);
    const inGroup = [];
    for await (const x of h.network.virtualHubs.listByResourceGroup(HUB_RG)) inGroup.push(x.name);
    const all = [];
    for await (const x of h.network.virtualHubs.list()) all.push(x.name);
    expect(inGroup).toEqual([RS]);
    expect(all).toEqual([RS]);
  });

  it('creates, updates and deletes a virtual hub as long-running operations', async () => {
    h.arm.control.setTimings({ networkProvisionMs: 800 });
    const poller = await h.network.virtualHubs.beginCreateOrUpdate(HUB_RG, 'rs2', { location: 'westeurope', sku: 'Standard', virtualRouterIps: ['10.2.1.4', '10.2.1.5'], tags: { a: 'b' } }, h.lro);
    expect((await h.network.virtualHubs.get(HUB_RG, 'rs2')).provisioningState).toBe('Updating');
    const created = await poller.pollUntilDone();
    expect(created).toMatchObject({ name: 'rs2', provisioningState: 'Succeeded', virtualRouterIps: ['10.2.1.4', '10.2.1.5'], tags: { a: 'b' } });
    await h.network.virtualHubs.beginDeleteAndWait(HUB_RG, 'rs2', h.lro);
    await expect(h.network.virtualHubs.get(HUB_RG, 'rs2')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await expect(h.network.virtualHubs.get('no-such-rg', 'rs2')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  it('manages ipConfigurations: put, get, list, delete', async () => {
    const subnet = { id: '/subscriptions/x/resourceGroups/demo-hub-network/providers/Microsoft.Network/virtualNetworks/hub-vnet/subnets/RouteServerSubnet' };
    const put = await h.network.virtualHubIpConfiguration.beginCreateOrUpdateAndWait(HUB_RG, RS, 'ipconfig2', { subnet, privateIPAllocationMethod: 'Dynamic' }, h.lro);
    expect(put).toMatchObject({ name: 'ipconfig2', provisioningState: 'Succeeded', subnet });
    expect((await h.network.virtualHubIpConfiguration.get(HUB_RG, RS, 'ipconfig2')).subnet?.id).toBe(subnet.id);
    const names = [];
    for await (const c of h.network.virtualHubIpConfiguration.list(HUB_RG, RS)) names.push(c.name);
    expect(names).toEqual(['ipconfig1', 'ipconfig2']);
    await h.network.virtualHubIpConfiguration.beginDeleteAndWait(HUB_RG, RS, 'ipconfig2', h.lro);
    await expect(h.network.virtualHubIpConfiguration.get(HUB_RG, RS, 'ipconfig2')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('bgpConnection is Connected only when the peer has sessions to both instances with matching ASNs', async () => {
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    const state = async (): Promise<string | undefined> => (await h.network.virtualHubBgpConnection.get(HUB_RG, RS, 'rr-a')).connectionState;
    expect(await state()).toBe('NotConnected');
    h.feed.set(sessionsFor('10.1.0.4', [], { instances: ['10.0.1.4'] }));
    expect(await state()).toBe('Connecting');
    h.feed.set(sessionsFor('10.1.0.4', []));
    expect(await state()).toBe('Connected');
    h.feed.set(sessionsFor('10.1.0.4', [], { localAsn: 64000 }));
    expect(await state()).toBe('NotConnected');
    h.feed.set(sessionsFor('10.1.0.9', []));
    expect(await state()).toBe('NotConnected');
    const listed = [];
    for await (const c of h.network.virtualHubBgpConnections.list(HUB_RG, RS)) listed.push([c.name, c.peerIp, c.peerAsn, c.connectionState]);
    expect(listed).toEqual([['rr-a', '10.1.0.4', 63400, 'NotConnected']]);
    await h.network.virtualHubBgpConnection.beginDeleteAndWait(HUB_RG, RS, 'rr-a', h.lro);
    await expect(h.network.virtualHubBgpConnection.get(HUB_RG, RS, 'rr-a')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses reserved peer ASNs, a duplicate peer IP and a ninth peer', async () => {
    await expect(h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'bad', { peerIp: '10.1.0.4', peerAsn: 65515 }, h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'InvalidBgpPeerAsn' });
    for (let i = 0; i < 8; i += 1) {
      await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, `p${i}`, { peerIp: `10.1.0.${20 + i}`, peerAsn: 63400 }, h.lro);
    }
    await expect(h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'p8', { peerIp: '10.1.0.40', peerAsn: 63400 }, h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'BgpConnectionLimitExceeded' });
    await expect(h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'p0', { peerIp: '10.1.0.21', peerAsn: 63400 }, h.lro))
      .rejects.toMatchObject({ statusCode: 400, code: 'BgpConnectionPeerIpAlreadyInUse' });
  });

  it('learned routes appear on both instances after the propagation delay and disappear after withdrawal', async () => {
    h.arm.control.setTimings({ routePropagationMs: 1000 });
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    const learned = (): Promise<Record<string, { network?: string; localAddress?: string; sourcePeer?: string; origin?: string; weight?: number; asPath?: string; nextHop?: string }[]>> =>
      h.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, RS, 'rr-a', h.lro);
    h.feed.set(sessionsFor('10.1.0.4', ['10.99.0.2/31', '10.99.0.4/31']));
    const early = await learned();
    expect(early).toEqual({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] });
    await eventually(async () => ((await learned()).RouteServiceRole_IN_1?.length ?? 0) === 2);
    const routes = await learned();
    expect(routes.RouteServiceRole_IN_0).toEqual([
      { localAddress: '10.0.1.4', network: '10.99.0.2/31', nextHop: '10.1.0.10', sourcePeer: '10.1.0.4', origin: 'EBgp', asPath: '63400', weight: 32768 },
      { localAddress: '10.0.1.4', network: '10.99.0.4/31', nextHop: '10.1.0.11', sourcePeer: '10.1.0.4', origin: 'EBgp', asPath: '63400', weight: 32768 },
    ]);
    expect(routes.RouteServiceRole_IN_1?.map((r) => r.localAddress)).toEqual(['10.0.1.5', '10.0.1.5']);

    h.feed.set(sessionsFor('10.1.0.4', ['10.99.0.4/31']));
    expect((await learned()).RouteServiceRole_IN_0?.map((r) => r.network)).toEqual(['10.99.0.2/31', '10.99.0.4/31']);
    await eventually(async () => (await learned()).RouteServiceRole_IN_0?.length === 1);
    expect((await learned()).RouteServiceRole_IN_0?.map((r) => r.network)).toEqual(['10.99.0.4/31']);
  });

  it('advertises the VNet prefixes and routes learned from other peers', async () => {
    h.arm.control.setTimings({ routePropagationMs: 0 });
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-b', { peerIp: '10.1.0.5', peerAsn: 63400 }, h.lro);
    h.feed.set([...sessionsFor('10.1.0.4', ['10.99.0.2/31']), ...sessionsFor('10.1.0.5', [])]);
    const advertised = await h.network.virtualHubBgpConnections.beginListAdvertisedRoutesAndWait(HUB_RG, RS, 'rr-b', h.lro);
    expect(advertised.RouteServiceRole_IN_0?.map((r) => [r.network, r.origin, r.asPath])).toEqual([
      ['10.0.0.0/22', 'Igp', '65515'], ['10.1.0.0/22', 'Igp', '65515'], ['10.99.0.2/31', 'EBgp', '65515-63400'],
    ]);
  });

  it('more than 1,000 routes from one peer reset the session: NotConnected and no learned routes, until it fits again', async () => {
    h.arm.control.setTimings({ routePropagationMs: 0 });
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    h.feed.set(sessionsFor('10.1.0.4', prefixes(1000)));
    const count = async (): Promise<number> => ((await h.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, RS, 'rr-a', h.lro)).RouteServiceRole_IN_0?.length ?? -1);
    expect(await count()).toBe(1000);
    h.feed.set(sessionsFor('10.1.0.4', prefixes(1001)));
    expect(await count()).toBe(0);
    expect((await h.network.virtualHubBgpConnection.get(HUB_RG, RS, 'rr-a')).connectionState).toBe('NotConnected');
    const sessions = await h.arm.control.bgpSessions();
    expect(sessions.filter((s) => s.nodeIp === '10.1.0.4').map((s) => [s.state, s.resets])).toEqual([['ResetRouteLimit', 1], ['ResetRouteLimit', 1]]);
    h.feed.set(sessionsFor('10.1.0.4', prefixes(10)));
    expect(await count()).toBe(10);
    expect((await h.network.virtualHubBgpConnection.get(HUB_RG, RS, 'rr-a')).connectionState).toBe('Connected');
  });

  it('counts routes already learned plus the new ones in an update against the limit', async () => {
    h.arm.control.setTimings({ routePropagationMs: 0 });
    h.arm.control.setLimits({ routesPerBgpPeer: 10 });
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, RS, 'rr-a', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    h.feed.set(sessionsFor('10.1.0.4', prefixes(6)));
    expect((await h.arm.control.bgpSessions()).map((s) => s.state)).toEqual(['Established', 'Established']);
    h.feed.set(sessionsFor('10.1.0.4', [...prefixes(6), ...prefixes(4, 100)]));
    expect((await h.arm.control.bgpSessions()).map((s) => [s.state, s.heldRoutes])).toEqual([['Established', 10], ['Established', 10]]);
    // Only 10 advertised now, but 10 held + 5 new in one update = 15 > 10: Azure drops the session.
    h.feed.set(sessionsFor('10.1.0.4', [...prefixes(5), ...prefixes(5, 200)]));
    expect((await h.arm.control.bgpSessions()).map((s) => s.state)).toEqual(['ResetRouteLimit', 'ResetRouteLimit']);
  });
});
