/**
 * The reference walkthrough's own kubectl commands against the emulator (temp kubeconfig, HOME and cache).
 * Skips, saying why, when kubectl is not installed (.ci/run installs Debian's kubernetes-client).
 */
import { startKubeEmulator, type KubeEmulator } from '../../../local/emulators/kube';
import { kubectl, kubectlInstalled, type Kubectl } from './support';

const BGP = `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  nodeToNodeMeshEnabled: false
  asNumber: 63400
---
kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: peer-with-route-reflectors
spec:
  nodeSelector: all()
  peerSelector: route-reflector == 'true'
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: azure-route-server-a
spec:
  peerIP: 10.0.1.4
  reachableBy: 10.1.0.1
  asNumber: 65515
  keepOriginalNextHop: true
  nodeSelector: route-reflector == 'true'
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: azure-route-server-b
spec:
  peerIP: 10.0.1.5
  reachableBy: 10.1.0.1
  asNumber: 65515
  keepOriginalNextHop: true
  nodeSelector: route-reflector == 'true'
`;

const TENANT0 = `---
apiVersion: v1
kind: Namespace
metadata:
  name: tenant0-egw
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: tenant0-pool
spec:
  cidr: 10.99.0.0/29
  blockSize: 31
  nodeSelector: "!all()"
  vxlanMode: Never
---
apiVersion: operator.tigera.io/v1
kind: EgressGateway
metadata:
  name: tenant0-egw
  namespace: tenant0-egw
spec:
  logSeverity: "Info"
  replicas: 2
  ipPools:
  - name: tenant0-pool
  template:
    metadata:
      labels:
        tenant: tenant0-egw
    spec:
      terminationGracePeriodSeconds: 0
      nodeSelector:
        kubernetes.io/os: linux
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels:
            tenant: tenant0-egw
`;

const FILTER = `kind: BGPFilter
apiVersion: projectcalico.org/v3
metadata:
  name: export-egress-ips
spec:
  exportV4:
    - action: Reject
      matchOperator: NotIn
      cidr: 10.99.0.0/29
`;

const POLICY = `apiVersion: projectcalico.org/v3
kind: EgressGatewayPolicy
metadata:
  name: "egw-policy"
spec:
  rules:
  - destination:
      cidr: 10.0.0.0/8
    description: "Local: no gateway"
  - destination:
      cidr: 10.99.0.0/29
    description: "Tenant0 Egress Gateway"
    gateway:
      namespaceSelector: "projectcalico.org/name == 'default'"
      selector: "k8s-app == 'tenant0-egw'"
`;

let emu: KubeEmulator;
let k: Kubectl;

beforeAll(async () => {
  emu = await startKubeEmulator({ clusters: [{ name: 'spoke1' }], timings: { gatewayPodReadyMs: 10 } });
  k = kubectl(emu.clusters.get('spoke1')!.url);
});
afterAll(async () => {
  k.cleanup();
  await emu.stop();
});

/** Runs kubectl and returns stdout, failing with kubectl's stderr when it exits non-zero. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, stdin);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// A missing kubectl makes these tests skipped (jest counts them as such), never passed.
const installed = kubectlInstalled();
if (!installed.available) console.log(`kubectl tests skipped: ${installed.reason}`);
const itKubectl = (name: string, fn: () => Promise<void>): void => {
  (installed.available ? it : it.skip)(name, fn);
};

describe('reference walkthrough with kubectl', () => {
  itKubectl('kubectl get nodes / label nodes as route reflectors', async () => {
    expect((await ok(['get', 'nodes', '-o', 'name'])).trim().split('\n')).toHaveLength(3);
    const nodes = (await ok(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' ');
    expect(await ok(['label', 'node', nodes[0]!, nodes[1]!, 'route-reflector=true'])).toContain('labeled');
    expect((await ok(['get', 'nodes', '-l', 'route-reflector=true', '-o', 'name'])).trim().split('\n')).toHaveLength(2);
  });

  itKubectl('kubectl apply -f - of the BGP configuration and peers', async () => {
    expect((await ok(['apply', '-f', '-'], BGP)).trim().split('\n')).toEqual([
      'bgpconfiguration.projectcalico.org/default created',
      'bgppeer.projectcalico.org/peer-with-route-reflectors created',
      'bgppeer.projectcalico.org/azure-route-server-a created',
      'bgppeer.projectcalico.org/azure-route-server-b created',
    ]);
  });

  itKubectl('kubectl apply -f - of the tenant manifests; a second apply is unchanged', async () => {
    expect((await ok(['apply', '-f', '-'], TENANT0)).trim().split('\n')).toEqual([
      'namespace/tenant0-egw created',
      'ippool.projectcalico.org/tenant0-pool created',
      'egressgateway.operator.tigera.io/tenant0-egw created',
    ]);
    expect(await ok(['apply', '-f', '-'], TENANT0)).toContain('ippool.projectcalico.org/tenant0-pool unchanged');
    expect((await ok(['get', 'pods', '-n', 'tenant0-egw', '-o', 'jsonpath={.items[*].status.podIP}'])).trim().split(' ').sort()).toEqual(['10.99.0.0', '10.99.0.2']);
  });

  itKubectl('kubectl apply --server-side', async () => {
    expect(await ok(['apply', '--server-side', '-f', '-'], FILTER)).toContain('bgpfilter.projectcalico.org/export-egress-ips serverside-applied');
    expect(await ok(['apply', '-f', '-'], POLICY)).toContain('egressgatewaypolicy.projectcalico.org/egw-policy created');
  });

  itKubectl('kubectl get ippools prints the CRD printer columns', async () => {
    const out = (await ok(['get', 'ippools']));
    expect(out.split('\n')[0]).toMatch(/^NAME\s+CIDR\s+VXLAN\s+IPIP\s+NAT\s+ALLOCATABLE\s+AGE$/);
    expect(out).toMatch(/default-ipv4-ippool\s+10\.244\.0\.0\/16/);
    expect(out).toMatch(/tenant0-pool\s+10\.99\.0\.0\/29\s+Never/);
  });

  itKubectl("kubectl patch ippool default-ipv4-ippool --type='merge' -p '{\"spec\":{\"disableBGPExport\": true}}'", async () => {
    const before = emu.clusters.get('spoke1')!.twin.bgpSessions();
    expect(before[0]!.routes.some((r) => r.prefix.startsWith('10.244.'))).toBe(true);
    expect(await ok(['patch', 'ippool', 'default-ipv4-ippool', '--type=merge', '-p', '{"spec":{"disableBGPExport": true}}'])).toContain('ippool.projectcalico.org/default-ipv4-ippool patched');
    const after = emu.clusters.get('spoke1')!.twin.bgpSessions();
    expect(after.map((s) => s.peerIp).sort()).toEqual(['10.0.1.4', '10.0.1.4', '10.0.1.5', '10.0.1.5']);
    expect(after.every((s) => s.routes.map((r) => r.prefix).join(',') === '10.99.0.0/31,10.99.0.2/31')).toBe(true);
  });

  itKubectl("kubectl patch felixconfiguration default --type='merge' -p '{\"spec\":{\"egressIPSupport\":\"EnabledPerNamespaceOrPerPod\"}}'", async () => {
    expect(await ok(['patch', 'felixconfiguration', 'default', '--type=merge', '-p', '{"spec":{"egressIPSupport":"EnabledPerNamespaceOrPerPod"}}'])).toContain('felixconfiguration.projectcalico.org/default patched');
    const bad = await k.run(['patch', 'felixconfiguration', 'default', '--type=merge', '-p', '{"spec":{"egressIPSupport":"Sometimes"}}']);
    expect(bad.stderr).toContain('spec.egressIPSupport');
  });

  itKubectl('kubectl annotate ns default egress.projectcalico.org/namespaceSelector=...', async () => {
    expect(await ok(['annotate', 'ns', 'default', "egress.projectcalico.org/namespaceSelector=projectcalico.org/name == 'tenant0-egw'"])).toContain('namespace/default annotated');
    expect(await ok(['get', 'ns', 'default', '-o', "jsonpath={.metadata.annotations['egress\\.projectcalico\\.org/namespaceSelector']}"])).toBe("projectcalico.org/name == 'tenant0-egw'");
  });

  itKubectl('invalid manifests: wrong enum, unknown field, CEL transition rules → 422 naming the field', async () => {
    const bad = await k.run(['apply', '-f', '-'], 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: bad\nspec:\n  cidr: 10.98.0.0/29\n  vxlanMode: Sometimes\n  colour: blue\n');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('spec.vxlanMode: Unsupported value: "Sometimes"');
    expect(bad.stderr).toContain('spec.colour');
    const cidr = await k.run(['patch', 'ippool', 'tenant0-pool', '--type=merge', '-p', '{"spec":{"cidr":"10.99.0.0/28"}}']);
    expect(cidr.stderr).toContain('The IPPool "tenant0-pool" is invalid: spec.cidr: Invalid value: "10.99.0.0/28": CIDR cannot be changed');
    const block = await k.run(['patch', 'ippool', 'tenant0-pool', '--type=merge', '-p', '{"spec":{"blockSize":30}}']);
    expect(block.stderr).toContain('spec.blockSize: Invalid value: 30: Block size cannot be changed');
  });

  itKubectl('kubectl create namespace / configmap (protobuf request bodies)', async () => {
    expect(await ok(['create', 'namespace', 'demo'])).toContain('namespace/demo created');
    expect(await ok(['create', 'configmap', 'cfg', '-n', 'demo', '--from-literal=a=b'])).toContain('configmap/cfg created');
    expect(JSON.parse(await ok(['get', 'configmap', 'cfg', '-n', 'demo', '-o', 'json'])).data).toEqual({ a: 'b' });
    const ns = JSON.parse(await ok(['get', 'namespace', 'demo', '-o', 'json'])) as { metadata: Record<string, unknown>; status: { phase: string } };
    expect(ns.metadata.generateName).toBeUndefined();
    expect(ns.status.phase).toBe('Active');
  });

  itKubectl('kubectl get of a missing object says NotFound', async () => {
    const r = await k.run(['get', 'ippool', 'nope']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): ippools.projectcalico.org "nope" not found');
  });

  itKubectl('kubectl delete of the gateway removes its pods', async () => {
    expect(await ok(['delete', 'egressgateway', '-n', 'tenant0-egw', 'tenant0-egw'])).toContain('deleted');
    expect((await ok(['get', 'pods', '-n', 'tenant0-egw', '-o', 'name'])).trim()).toBe('');
  });
});
