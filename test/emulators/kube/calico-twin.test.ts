/** The Calico twin, driven through @kubernetes/client-node and read through its in-process and HTTP contract. */
import * as k8s from '@kubernetes/client-node';
import { startKubeEmulator, type BgpSession, type KubeEmulator } from '../../../local/emulators/kube';
import { kubeConfig, waitFor } from './support';

type Obj = k8s.KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

let emu: KubeEmulator;
let objects: k8s.KubernetesObjectApi;
let core: k8s.CoreV1Api;
const cluster = () => emu.clusters.get('spoke1')!;

const apply = (obj: Obj, manager = 'egress-pilot'): Promise<Obj> => objects.patch<Obj>(obj, undefined, undefined, manager, true, k8s.PatchStrategy.ServerSideApply);
const merge = (obj: Obj): Promise<Obj> => objects.patch<Obj>(obj, undefined, undefined, 'tests', undefined, k8s.PatchStrategy.MergePatch);

const peer = (name: string, peerIP: string, filters?: string[]): Obj => ({
  apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name },
  spec: { peerIP, reachableBy: '10.1.0.1', asNumber: 65515, keepOriginalNextHop: true, nodeSelector: "route-reflector == 'true'", ...(filters ? { filters } : {}) },
});

async function tenant(name: string, cidr: string, replicas: number): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: `${name}-egw` } } });
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: `${name}-pool` }, spec: { cidr, blockSize: 31, nodeSelector: '!all()', vxlanMode: 'Never' } });
  await apply(gateway(name, replicas));
}

function gateway(name: string, replicas: number): Obj {
  return {
    apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: `${name}-egw`, namespace: `${name}-egw` },
    spec: {
      logSeverity: 'Info', replicas, ipPools: [{ name: `${name}-pool` }],
      template: {
        metadata: { labels: { tenant: `${name}-egw` } },
        spec: {
          terminationGracePeriodSeconds: 0, nodeSelector: { 'kubernetes.io/os': 'linux' },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { tenant: `${name}-egw` } } }],
        },
      },
    },
  };
}

async function gatewayPods(name: string): Promise<k8s.V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: `${name}-egw`, labelSelector: `tenant=${name}-egw` })).items;
}

/** prefix → next hop, per peer IP (both route reflectors must agree). */
function advertised(sessions: BgpSession[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of sessions) {
    const routes = Object.fromEntries(s.routes.map((r) => [r.prefix, r.nextHop]));
    const seen = out[s.peerIp];
    if (seen) expect(routes).toEqual(seen);
    out[s.peerIp] = routes;
  }
  return out;
}

beforeAll(async () => {
  emu = await startKubeEmulator({
    clusters: [{ name: 'spoke1', nodes: [{ ip: '10.1.0.4', routeReflector: true }, { ip: '10.1.0.5', routeReflector: true }, { ip: '10.1.0.6' }] }],
    timings: { gatewayPodReadyMs: 20 },
  });
  const kc = kubeConfig(cluster().url);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false, asNumber: 63400 } });
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'peer-with-route-reflectors' }, spec: { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" } });
  await apply(peer('azure-route-server-a', '10.0.1.4'));
  await apply(peer('azure-route-server-b', '10.0.1.5'));
  await tenant('tenant0', '10.99.0.0/29', 2);
  await tenant('tenant1', '10.99.0.8/29', 2);
});
afterAll(async () => emu.stop());

describe('gateway pods', () => {
  it('makes `replicas` pods per gateway, one per zone, Ready after the configured delay', async () => {
    for (const t of ['tenant0', 'tenant1']) {
      const pods = await waitFor(`${t} pods ready`, async () => {
        const list = await gatewayPods(t);
        return list.length === 2 && list.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? list : undefined;
      });
      const nodes = (await core.listNode()).items;
      const zoneOf = (node?: string) => nodes.find((n) => n.metadata?.name === node)?.metadata?.labels?.['topology.kubernetes.io/zone'];
      expect(new Set(pods.map((p) => zoneOf(p.spec?.nodeName))).size).toBe(2);
      expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'EgressGateway')).toBe(true);
    }
  });

  it('gives each pod an address from its pool, in a /31 block affine to its node', async () => {
    const blocks = cluster().twin.blocks();
    for (const [t, prefix] of [['tenant0', '10.99.0.'], ['tenant1', '10.99.0.']] as const) {
      for (const p of await gatewayPods(t)) {
        const ip = p.status?.podIP ?? '';
        expect(ip.startsWith(prefix)).toBe(true);
        const block = blocks.find((b) => Object.values(b.allocations).includes(`${t}-egw/${p.metadata?.name}`));
        expect(block).toEqual(expect.objectContaining({ pool: `${t}-pool`, node: p.spec?.nodeName }));
        expect(block?.cidr.endsWith('/31')).toBe(true);
      }
    }
  });
});

describe('BGP advertisements', () => {
  it('two tenants: every /31 is advertised to both Route Server peers with the hosting node as next hop, default pool /26s too', async () => {
    const sessions = cluster().twin.bgpSessions();
    expect(sessions.map((s) => [s.peerIp, s.nodeIp])).toEqual([['10.0.1.4', '10.1.0.4'], ['10.0.1.4', '10.1.0.5'], ['10.0.1.5', '10.1.0.4'], ['10.0.1.5', '10.1.0.5']]);
    const expected: Record<string, string> = {};
    for (const t of ['tenant0', 'tenant1']) {
      for (const p of await gatewayPods(t)) {
        const block = cluster().twin.blocks().find((b) => Object.values(b.allocations).includes(`${t}-egw/${p.metadata?.name}`));
        expected[block!.cidr] = p.status!.hostIP!;
      }
    }
    expect(Object.keys(expected)).toHaveLength(4);
    expected['10.244.0.0/26'] = '10.1.0.4';
    expected['10.244.0.64/26'] = '10.1.0.5';
    expected['10.244.0.128/26'] = '10.1.0.6';
    expect(advertised(sessions)).toEqual({ '10.0.1.4': expected, '10.0.1.5': expected });
    expect(sessions[0]?.routes[0]?.asPath).toBe('63400');
  });

  it('default pool with disableBGPExport: its blocks are no longer advertised', async () => {
    await merge({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { disableBGPExport: true } });
    const routes = advertised(cluster().twin.bgpSessions());
    expect(Object.keys(routes['10.0.1.4']!).filter((p) => p.startsWith('10.244.'))).toEqual([]);
    expect(Object.keys(routes['10.0.1.4']!)).toHaveLength(4);
    await merge({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { disableBGPExport: false } });
    expect(Object.keys(advertised(cluster().twin.bgpSessions())['10.0.1.4']!)).toHaveLength(7);
  });

  it('a BGPFilter rejecting everything outside the egress supernet stops the leak, once the peers use it', async () => {
    await apply({ apiVersion: 'projectcalico.org/v3', kind: 'BGPFilter', metadata: { name: 'export-egress-ips' }, spec: { exportV4: [{ action: 'Reject', matchOperator: 'NotIn', cidr: '10.99.0.0/16' }] } });
    // Calico applies a filter only to peers that list it in spec.filters.
    expect(Object.keys(advertised(cluster().twin.bgpSessions())['10.0.1.4']!)).toHaveLength(7);
    await apply(peer('azure-route-server-a', '10.0.1.4', ['export-egress-ips']));
    await apply(peer('azure-route-server-b', '10.0.1.5', ['export-egress-ips']));
    const routes = advertised(cluster().twin.bgpSessions());
    expect(Object.keys(routes['10.0.1.4']!).sort()).toEqual(Object.keys(routes['10.0.1.5']!).sort());
    expect(Object.keys(routes['10.0.1.4']!).every((p) => p.startsWith('10.99.0.') && p.endsWith('/31'))).toBe(true);
    expect(Object.keys(routes['10.0.1.4']!)).toHaveLength(4);
  });

  it('onBgpChange reports a change of what is advertised, once per change', async () => {
    const seen: BgpSession[][] = [];
    const off = cluster().twin.onBgpChange((s) => seen.push(s));
    await merge({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tenant0-pool' }, spec: { disableBGPExport: true } });
    await merge({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tenant0-pool', labels: { unrelated: 'x' } } });
    await merge({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tenant0-pool' }, spec: { disableBGPExport: false } });
    off();
    expect(seen.map((s) => s[0]!.routes.length)).toEqual([2, 4]);
  });

  it('the HTTP control path returns the same sessions in the documented shape', async () => {
    const res = await fetch(`${cluster().url}/_emulator/bgp/sessions`);
    const body = (await res.json()) as { cluster: string; localAsn: number; sessions: BgpSession[] };
    expect(body.cluster).toBe('spoke1');
    expect(body.localAsn).toBe(63400);
    expect(body.sessions).toEqual(cluster().twin.bgpSessions());
    expect(Object.keys(body.sessions[0]!).sort()).toEqual(['nodeIp', 'nodeName', 'peerAsn', 'peerIp', 'peerName', 'routes']);
    expect(body.sessions[0]!.peerAsn).toBe(65515);
  });

  it('labelling a third node as route reflector adds its sessions', async () => {
    const node = (await core.listNode()).items[2]!.metadata!.name!;
    await objects.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'route-reflector': 'true' } } }, undefined, undefined, 'tests', undefined, k8s.PatchStrategy.StrategicMergePatch);
    expect(cluster().twin.bgpSessions().filter((s) => s.nodeName === node).map((s) => s.peerIp)).toEqual(['10.0.1.4', '10.0.1.5']);
    await objects.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'route-reflector': null as unknown as string } } }, undefined, undefined, 'tests', undefined, k8s.PatchStrategy.MergePatch);
    expect(cluster().twin.bgpSessions().filter((s) => s.nodeName === node)).toEqual([]);
  });
});

describe('scaling and deletion', () => {
  it('changing replicas scales pods and frees the blocks of removed pods', async () => {
    await apply(gateway('tenant1', 3));
    expect(await gatewayPods('tenant1')).toHaveLength(3);
    expect(cluster().twin.blocks().filter((b) => b.pool === 'tenant1-pool')).toHaveLength(3);
    await apply(gateway('tenant1', 1));
    const pods = await gatewayPods('tenant1');
    expect(pods).toHaveLength(1);
    expect(cluster().twin.blocks().filter((b) => b.pool === 'tenant1-pool').map((b) => Object.values(b.allocations))).toEqual([[`tenant1-egw/${pods[0]!.metadata!.name}`]]);
  });

  it('a deleted gateway pod is replaced, keeping the count', async () => {
    const [pod] = await gatewayPods('tenant1');
    await core.deleteNamespacedPod({ name: pod!.metadata!.name!, namespace: 'tenant1-egw' });
    const after = await gatewayPods('tenant1');
    expect(after).toHaveLength(1);
    expect(after[0]!.metadata!.name).not.toBe(pod!.metadata!.name);
  });

  it('deleting the EgressGateway deletes its pods and withdraws its /31s', async () => {
    await objects.delete({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 'tenant1-egw', namespace: 'tenant1-egw' } });
    expect(await gatewayPods('tenant1')).toEqual([]);
    expect(cluster().twin.blocks().filter((b) => b.pool === 'tenant1-pool')).toEqual([]);
    const routes = advertised(cluster().twin.bgpSessions());
    expect(Object.keys(routes['10.0.1.4']!).filter((p) => p.startsWith('10.99.0.8') || p.startsWith('10.99.0.1'))).toEqual([]);
    expect(Object.keys(routes['10.0.1.4']!)).toHaveLength(2);
  });

  it('a full pool: a pod on another node borrows an address (advertised as a /32 by its node); then Pending with the reason', async () => {
    await core.createNamespace({ body: { metadata: { name: 'small-egw' } } });
    // One /31 block (two addresses) inside the exported egress range.
    await apply({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'small-pool' }, spec: { cidr: '10.99.0.64/31', blockSize: 31, nodeSelector: '!all()' } });
    await apply({ ...gateway('small', 3), spec: { ...gateway('small', 3).spec, template: { metadata: { labels: { tenant: 'small-egw' } } } } });
    const pods = await gatewayPods('small');
    const addressed = pods.filter((p) => p.status?.podIP).sort((a, b) => a.status!.podIP!.localeCompare(b.status!.podIP!));
    expect(addressed.map((p) => p.status?.podIP)).toEqual(['10.99.0.64', '10.99.0.65']);
    expect(pods.find((p) => !p.status?.podIP)?.status?.conditions?.[0]?.reason).toBe('IPAMFailed');
    const block = cluster().twin.blocks().find((b) => b.pool === 'small-pool')!;
    expect(block.node).toBe(addressed[0]!.spec!.nodeName);
    expect(block.borrowed).toEqual([{ ip: '10.99.0.65', node: addressed[1]!.spec!.nodeName }]);
    const routes = advertised(cluster().twin.bgpSessions())['10.0.1.4']!;
    expect(routes['10.99.0.64/31']).toBe(addressed[0]!.status!.hostIP);
    expect(routes['10.99.0.65/32']).toBe(addressed[1]!.status!.hostIP);
  });
});

describe('without route reflectors', () => {
  it('full mesh (default BGPConfiguration): every peering node advertises every block; next hop self unless keepOriginalNextHop', async () => {
    const mesh = await startKubeEmulator({ clusters: [{ name: 'mesh', nodeCount: 2 }] });
    try {
      const kc = kubeConfig(mesh.clusters.get('mesh')!.url);
      const api = k8s.KubernetesObjectApi.makeApiClient(kc);
      await api.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { peerIP: '10.1.0.1', asNumber: 65000 } } as Obj);
      const sessions = mesh.clusters.get('mesh')!.twin.bgpSessions();
      expect(sessions.map((s) => s.nodeIp)).toEqual(['10.1.0.4', '10.1.0.5']);
      expect(sessions[0]!.routes).toEqual([
        { prefix: '10.244.0.0/26', nextHop: '10.1.0.4', asPath: '64512' },
        { prefix: '10.244.0.64/26', nextHop: '10.1.0.4', asPath: '64512' },
      ]);
    } finally {
      await mesh.stop();
    }
  });
});
