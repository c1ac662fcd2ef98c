/** Egress probe Jobs: the source Calico's steering gives, the emulated firewall's decision, the pod's log. */
import * as k8s from '@kubernetes/client-node';
import { startKubeEmulator, type KubeEmulator } from '../../../local/emulators/kube';
import { routeFor, type Route } from '../../../local/emulators/kube/egress-probe';
import { decideConnection, type RuleCollectionGroupView } from '../../../local/emulators/arm/providers/firewall-decision';
import { kubeConfig, waitFor } from './support';

type Obj = k8s.KubernetesObject & { spec?: Record<string, unknown> };

/** tenant0's walkthrough rules: www.tigera.io on 80/443 from the tenant CIDR only. */
const groups: RuleCollectionGroupView[] = [{
  name: 'tenants', properties: { priority: 300, ruleCollections: [{
    ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'tenant-spoke1.tenant0-app', priority: 1000, action: { type: 'Allow' },
    rules: [{ ruleType: 'ApplicationRule', name: 'tigera', sourceAddresses: ['10.99.0.0/29'], targetFqdns: ['www.tigera.io'], protocols: [{ protocolType: 'Http', port: 80 }, { protocolType: 'Https', port: 443 }] }],
  }] },
}];

let emu: KubeEmulator;
let objects: k8s.KubernetesObjectApi;
let core: k8s.CoreV1Api;
const seen: string[] = [];
const apply = (obj: Obj): Promise<Obj> => objects.patch<Obj>(obj, undefined, undefined, 'tests', true, k8s.PatchStrategy.ServerSideApply);
const merge = (obj: Obj): Promise<Obj> => objects.patch<Obj>(obj, undefined, undefined, 'tests', undefined, k8s.PatchStrategy.MergePatch);

const TARGETS = 'https:www.tigera.io:443 http:www.tigera.io:80 http:www.example.com:80 https:www.example.com:443 echo:echo.hub:8080 udp:1.1.1.1:53';

async function runProbe(name: string): Promise<string[]> {
  await objects.create({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'probe', image: 'curlimages/curl', command: ['sh', '-c', 'true'], env: [{ name: 'EGRESS_PROBE_TARGETS', value: TARGETS }] }] } } },
  } as Obj);
  const pod = await waitFor(`${name} completes`, async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: `job-name=${name}` })).items;
    return pods[0]?.status?.phase === 'Succeeded' ? pods[0] : undefined;
  });
  const log = await core.readNamespacedPodLog({ namespace: 'default', name: pod.metadata!.name! });
  return log.trim().split('\n');
}

beforeAll(async () => {
  emu = await startKubeEmulator({
    clusters: [{ name: 'spoke1', nodes: [{ ip: '10.1.0.4' }, { ip: '10.1.0.5' }] }],
    timings: { gatewayPodReadyMs: 20, podReadyMs: 20, jobCompleteMs: 100 },
    egressProbe: {
      decide: async (c) => { seen.push(`${c.source}->${c.fqdn ?? c.destinationIp}:${c.port}`); return decideConnection(groups, c); },
      echo: { host: 'echo.hub', ip: '10.0.3.10', port: 8080 },
    },
  });
  const kc = kubeConfig(emu.clusters.get('spoke1')!.url);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'tenant0-egw' } } });
  await apply({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tenant0-pool' }, spec: { cidr: '10.99.0.0/29', blockSize: 31, nodeSelector: '!all()', vxlanMode: 'Never' } });
  await apply({
    apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 'tenant0-egw', namespace: 'tenant0-egw' },
    spec: { logSeverity: 'Info', replicas: 1, ipPools: [{ name: 'tenant0-pool' }], template: { metadata: { labels: { tenant: 'tenant0-egw' } }, spec: { nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
  });
  await waitFor('gateway pod running', async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'tenant0-egw' })).items;
    return pods.find((p) => p.status?.phase === 'Running');
  });
});
afterAll(async () => emu.stop());

describe('egress probe Jobs', () => {
  it('leave with the node address when the namespace is not steered: the firewall refuses even allowed sites', async () => {
    const lines = await runProbe('probe-unsteered');
    expect(lines[0]).toMatch(/^egress-probe target=www\.tigera\.io:443 kind=https exit=35 code=000 /);
    expect(lines[1]).toMatch(/^egress-probe target=www\.tigera\.io:80 kind=http exit=0 code=470 .* body=Action:_Deny\._Reason:_No_rule_matched\._Proceeding_with_default_action\.$/);
    // The in-network echo (no firewall on the path) answers the node's address.
    expect(lines[4]).toMatch(/^egress-probe target=echo\.hub:8080 kind=echo exit=0 code=200 .* body=10\.1\.0\.\d$/);
    expect(lines[5]).toMatch(/kind=udp exit=0 code=000 .*body=udp-unobservable$/);
    expect(seen.some((s) => s.startsWith('10.1.0.') && s.endsWith('www.tigera.io:443'))).toBe(true);
  });

  it('leave with a gateway pod address when steered (Felix enabled): allowed sites answer, others 470 / reset', async () => {
    await merge({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { egressIPSupport: 'EnabledPerNamespaceOrPerPod' } });
    await merge({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', annotations: {
      'egress.projectcalico.org/namespaceSelector': "projectcalico.org/name == 'tenant0-egw'", 'egress.projectcalico.org/selector': "tenant == 'tenant0-egw'",
    } } });
    const lines = await runProbe('probe-steered');
    expect(lines.map((l) => / exit=(\d+) code=(\d+)/.exec(l)!.slice(1).join('/'))).toEqual(['0/200', '0/200', '0/470', '35/000', '0/200', '0/000']);
    expect(lines[4]).toMatch(/body=10\.99\.0\.[0-7]$/);
  });

  it('answers 404 for the log of a pod that does not exist', async () => {
    await expect(core.readNamespacedPodLog({ namespace: 'default', name: 'nope' })).rejects.toMatchObject({ code: 404 });
  });
});

describe('the datapath (routeFor)', () => {
  const base = {
    felixEgressIpSupport: 'EnabledPerNamespace', namespaceAnnotations: {}, namespaceLabels: {}, nodeIp: '10.1.0.4',
    gatewayPods: [{ namespace: 'tenant0-egw', name: 'tenant0-egw-a', labels: { tenant: 'tenant0-egw' }, ip: '10.99.0.2', running: true }],
    policy: (name: string) => (name === 'tenant0-egw' ? [
      { cidr: '10.0.0.0/8' },
      { gateway: { namespaceSelector: "projectcalico.org/name == 'tenant0-egw'", selector: "tenant == 'tenant0-egw'" } },
    ] : undefined),
  };
  const policySteered = { ...base, namespaceAnnotations: { 'egress.projectcalico.org/egressGatewayPolicy': 'tenant0-egw' } };
  it('follows the policy: first matching destination, direct without a gateway', () => {
    expect(routeFor(policySteered, '10.0.3.10')).toMatchObject<Partial<Route>>({ via: 'node', source: '10.1.0.4' });
    expect(routeFor(policySteered, '198.18.0.1')).toEqual({ via: 'gateway', source: '10.99.0.2', gateway: 'tenant0-egw/tenant0-egw-a' });
  });
  it('ignores annotations when Felix egress IP support is off, and fails closed without a running gateway', () => {
    expect(routeFor({ ...policySteered, felixEgressIpSupport: 'Disabled' }, '198.18.0.1')).toMatchObject({ via: 'node' });
    expect(routeFor({ ...policySteered, gatewayPods: [{ ...base.gatewayPods[0]!, running: false }] }, '198.18.0.1')).toMatchObject({ via: 'none' });
    expect(routeFor({ ...base, namespaceAnnotations: { 'egress.projectcalico.org/egressGatewayPolicy': 'missing' } }, '198.18.0.1')).toMatchObject({ via: 'none' });
  });
});
