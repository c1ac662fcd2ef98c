/** A cluster kept in a state file comes back after a restart: objects, IPAM, gateway pods, BGP; and a bad file is named. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startKubeEmulator, type KubeEmulator, type KubeEmulatorOptions } from '../../../local/emulators/kube';
import { kubeConfig, waitFor } from './support';

type Obj = k8s.KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const CLUSTERS: KubeEmulatorOptions['clusters'] = [{ name: 'spoke1', nodes: [{ ip: '10.1.0.4', routeReflector: true }, { ip: '10.1.0.5', routeReflector: true }, { ip: '10.1.0.6' }] }];

function clients(emu: KubeEmulator) {
  const kc = kubeConfig(emu.clusters.get('spoke1')!.url);
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apply = (obj: Obj): Promise<Obj> => objects.patch<Obj>(obj, undefined, undefined, 'egress-pilot', true, k8s.PatchStrategy.ServerSideApply);
  return { objects, core, apply };
}

async function onboard(emu: KubeEmulator): Promise<void> {
  const { core, apply } = clients(emu);
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { nodeToNodeMeshEnabled: false, asNumber: 63400 } });
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'rs-a' }, spec: { peerIP: '10.0.1.4', asNumber: 65515, keepOriginalNextHop: true, nodeSelector: "route-reflector == 'true'" } });
  await core.createNamespace({ body: { metadata: { name: 't0-egw' } } });
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 't0-pool' }, spec: { cidr: '10.99.0.0/29', blockSize: 31, nodeSelector: '!all()', vxlanMode: 'Never' } });
  await apply({
    apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 't0-egw', namespace: 't0-egw' },
    spec: {
      replicas: 2, ipPools: [{ name: 't0-pool' }],
      template: { metadata: { labels: { tenant: 't0' } }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { tenant: 't0' } } }] } },
    },
  });
}

const podView = async (emu: KubeEmulator) => (await clients(emu).core.listNamespacedPod({ namespace: 't0-egw' })).items
  .map((p) => ({ name: p.metadata?.name, uid: p.metadata?.uid, rv: p.metadata?.resourceVersion, node: p.spec?.nodeName, ip: p.status?.podIP, phase: p.status?.phase }));

describe('Kubernetes emulator: state kept in a file', () => {
  let dir: string;
  let emu: KubeEmulator | undefined;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'kube-state-')); });
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores objects, resourceVersions, IPAM blocks and BGP sessions; the counter goes on', async () => {
    emu = await startKubeEmulator({ clusters: CLUSTERS, timings: { gatewayPodReadyMs: 20 }, state: { dir, debounceMs: 20 } });
    expect(emu.restore).toEqual([{ what: 'cluster spoke1', file: path.join(dir, 'kube-spoke1.json'), outcome: 'missing' }]);
    await onboard(emu);
    await waitFor('pods Running', async () => ((await podView(emu!)).filter((p) => p.phase === 'Running').length === 2 ? true : undefined));
    const before = { pods: await podView(emu), blocks: emu.clusters.get('spoke1')!.twin.blocks(), bgp: emu.clusters.get('spoke1')!.twin.bgpSessions(), rv: emu.clusters.get('spoke1')!.store.resourceVersion() };
    expect(before.bgp.flatMap((s) => s.routes.map((r) => r.prefix))).toEqual(expect.arrayContaining(['10.99.0.0/31', '10.99.0.2/31']));
    await emu.stop();

    emu = await startKubeEmulator({ clusters: CLUSTERS, timings: { gatewayPodReadyMs: 20 }, state: { dir } });
    expect(emu.restore[0]).toMatchObject({ outcome: 'restored' });
    const c = emu.clusters.get('spoke1')!;
    expect(await podView(emu)).toEqual(before.pods);
    expect(c.twin.blocks()).toEqual(before.blocks);
    expect(c.twin.bgpSessions()).toEqual(before.bgp);
    expect(c.store.resourceVersion()).toBe(before.rv);
    const pool = await clients(emu).objects.read<Obj>({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 't0-pool' } });
    expect(pool.spec).toMatchObject({ cidr: '10.99.0.0/29', blockSize: 31 });
    // The twin still works on restored objects: scaling up takes the next /31 of the same pool.
    await clients(emu).apply({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 't0-egw', namespace: 't0-egw' }, spec: { replicas: 3, ipPools: [{ name: 't0-pool' }] } });
    await waitFor('third pod addressed', async () => ((await podView(emu!)).filter((p) => p.ip).length === 3 ? true : undefined));
    expect(Number(c.store.resourceVersion())).toBeGreaterThan(Number(before.rv));
    expect(c.twin.blocks().filter((b) => b.pool === 't0-pool').map((b) => b.cidr)).toEqual(['10.99.0.0/31', '10.99.0.2/31', '10.99.0.4/31']);
  });

  it('a gateway pod saved while Pending becomes Ready after the restart (its timer is not in the file)', async () => {
    emu = await startKubeEmulator({ clusters: CLUSTERS, timings: { gatewayPodReadyMs: 600_000 }, state: { dir, debounceMs: 20 } });
    await onboard(emu);
    await waitFor('pods addressed', async () => ((await podView(emu!)).filter((p) => p.ip).length === 2 ? true : undefined));
    expect((await podView(emu)).map((p) => p.phase)).toEqual(['Pending', 'Pending']);
    await emu.stop();

    emu = await startKubeEmulator({ clusters: CLUSTERS, timings: { gatewayPodReadyMs: 20 }, state: { dir } });
    await waitFor('pods Running after restart', async () => ((await podView(emu!)).every((p) => p.phase === 'Running') ? true : undefined));
    const gw = await clients(emu).objects.read<Obj>({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 't0-egw', namespace: 't0-egw' } });
    await waitFor('gateway Ready', async () => {
      const now = await clients(emu!).objects.read<Obj>({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 't0-egw', namespace: 't0-egw' } });
      return now.status?.state === 'Ready' ? true : undefined;
    });
    expect(gw.metadata?.uid).toBeDefined();
  });

  it('a corrupt file or one of another version is named, and the cluster starts fresh', async () => {
    const file = path.join(dir, 'kube-spoke1.json');
    writeFileSync(file, '{"format":"egress-pilot/kube-emulator-cluster","version":1,"state":{"store":');
    emu = await startKubeEmulator({ clusters: CLUSTERS, state: { dir, debounceMs: 20 } });
    expect(emu.restore).toEqual([{ what: 'cluster spoke1', file, outcome: 'unusable', reason: expect.stringMatching(/^not JSON/) }]);
    expect((await clients(emu).core.listNode()).items).toHaveLength(3);
    await emu.flush();
    // The fresh cluster replaced the bad file with a usable one.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'egress-pilot/kube-emulator-cluster', version: 1 });
    await emu.stop();

    writeFileSync(file, JSON.stringify({ format: 'egress-pilot/kube-emulator-cluster', version: 99, state: {} }));
    emu = await startKubeEmulator({ clusters: CLUSTERS, state: { dir } });
    expect(emu.restore[0]).toMatchObject({ outcome: 'unusable', reason: 'unknown version 99 (this emulator reads version 1)' });
    await emu.stop();

    writeFileSync(file, JSON.stringify({ format: 'egress-pilot/kube-emulator-cluster', version: 1, state: { store: { revision: 3, objects: { widgets: [{ metadata: { name: 'x' } }] } }, ipam: [] } }));
    emu = await startKubeEmulator({ clusters: CLUSTERS, state: { dir } });
    expect(emu.restore[0]).toMatchObject({ outcome: 'unusable', reason: 'invalid content (objects of widgets, which this emulator does not serve)' });
  });
});
