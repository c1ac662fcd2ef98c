/**
 * Kubernetes RBAC in the emulator: request attributes as the API server derives them, the rule match, the
 * Forbidden Status, and through client-node: the bound user may do what its role says (server-side apply of a
 * new object needs create as well as patch), nothing else; an admin may do everything; refusals are counted.
 */
import * as k8s from '@kubernetes/client-node';
import { authorizeKube, KubeAuthorization, requestAttributes, startKubeEmulator, type KubeEmulator, type KubeGrants } from '../../../local/emulators/kube';
import { forbidden } from '../../../local/emulators/kube/authorization';
import { expectStatus, kubeConfig } from './support';

const q = (s = ''): URLSearchParams => new URLSearchParams(s);

describe('requestAttributes: RequestInfo from method, path and query', () => {
  it.each([
    ['GET', '/api/v1/nodes', '', { verb: 'list', group: '', resource: 'nodes' }],
    ['GET', '/api/v1/namespaces/a/pods', 'watch=1', { verb: 'watch', resource: 'pods', namespace: 'a' }],
    ['GET', '/api/v1/watch/namespaces/a/pods', '', { verb: 'watch', resource: 'pods', namespace: 'a' }],
    ['GET', '/api/v1/namespaces/a', '', { verb: 'get', resource: 'namespaces', name: 'a', namespace: 'a' }],
    ['PATCH', '/api/v1/namespaces/a/status', '', { verb: 'patch', resource: 'namespaces', name: 'a', subresource: 'status' }],
    ['GET', '/api/v1/namespaces/a/pods/p/log', '', { verb: 'get', resource: 'pods', name: 'p', subresource: 'log', namespace: 'a' }],
    ['POST', '/apis/batch/v1/namespaces/a/jobs', '', { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'a' }],
    ['PUT', '/apis/projectcalico.org/v3/ippools/p', '', { verb: 'update', group: 'projectcalico.org', resource: 'ippools', name: 'p' }],
    ['DELETE', '/apis/projectcalico.org/v3/ippools', '', { verb: 'deletecollection', resource: 'ippools' }],
    ['DELETE', '/apis/projectcalico.org/v3/ippools/p', '', { verb: 'delete', resource: 'ippools', name: 'p' }],
    ['GET', '/apis/operator.tigera.io/v1/tigerastatuses', 'fieldSelector=metadata.name%3Dcalico', { verb: 'list', name: 'calico' }],
  ])('%s %s?%s', (method, path, query, expected) => {
    expect(requestAttributes(method, path, q(query))).toMatchObject({ resourceRequest: true, ...expected });
  });

  it('discovery and OpenAPI are non-resource requests; an apply-patch is marked', () => {
    expect(requestAttributes('GET', '/apis/projectcalico.org/v3', q())).toEqual({ resourceRequest: false, verb: 'get', path: '/apis/projectcalico.org/v3' });
    expect(requestAttributes('GET', '/openapi/v3/apis/operator.tigera.io/v1', q()).resourceRequest).toBe(false);
    expect(requestAttributes('PATCH', '/apis/operator.tigera.io/v1/namespaces/a/egressgateways/g', q(), 'application/apply-patch+yaml')).toMatchObject({ verb: 'patch', apply: true });
    expect(requestAttributes('PATCH', '/apis/operator.tigera.io/v1/namespaces/a/egressgateways/g', q(), 'application/merge-patch+json')).toMatchObject({ apply: false });
  });
});

describe('authorizeKube and the Forbidden Status', () => {
  const grants: KubeGrants = {
    admins: ['admin'],
    grants: [
      { user: 'app', from: 'ClusterRole egress-pilot', rules: [{ apiGroups: ['operator.tigera.io'], resources: ['egressgateways'], verbs: ['get', 'patch'] }, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }] },
      { user: 'app', namespace: 'only-here', from: 'Role x', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'], resourceNames: ['one'] }] },
    ],
  };
  const gw = (method: string, contentType = '') => requestAttributes(method, '/apis/operator.tigera.io/v1/namespaces/t-egw/egressgateways/t-egw', q(), contentType);

  it('allows the granted verbs, refuses others, and apply of a missing object also needs create', () => {
    expect(authorizeKube(grants, 'app', gw('GET'), () => true)).toEqual({ allow: true });
    expect(authorizeKube(grants, 'app', gw('DELETE'), () => true)).toEqual({ allow: false, verb: 'delete' });
    expect(authorizeKube(grants, 'app', gw('PATCH', 'application/apply-patch+yaml'), () => true)).toEqual({ allow: true });
    expect(authorizeKube(grants, 'app', gw('PATCH', 'application/apply-patch+yaml'), () => false)).toEqual({ allow: false, verb: 'create' });
    expect(authorizeKube(grants, 'app', gw('PATCH', 'application/merge-patch+json'), () => false)).toEqual({ allow: true });
    expect(authorizeKube(grants, 'someone', gw('GET'), () => true)).toEqual({ allow: false, verb: 'get' });
    expect(authorizeKube(grants, 'admin', gw('DELETE'), () => true)).toEqual({ allow: true });
  });

  it('subresources, namespaces and resourceNames narrow a rule', () => {
    expect(authorizeKube(grants, 'app', requestAttributes('GET', '/api/v1/namespaces/a/pods/p/log', q()), () => true).allow).toBe(true);
    expect(authorizeKube(grants, 'app', requestAttributes('GET', '/api/v1/namespaces/a/pods/p', q()), () => true).allow).toBe(false);
    expect(authorizeKube(grants, 'app', requestAttributes('GET', '/api/v1/namespaces/only-here/configmaps/one', q()), () => true).allow).toBe(true);
    expect(authorizeKube(grants, 'app', requestAttributes('GET', '/api/v1/namespaces/only-here/configmaps/two', q()), () => true).allow).toBe(false);
    expect(authorizeKube(grants, 'app', requestAttributes('GET', '/api/v1/namespaces/elsewhere/configmaps/one', q()), () => true).allow).toBe(false);
    expect(authorizeKube(grants, 'app', requestAttributes('GET', '/openapi/v3', q()), () => true).allow).toBe(true);
  });

  it('words the refusal as the API server does, namespaced and cluster-scoped, named and not', () => {
    expect(forbidden('app', gw('PATCH'), 'create').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'egressgateways.operator.tigera.io "t-egw" is forbidden: User "app" cannot create resource "egressgateways" in API group "operator.tigera.io" in the namespace "t-egw"',
      details: { name: 't-egw', group: 'operator.tigera.io', kind: 'egressgateways' },
    });
    expect(forbidden('app', requestAttributes('GET', '/api/v1/nodes', q()), 'list').status.message).toBe('nodes is forbidden: User "app" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbidden('app', requestAttributes('GET', '/api/v1/namespaces/a/pods/p/log', q()), 'get').status.message).toBe('pods "p" is forbidden: User "app" cannot get resource "pods/log" in API group "" in the namespace "a"');
  });

  it('KubeAuthorization.withhold takes one verb of one resource away, the rule\'s other resources keep it', () => {
    const authz = new KubeAuthorization({ admins: [], grants: [{ user: 'app', from: 'r', rules: [{ apiGroups: ['projectcalico.org'], resources: ['ippools', 'bgppeers'], verbs: ['get', 'create'] }] }] });
    authz.withhold({ group: 'projectcalico.org', resource: 'ippools', verb: 'create' });
    const can = (verb: string, resource: string) => authorizeKube(authz.effective(), 'app', { resourceRequest: true, verb, group: 'projectcalico.org', version: 'v3', resource, apply: false }, () => true).allow;
    expect([can('create', 'ippools'), can('get', 'ippools'), can('create', 'bgppeers')]).toEqual([false, true, true]);
    authz.restore();
    expect(can('create', 'ippools')).toBe(true);
  });
});

describe('Kubernetes emulator with RBAC, through client-node', () => {
  let emu: KubeEmulator;
  const authz = new KubeAuthorization({
    admins: ['admin'],
    grants: [{ user: 'app', from: 'ClusterRole egress-pilot', rules: [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'create', 'patch'] },
      { apiGroups: ['projectcalico.org'], resources: ['ippools'], verbs: ['get', 'list', 'patch'] },
    ] }],
  });
  const users: Record<string, string> = { 'app-token': 'app', 'admin-token': 'admin' };
  beforeAll(async () => {
    emu = await startKubeEmulator({
      clusters: [{ name: 'c1' }], authorization: authz,
      authenticate: async (token) => (users[token] ? { ok: true, user: users[token] } : { ok: false, reason: 'unknown token' }),
    });
  });
  afterAll(async () => { await emu.stop(); });
  const objects = (token: string) => k8s.KubernetesObjectApi.makeApiClient(kubeConfig(emu.clusters.get('c1')!.url, token));
  const pool = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'rbac-pool' }, spec: { cidr: '10.99.0.0/29', blockSize: 31, nodeSelector: '!all()' } };

  it('the bound user lists and creates what its role allows; server-side apply of a new pool is refused without create', async () => {
    const app = objects('app-token');
    expect((await app.list('v1', 'Namespace')).items.length).toBeGreaterThan(0);
    await app.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rbac-ns' } });
    const before = authz.refusals().length;
    const status = await expectStatus(app.patch(pool, undefined, undefined, 'egress-pilot', true, k8s.PatchStrategy.ServerSideApply), 403, 'Forbidden');
    expect(status.message).toBe('ippools.projectcalico.org "rbac-pool" is forbidden: User "app" cannot create resource "ippools" in API group "projectcalico.org" at the cluster scope');
    await expectStatus(app.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rbac-ns' } }), 403, 'Forbidden');
    expect(authz.refusals().slice(before)).toEqual([
      { cluster: 'c1', user: 'app', verb: 'create', resource: 'projectcalico.org/ippools', name: 'rbac-pool' },
      { cluster: 'c1', user: 'app', verb: 'delete', resource: 'namespaces', namespace: 'rbac-ns', name: 'rbac-ns' },
    ]);
  });

  it('an admin may do everything; once the pool exists, the app may apply it (patch only)', async () => {
    await objects('admin-token').patch(pool, undefined, undefined, 'admin', true, k8s.PatchStrategy.ServerSideApply);
    const applied = await objects('app-token').patch({ ...pool, metadata: { name: 'rbac-pool', labels: { by: 'app' } } }, undefined, undefined, 'egress-pilot', true, k8s.PatchStrategy.ServerSideApply);
    expect(applied.metadata?.labels).toEqual({ by: 'app' });
  });
});
