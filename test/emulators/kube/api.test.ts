/** The Kubernetes API emulator driven only through @kubernetes/client-node. */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { defaultCrdDir } from '../../../local/emulators/kube/resources';
import { startKubeEmulator, type KubeEmulator } from '../../../local/emulators/kube';
import { expectStatus, kubeConfig, waitFor } from './support';

type Obj = k8s.KubernetesObject & { spec?: Record<string, unknown>; data?: Record<string, string> };

let emu: KubeEmulator;
let objects: k8s.KubernetesObjectApi;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;

beforeAll(async () => {
  emu = await startKubeEmulator({ clusters: [{ name: 'spoke1' }], timings: { gatewayPodReadyMs: 10, podReadyMs: 10, jobCompleteMs: 20 } });
  const kc = kubeConfig(emu.clusters.get('spoke1')!.url);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(k8s.CoreV1Api);
  batch = kc.makeApiClient(k8s.BatchV1Api);
});
afterAll(async () => emu.stop());

const pool = (name: string, cidr: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) }, spec: { cidr, blockSize: 31, nodeSelector: '!all()', ...extra },
});

describe('built-in kinds through CoreV1Api / BatchV1Api', () => {
  it('lists the seeded nodes with AKS-like labels and addresses', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address)).toEqual(['10.1.0.4', '10.1.0.5', '10.1.0.6']);
    expect(nodes.items.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone'])).toEqual(['1', '2', '3']);
    expect(nodes.items[0]?.metadata?.labels?.['kubernetes.io/os']).toBe('linux');
    expect(nodes.items[0]?.metadata?.labels?.['route-reflector']).toBeUndefined();
  });

  it('creates namespaces, config maps, pods and jobs', async () => {
    await core.createNamespace({ body: { metadata: { name: 'team-a', labels: { team: 'a' } } } });
    const ns = await core.readNamespace({ name: 'team-a' });
    expect(ns.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const cm = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'cfg' }, data: { k: 'v' } } });
    expect(cm.data).toEqual({ k: 'v' });
    const pod = await core.createNamespacedPod({ namespace: 'team-a', body: { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    expect(pod.metadata?.generation).toBe(1);
    const job = await batch.createNamespacedJob({ namespace: 'team-a', body: { metadata: { name: 'verify' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'curl' }] } } } } });
    expect(job.metadata?.name).toBe('verify');
    expect((await core.listNamespacedPod({ namespace: 'team-a', labelSelector: '!job-name' })).items.map((p) => p.metadata?.name)).toEqual(['p1']);
  });

  it('ordinary pods are scheduled, addressed from the default pool and become Ready; Jobs complete', async () => {
    const pod = await waitFor('pod p1 ready', async () => {
      const p = await core.readNamespacedPod({ name: 'p1', namespace: 'team-a' });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    });
    expect(pod.spec?.nodeName).toMatch(/^aks-nodepool1-/);
    expect(pod.status?.podIP).toMatch(/^10\.244\.0\./);
    const job = await waitFor('job complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'verify', namespace: 'team-a' });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.succeeded).toBe(1);
    const jobPods = await core.listNamespacedPod({ namespace: 'team-a', labelSelector: 'job-name=verify' });
    expect(jobPods.items.map((p) => p.status?.phase)).toEqual(['Succeeded']);
  });

  it('refuses a pod without containers with 422 naming spec.containers', async () => {
    const s = await expectStatus(core.createNamespacedPod({ namespace: 'team-a', body: { metadata: { name: 'bad' }, spec: { containers: [] } } }), 422, 'Invalid');
    expect(s.details?.causes?.map((c) => c.field)).toEqual(['spec.containers']);
  });

  it('answers 404 NotFound for a namespaced object in a missing namespace', async () => {
    const s = await expectStatus(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }), 404, 'NotFound');
    expect(s.message).toBe('namespaces "nowhere" not found');
  });

  it('deleting a namespace deletes what is in it', async () => {
    await core.deleteNamespace({ name: 'team-a' });
    await expectStatus(core.readNamespacedConfigMap({ name: 'cfg', namespace: 'team-a' }), 404, 'NotFound');
  });
});

describe('CRD kinds through KubernetesObjectApi', () => {
  it('create, read, 409 AlreadyExists', async () => {
    const created = await objects.create(pool('p-create', '10.50.0.0/29'));
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    // Schema defaults are applied by the server (assignmentMode: Automatic).
    expect((await objects.read<Obj>({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p-create' } })).spec?.assignmentMode).toBe('Automatic');
    const s = await expectStatus(objects.create(pool('p-create', '10.50.0.0/29')), 409, 'AlreadyExists');
    expect(s.message).toBe('ippools.projectcalico.org "p-create" already exists');
  });

  it('update with resourceVersion: fresh succeeds and bumps it, stale gets 409 Conflict', async () => {
    const live = await objects.read<Obj>({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p-create' } });
    const updated = await objects.replace<Obj>({ ...live, spec: { ...live.spec, disableBGPExport: true } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(live.metadata?.resourceVersion));
    expect(updated.metadata?.generation).toBe(2);
    const s = await expectStatus(objects.replace({ ...live, spec: { ...live.spec, disableBGPExport: false } }), 409, 'Conflict');
    expect(s.message).toContain('the object has been modified');
  });

  it('delete, then 404 NotFound for read and delete', async () => {
    await objects.delete({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p-create' } });
    await expectStatus(objects.read({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p-create' } }), 404, 'NotFound');
    const s = await expectStatus(objects.delete({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p-create' } }), 404, 'NotFound');
    expect(s.message).toBe('ippools.projectcalico.org "p-create" not found');
  });

  it('lists with label selectors: =, !=, in, notin, existence', async () => {
    await objects.create(pool('sel-a', '10.51.0.0/29', {}, { tier: 'gold', env: 'prod' }));
    await objects.create(pool('sel-b', '10.51.0.8/29', {}, { tier: 'silver', env: 'prod' }));
    await objects.create(pool('sel-c', '10.51.0.16/29', {}, { tier: 'bronze' }));
    const names = async (selector: string): Promise<string[]> => {
      const list = await objects.list('projectcalico.org/v3', 'IPPool', undefined, undefined, undefined, undefined, undefined, selector);
      return list.items.map((i) => i.metadata?.name ?? '').filter((n) => n.startsWith('sel-'));
    };
    expect(await names('tier=gold')).toEqual(['sel-a']);
    expect(await names('tier!=gold')).toEqual(['sel-b', 'sel-c']);
    expect(await names('tier in (gold, silver)')).toEqual(['sel-a', 'sel-b']);
    expect(await names('tier notin (gold,silver)')).toEqual(['sel-c']);
    expect(await names('env')).toEqual(['sel-a', 'sel-b']);
    expect(await names('!env')).toEqual(['sel-c']);
    expect(await names('env=prod,tier!=gold')).toEqual(['sel-b']);
  });

  it('JSON merge patch changes a field and null removes it', async () => {
    const patched = await objects.patch<Obj>({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'sel-a', labels: { env: null as unknown as string, added: 'yes' } }, spec: { disableBGPExport: true } },
      undefined, undefined, 'tests', undefined, k8s.PatchStrategy.MergePatch);
    expect(patched.spec?.disableBGPExport).toBe(true);
    expect(patched.metadata?.labels).toEqual({ tier: 'gold', added: 'yes' });
  });

  it('strategic merge patch of metadata labels and annotations on a Namespace', async () => {
    const patched = await objects.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { a: '1' }, annotations: { 'egress.projectcalico.org/namespaceSelector': "projectcalico.org/name == 'tenant0-egw'" } } },
      undefined, undefined, 'tests', undefined, k8s.PatchStrategy.StrategicMergePatch);
    expect(patched.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'default', a: '1' });
    expect(patched.metadata?.annotations?.['egress.projectcalico.org/namespaceSelector']).toBe("projectcalico.org/name == 'tenant0-egw'");
  });

  it('patch of a missing object is 404 NotFound', async () => {
    await expectStatus(objects.patch(pool('missing', '10.52.0.0/29'), undefined, undefined, 'tests', undefined, k8s.PatchStrategy.MergePatch), 404, 'NotFound');
  });
});

describe('status subresource', () => {
  it('status is written only through /status; main-resource writes keep it', async () => {
    const kc = kubeConfig(emu.clusters.get('spoke1')!.url);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await objects.create(pool('with-status', '10.53.0.0/29'));
    const condition = { type: 'Allocatable', status: 'True', reason: 'Ok', message: '', lastTransitionTime: '2026-11-25T00:00:00Z' };
    const live = await custom.getClusterCustomObject({ group: 'projectcalico.org', version: 'v3', plural: 'ippools', name: 'with-status' }) as Obj;
    await custom.replaceClusterCustomObjectStatus({ group: 'projectcalico.org', version: 'v3', plural: 'ippools', name: 'with-status', body: { ...live, spec: { ...live.spec, disableBGPExport: true }, status: { conditions: [condition] } } });
    const afterStatus = await objects.read<Obj & { status?: unknown }>({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'with-status' } });
    expect(afterStatus.status).toEqual({ conditions: [condition] });
    expect(afterStatus.spec?.disableBGPExport).toBeUndefined();
    const replaced = await objects.replace<Obj & { status?: unknown }>({ ...afterStatus, status: { conditions: [] } } as Obj);
    expect(replaced.status).toEqual({ conditions: [condition] });
  });
});

describe('server-side apply', () => {
  const ssa = (obj: Obj, manager: string, force?: boolean): Promise<Obj> => objects.patch<Obj>(obj, undefined, undefined, manager, force, k8s.PatchStrategy.ServerSideApply);

  it('creates, records managedFields, and re-applying the same object is a no-op keeping resourceVersion', async () => {
    const first = await ssa(pool('ssa-1', '10.60.0.0/29', { vxlanMode: 'Never' }), 'egress-pilot');
    expect(first.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['egress-pilot', 'Apply']]);
    expect(first.metadata?.managedFields?.[0]?.fieldsV1).toEqual({ 'f:spec': { 'f:blockSize': {}, 'f:cidr': {}, 'f:nodeSelector': {}, 'f:vxlanMode': {} } });
    const again = await ssa(pool('ssa-1', '10.60.0.0/29', { vxlanMode: 'Never' }), 'egress-pilot');
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it('a field dropped from the applied config is removed', async () => {
    const next = await ssa(pool('ssa-1', '10.60.0.0/29'), 'egress-pilot');
    expect(next.spec?.vxlanMode).toBeUndefined();
  });

  it('a second manager changing an owned field gets 409 naming the field and manager; force takes it over', async () => {
    const s = await expectStatus(ssa(pool('ssa-1', '10.60.0.0/29', { nodeSelector: 'all()' }), 'someone-else'), 409, 'Conflict');
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "egress-pilot": .spec.nodeSelector');
    expect(s.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "egress-pilot"', field: '.spec.nodeSelector' }]);
    const forced = await ssa(pool('ssa-1', '10.60.0.0/29', { nodeSelector: 'all()' }), 'someone-else', true);
    expect(forced.spec?.nodeSelector).toBe('all()');
    const owners = Object.fromEntries((forced.metadata?.managedFields ?? []).map((m) => [m.manager, Object.keys((m.fieldsV1 as { 'f:spec': object })['f:spec'])]));
    expect(owners['egress-pilot']).not.toContain('f:nodeSelector');
    expect(owners['someone-else']).toContain('f:nodeSelector');
  });

  it('applying the same value as another manager is shared ownership, not a conflict', async () => {
    const shared = await ssa(pool('ssa-1', '10.60.0.0/29', { nodeSelector: 'all()' }), 'third');
    expect(shared.metadata?.managedFields?.map((m) => m.manager)).toContain('third');
  });

  it('apply is validated too: a CEL transition rule refuses a new cidr with 422 naming spec.cidr', async () => {
    const s = await expectStatus(ssa(pool('ssa-1', '10.61.0.0/29'), 'egress-pilot', true), 422, 'Invalid');
    expect(s.details?.causes).toEqual([expect.objectContaining({ field: 'spec.cidr', reason: 'FieldValueInvalid', message: expect.stringContaining('CIDR cannot be changed') })]);
  });
});

describe('validation with the CRD schemas', () => {
  it('wrong enum value → 422 FieldValueNotSupported on the field', async () => {
    const s = await expectStatus(objects.create(pool('bad-enum', '10.70.0.0/29', { vxlanMode: 'Sometimes' })), 422, 'Invalid');
    expect(s.details?.causes).toEqual([expect.objectContaining({ field: 'spec.vxlanMode', reason: 'FieldValueNotSupported' })]);
  });

  it('unknown field → 422 naming it', async () => {
    const s = await expectStatus(objects.create(pool('bad-field', '10.70.0.0/29', { colour: 'blue' })), 422, 'Invalid');
    expect(s.details?.causes?.map((c) => c.field)).toEqual(['spec.colour']);
  });

  it('wrong type and bad cidr format → 422 naming each field', async () => {
    const s = await expectStatus(objects.create(pool('bad-type', 'not-a-cidr', { blockSize: 'big' })), 422, 'Invalid');
    expect(s.details?.causes?.map((c) => [c.field, c.reason]).sort()).toEqual([['spec.blockSize', 'FieldValueTypeInvalid'], ['spec.cidr', 'FieldValueInvalid']]);
  });

  it('CEL rule on the object (ipipMode and vxlanMode both enabled) → 422 FieldValueForbidden on spec', async () => {
    const s = await expectStatus(objects.create(pool('bad-cel', '10.70.0.0/29', { ipipMode: 'Always', vxlanMode: 'Always' })), 422, 'Invalid');
    expect(s.details?.causes).toEqual([expect.objectContaining({ field: 'spec', reason: 'FieldValueForbidden', message: expect.stringContaining('ipipMode and vxlanMode cannot both be enabled') })]);
  });

  it('CEL transition rules: blockSize cannot change on update; merge patch too', async () => {
    await objects.create(pool('immutable', '10.71.0.0/29'));
    const s = await expectStatus(objects.patch(pool('immutable', '10.71.0.0/29', { blockSize: 30 }), undefined, undefined, 'tests', undefined, k8s.PatchStrategy.MergePatch), 422, 'Invalid');
    expect(s.details?.causes?.map((c) => c.field)).toEqual(['spec.blockSize']);
    expect(s.message).toContain('Block size cannot be changed');
  });

  it('EgressGateway schema: replicas must be an integer, names its field', async () => {
    const s = await expectStatus(objects.create({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 'g', namespace: 'default' }, spec: { replicas: 'two', ipPools: [{ name: 'x' }] } } as Obj), 422, 'Invalid');
    expect(s.details?.causes?.map((c) => c.field)).toEqual(['spec.replicas']);
  });

  it('x-kubernetes-int-or-string: an integer or a string, nothing else', async () => {
    const felix = (natPortRange: unknown): Obj => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { natPortRange } });
    const ssa = (o: Obj) => objects.patch(o, undefined, undefined, 'tests', true, k8s.PatchStrategy.ServerSideApply);
    await ssa(felix(32768));
    await ssa(felix('32768:65535'));
    const s = await expectStatus(ssa(felix(true)), 422, 'Invalid');
    expect(s.details?.causes).toEqual([expect.objectContaining({ field: 'spec.natPortRange', reason: 'FieldValueTypeInvalid' })]);
  });

  it('BGPPeer CEL rule: peerIP and peerSelector cannot both be set', async () => {
    const s = await expectStatus(objects.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'both' }, spec: { peerIP: '10.0.1.4', peerSelector: 'all()' } } as Obj), 422, 'Invalid');
    expect(s.details?.causes?.[0]?.message).toContain('peerIP and peerSelector cannot both be set');
  });
});

describe('x-kubernetes-preserve-unknown-fields (a CRD of its own next to the reference ones)', () => {
  it('keeps unknown fields under a preserving node and refuses them elsewhere', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crds-'));
    const reference = defaultCrdDir();
    for (const f of readdirSync(reference)) if (f.endsWith('.yaml')) copyFileSync(path.join(reference, f), path.join(dir, f));
    writeFileSync(path.join(dir, 'example.com_widgets.yaml'), [
      'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata: { name: widgets.example.com }',
      'spec:', '  group: example.com', '  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }', '  scope: Namespaced',
      '  versions:', '  - name: v1', '    served: true', '    storage: true', '    schema:', '      openAPIV3Schema:', '        type: object', '        properties:',
      '          apiVersion: { type: string }', '          kind: { type: string }', '          metadata: { type: object }',
      '          spec:', '            type: object', '            properties:', '              size: { type: integer }',
      '              config: { type: object, x-kubernetes-preserve-unknown-fields: true }', '',
    ].join('\n'));
    const own = await startKubeEmulator({ clusters: [{ name: 'w' }], crdDir: dir });
    try {
      const api = k8s.KubernetesObjectApi.makeApiClient(kubeConfig(own.clusters.get('w')!.url));
      const created = await api.create<Obj>({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 1, config: { anything: { nested: [1, 'two'] } } } } as Obj);
      expect(created.spec?.config).toEqual({ anything: { nested: [1, 'two'] } });
      const s = await expectStatus(api.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2', namespace: 'default' }, spec: { size: 1, colour: 'red' } } as Obj), 422, 'Invalid');
      expect(s.details?.causes?.map((c) => c.field)).toEqual(['spec.colour']);
    } finally {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
