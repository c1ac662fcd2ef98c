import https from 'node:https';
import { routeServerConnectionName } from '../../lib/domain/names';
import { awaitInstance } from '../../local/sandbox/await-instance';
import { clusterWrittenEvent, nodePoolRolledEvent } from '../../local/sandbox/cluster-event';
import { deliverClusterEvents, pollUntil, useSandbox } from './support';

/** The cluster bootstrap the sandbox triggers through Event Grid, and a re-sync after a node pool roll. */
describe('cluster bootstrap from Event Grid', () => {
  const t = useSandbox();

  const connections = async (cluster = 'spoke1-aks') => {
    const found: Array<{ name: string; peerIp: string; state: string }> = [];
    for await (const c of t.cloud.network.virtualHubBgpConnections.list('demo-hub-network', 'hub-rs')) {
      if (c.name!.startsWith(`${cluster}-rr-`)) found.push({ name: c.name!, peerIp: c.peerIp!, state: c.connectionState! });
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  };
  const reflectorNodes = async () => (await t.cloud.core.listNode({ labelSelector: 'route-reflector=true' })).items.map((n) => n.metadata!.name!).sort();
  const reflectorIps = async () => (await t.cloud.core.listNode({ labelSelector: 'route-reflector=true' })).items.map((n) => n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address).sort();
  /** Polls (60 s at most) until `gone` is no route reflector and spoke1 has two Connected Route Server peers; returns what it read last. */
  const afterResync = (gone: string) => pollUntil(
    async () => ({ reflectors: await reflectorNodes(), conns: await connections() }),
    ({ reflectors, conns }) => !reflectors.includes(gone) && reflectors.length === 2 && conns.length === 2 && conns.every((c) => c.state === 'Connected'),
  );
  const deliver = (events: unknown[]) => deliverClusterEvents(t.sandbox, events);

  it('labels two route reflectors in different zones, applies the BGP set-up and peers Route Server with them', async () => {
    const nodes = (await t.cloud.core.listNode()).items;
    const reflectors = nodes.filter((n) => n.metadata?.labels?.['route-reflector'] === 'true');
    expect(reflectors).toHaveLength(2);
    expect(new Set(reflectors.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone'])).size).toBe(2);
    const ips = reflectors.map((n) => n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address).sort();
    expect(await connections()).toEqual(ips.map((ip) => ({ name: routeServerConnectionName('spoke1-aks', ip), peerIp: ip, state: 'Connected' })).sort((a, b) => a.name.localeCompare(b.name)));

    const bgp = await t.cloud.kube.read({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' } }) as { spec?: { asNumber?: number; nodeToNodeMeshEnabled?: boolean } };
    expect(bgp.spec).toMatchObject({ asNumber: 63400, nodeToNodeMeshEnabled: false });
    const peer = await t.cloud.kube.read({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'azure-route-server-a' } }) as { spec?: Record<string, unknown> };
    // reachableBy is the AKS subnet's gateway, read from the subnet the agent pool names.
    expect(peer.spec).toMatchObject({ peerIP: '10.0.1.4', asNumber: 65515, reachableBy: '10.1.0.1', keepOriginalNextHop: true });
    const pool = await t.cloud.kube.read({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' } }) as { spec?: { disableBGPExport?: boolean } };
    expect(pool.spec?.disableBGPExport).toBe(true);
  });

  it('re-syncs after a node pool roll: a replaced reflector is swapped and its stale connection removed', async () => {
    const before = await reflectorNodes();
    const gone = before[0]!;
    const otherSpoke = await connections('spoke2-aks');
    expect(otherSpoke).toHaveLength(2);
    await t.cloud.core.deleteNode({ name: gone });
    await t.cloud.core.createNode({ body: {
      metadata: { name: 'aks-nodepool1-12345678-vmss000009', labels: { 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': '1', 'kubernetes.io/hostname': 'aks-nodepool1-12345678-vmss000009' } },
      status: { addresses: [{ type: 'InternalIP', address: '10.1.0.13' }], conditions: [{ type: 'Ready', status: 'True' }] },
    } });
    // As the AKS system topic sends it: the cluster's ID in `topic`, its name in `subject`.
    const event = nodePoolRolledEvent(t.sandbox.arm.subscriptionId, 'demo-spoke-networks', 'spoke1-aks', 'nodepool1', 'roll-1');
    expect((await deliver([event])).ok).toBe(true);
    const { reflectors: after, conns } = await afterResync(gone);
    expect(after).toHaveLength(2);
    expect(after).not.toContain(gone);
    expect(conns).toHaveLength(2);
    expect(conns.every((c) => c.state === 'Connected')).toBe(true);
    expect(conns.map((c) => c.peerIp).sort()).toEqual(await reflectorIps());
    // The other spoke's peering is not touched by this cluster's re-sync.
    expect(await connections('spoke2-aks')).toEqual(otherSpoke);
  }, 120_000);

  it('re-syncs a roll when Route Server is at its 8-peer limit: the stale connection makes room first', async () => {
    const all = async () => {
      const found: string[] = [];
      for await (const c of t.cloud.network.virtualHubBgpConnections.list('demo-hub-network', 'hub-rs')) found.push(c.name!);
      return found;
    };
    // Peers of other NVAs fill Route Server up to its limit (2 per spoke are there already).
    const fillers = Array.from({ length: 8 - (await all()).length }, (_, i) => ({ name: `other-nva-${i}`, peerIp: `10.0.2.${10 + i}` }));
    for (const f of fillers) {
      await t.cloud.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait('demo-hub-network', 'hub-rs', f.name, { peerIp: f.peerIp, peerAsn: 65010 }, { updateIntervalInMs: 50 });
    }
    try {
      expect(await all()).toHaveLength(8);
      const gone = (await reflectorNodes())[0]!;
      await t.cloud.core.deleteNode({ name: gone });
      // The roll brings a ready node (status is a subresource: written after the create, as the kubelet does).
      const fresh = 'aks-nodepool1-12345678-vmss00000a';
      const created = await t.cloud.core.createNode({ body: { metadata: { name: fresh, labels: { 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': '2', 'kubernetes.io/hostname': fresh } } } });
      await t.cloud.core.replaceNodeStatus({ name: fresh, body: { ...created, status: { addresses: [{ type: 'InternalIP', address: '10.1.0.14' }], conditions: [{ type: 'Ready', status: 'True' }] } } });
      const event = nodePoolRolledEvent(t.sandbox.arm.subscriptionId, 'demo-spoke-networks', 'spoke1-aks', 'nodepool1', 'roll-at-limit');
      expect((await deliver([event])).ok).toBe(true);
      const { reflectors: after, conns } = await afterResync(gone);
      expect(after).not.toContain(gone);
      expect(after).toHaveLength(2);
      expect(conns.map((c) => c.peerIp).sort()).toEqual(await reflectorIps());
      expect(conns.every((c) => c.state === 'Connected')).toBe(true);
      const peers = await all();
      expect(peers).toHaveLength(8);
      expect(peers).toEqual(expect.arrayContaining(fillers.map((f) => f.name)));
    } finally {
      for (const f of fillers) await t.cloud.network.virtualHubBgpConnection.beginDeleteAndWait('demo-hub-network', 'hub-rs', f.name, { updateIntervalInMs: 50 });
    }
  }, 120_000);

  it('the cluster API server accepts only unexpired Entra tokens for the AKS server audience', async () => {
    const url = `${t.sandbox.info.clusters[0]!.apiServer}/api/v1/namespaces`;
    const call = (token?: string) => new Promise<number>((resolve, reject) => {
      // node:https with the sandbox CA (fetch cannot take a CA per request).
      const req = https.get(url, { ca: t.sandbox.arm.caCertPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
    });
    const aks = '6dae42f8-4368-4678-94ff-3960e28e3630';
    expect(await call()).toBe(401);
    expect(await call(t.sandbox.arm.control.issueToken(t.sandbox.arm.url))).toBe(401);
    expect(await call(t.sandbox.arm.control.issueToken(aks, { lifetimeSeconds: -60 }))).toBe(401);
    expect(await call(t.sandbox.arm.control.issueToken(aks))).toBe(200);
  });

  const bootstrapStatus = async (cluster: string) => {
    const res = await fetch(`${t.sandbox.host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(`cluster:${cluster}`)}?showInput=true&code=${t.sandbox.info.masterKey}`);
    return (await res.json()) as { createdTime: string; runtimeStatus: string; input: { reason: string } };
  };

  it('the same event delivered 3 times bootstraps once (twice in one batch, once after the run finished)', async () => {
    const event = nodePoolRolledEvent(t.sandbox.arm.subscriptionId, 'demo-spoke-networks', 'spoke1-aks', 'nodepool1', 'roll-thrice');
    expect((await deliver([event, event])).status).toBe(202);
    await awaitInstance(t.sandbox.host.baseUrl, t.sandbox.info.masterKey, 'cluster:spoke1-aks', 60_000);
    const first = await bootstrapStatus('spoke1-aks');
    expect(first.input.reason).toBe('node pool nodepool1 rolled (event roll-thrice)');
    expect((await deliver([event])).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await bootstrapStatus('spoke1-aks');
    expect(after).toMatchObject({ createdTime: first.createdTime, runtimeStatus: 'Completed' });
  }, 90_000);

  /** The bootstrap instances the task hub holds (one per cluster it ever bootstrapped). */
  const bootstrapInstances = async () => {
    const res = await fetch(`${t.sandbox.host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${t.sandbox.info.masterKey}`);
    return ((await res.json()) as Array<{ instanceId: string }>).map((i) => i.instanceId).filter((id) => id.startsWith('cluster:')).sort();
  };

  it('acknowledges (202) and drops malformed events, events from other scopes and about other resources; none starts a bootstrap', async () => {
    const before = await bootstrapStatus('spoke2-aks');
    const instancesBefore = await bootstrapInstances();
    expect(instancesBefore).toEqual(['cluster:spoke1-aks', 'cluster:spoke2-aks']);
    const sub = t.sandbox.arm.subscriptionId;
    const written = clusterWrittenEvent(sub, 'demo-spoke-networks', 'spoke2-aks');
    const storage = `/subscriptions/${sub}/resourceGroups/demo-spoke-networks/providers/Microsoft.Storage/storageAccounts/a`;
    const cases: Array<[string, unknown]> = [
      ['no id', { topic: `/subscriptions/${sub}/resourceGroups/demo-spoke-networks`, subject: 'x', eventType: 'Microsoft.Resources.ResourceWriteSuccess', data: {} }],
      ['not an object', 'hello'],
      ['data not an object', { ...nodePoolRolledEvent(sub, 'demo-spoke-networks', 'spoke2-aks'), data: 7 }],
      ['another subscription', nodePoolRolledEvent('00000000-0000-0000-0000-00000000dead', 'demo-spoke-networks', 'spoke2-aks')],
      ['another resource group', nodePoolRolledEvent(sub, 'some-other-rg', 'spoke2-aks')],
      ['the old subject-only shape', { ...nodePoolRolledEvent(sub, 'demo-spoke-networks', 'spoke2-aks'), topic: '/subscriptions/x/resourceGroups/y', subject: `/subscriptions/${sub}/resourceGroups/demo-spoke-networks/providers/Microsoft.ContainerService/managedClusters/spoke2-aks` }],
      ['a write whose topic is another resource group', { ...written, topic: `/subscriptions/${sub}/resourceGroups/attacker` }],
      ['a write of another resource in scope', { ...written, subject: storage, data: { ...written.data, resourceUri: storage, resourceProvider: 'Microsoft.Storage', operationName: 'Microsoft.Storage/storageAccounts/write' } }],
    ];
    for (const [what, event] of cases) expect([what, (await deliver([event])).status]).toEqual([what, 202]);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await bootstrapStatus('spoke2-aks')).createdTime).toBe(before.createdTime);
    expect(await bootstrapInstances()).toEqual(instancesBefore);
  });

  it('reads the CloudEvents schema too: the AKS source is the cluster ID', async () => {
    const before = await bootstrapStatus('spoke2-aks');
    const cloud = { specversion: '1.0', id: 'cloud-roll-1', type: 'Microsoft.ContainerService.NodePoolRollingSucceeded', source: `/subscriptions/${t.sandbox.arm.subscriptionId}/resourceGroups/demo-spoke-networks/providers/Microsoft.ContainerService/managedClusters/spoke2-aks`, subject: 'spoke2-aks', time: new Date().toISOString(), data: { nodePoolName: 'nodepool1' } };
    expect((await deliverClusterEvents(t.sandbox, cloud, 'application/cloudevents+json')).status).toBe(202);
    await awaitInstance(t.sandbox.host.baseUrl, t.sandbox.info.masterKey, 'cluster:spoke2-aks', 60_000);
    const after = await bootstrapStatus('spoke2-aks');
    expect(after.createdTime).not.toBe(before.createdTime);
    expect(after.input.reason).toBe('node pool nodepool1 rolled (event cloud-roll-1)');
  }, 90_000);
});
