/**
 * One emulated cluster: store + API + Calico twin + HTTP server, and the objects a fresh AKS cluster
 * with Calico starts with (system namespaces, nodes, the default pod IPPool).
 */
import { ClusterApi } from './api';
import { CalicoTwin, DEFAULT_TIMINGS, type TwinTimings } from './calico-twin';
import { FaultBook, type FaultRule } from './faults';
import { isObject, type JsonObject } from './json';
import { resourceKey, type ResourceRegistry } from './resources';
import { ClusterServer, type Authenticate } from './server';
import type { KubeAuthorization } from './authorization';
import { ObjectStore, type StoreSnapshot } from './store';
import type { BlockInfo } from './calico-twin';
import { WorkloadSimulator } from './workloads';
import { registerEgressProbes, type EgressProbeNetwork, type EgressProbes } from './egress-probe';
import { servedByEdition, tigeraStatusSeed, type CalicoEdition } from './calico-edition';
import { kubeErrors } from './errors';
import type { ApiResponse } from './api';

export interface NodeOptions {
  name?: string;
  ip: string;
  zone?: string;
  labels?: Record<string, string>;
  /** Adds the label route-reflector=true (the bootstrap normally sets it; clients may also label nodes). */
  routeReflector?: boolean;
}

export interface ClusterOptions {
  name: string;
  nodes?: NodeOptions[];
  /** Used when `nodes` is absent: nodes 10.1.0.4, 10.1.0.5, … (reference AKS subnet 10.1.0.0/24). Default 3. */
  nodeCount?: number;
  /** Zones assigned round-robin to nodes without one. Default ['1', '2', '3']. */
  zones?: string[];
  /** The default pod pool; false = none. Default default-ipv4-ippool 10.244.0.0/16, blockSize 26. */
  defaultPool?: { name?: string; cidr?: string; blockSize?: number } | false;
  /** Calico IPAM strictAffinity (no borrowing from other nodes' blocks). Default false, as Calico's IPv4 default. */
  strictAffinity?: boolean;
  /**
   * `enterprise` (default) serves every reference CRD; `open-source` serves what the open-source Tigera
   * operator does: no EgressGateway, no EgressGatewayPolicy, no egress IP fields in FelixConfiguration.
   */
  calicoEdition?: CalicoEdition;
}

export const CLUSTER_DEFAULTS = {
  nodeCount: 3,
  firstNodeIp: '10.1.0.4',
  zones: ['1', '2', '3'],
  defaultPool: { name: 'default-ipv4-ippool', cidr: '10.244.0.0/16', blockSize: 26 },
  namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'calico-system', 'tigera-operator'],
  kubeletVersion: 'v1.32.4',
} as const;

export function defaultNodes(count: number, zones: readonly string[]): NodeOptions[] {
  const [a, b, c, d] = CLUSTER_DEFAULTS.firstNodeIp.split('.').map(Number) as [number, number, number, number];
  return Array.from({ length: count }, (_, i) => ({
    name: `aks-nodepool1-12345678-vmss${String(i).padStart(6, '0')}`,
    ip: `${a}.${b}.${c + Math.floor((d + i) / 256)}.${(d + i) % 256}`,
    zone: zones[i % zones.length] ?? '1',
  }));
}

export function nodeObject(n: NodeOptions, index: number, zones: readonly string[]): JsonObject {
  const name = n.name ?? `aks-nodepool1-12345678-vmss${String(index).padStart(6, '0')}`;
  const zone = n.zone ?? zones[index % zones.length] ?? '1';
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name,
        'topology.kubernetes.io/zone': zone, 'node.kubernetes.io/instance-type': 'Standard_D4s_v5', 'kubernetes.azure.com/agentpool': 'nodepool1',
        ...(n.routeReflector ? { 'route-reflector': 'true' } : {}),
        ...(n.labels ?? {}),
      },
    },
    spec: { providerID: `azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1/virtualMachines/${index}` },
    status: {
      addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: { kubeletVersion: CLUSTER_DEFAULTS.kubeletVersion, operatingSystem: 'linux', architecture: 'amd64', osImage: 'Ubuntu 22.04.5 LTS', containerRuntimeVersion: 'containerd://1.7.27' },
    },
  };
}

export interface ClusterRuntimeOptions {
  registry: ResourceRegistry;
  timings?: Partial<TwinTimings>;
  authenticate?: Authenticate;
  /** RBAC enforced for authenticated users (authorization.ts); absent = any authenticated user may do anything. */
  authorization?: KubeAuthorization;
  controlToken?: string;
  /** The network outside the cluster for egress probe Jobs (egress-probe/); absent = probe pods log nothing. */
  egressProbe?: EgressProbeNetwork;
  tls?: { certPem: string; keyPem: string };
  defaultFieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  now?: () => Date;
  /** A cluster saved before a restart: its objects and IPAM come back instead of a fresh cluster's. */
  restore?: ClusterState;
}

/** What a cluster needs to come back after a restart (JSON). */
export interface ClusterState {
  store: StoreSnapshot;
  ipam: BlockInfo[];
}

export class EmulatedCluster {
  readonly store: ObjectStore;
  readonly api: ClusterApi;
  readonly faults = new FaultBook();
  readonly twin: CalicoTwin;
  readonly server: ClusterServer;
  readonly workloads: WorkloadSimulator;
  readonly probes: EgressProbes;

  constructor(readonly options: ClusterOptions, runtime: ClusterRuntimeOptions) {
    const now = runtime.now ?? (() => new Date());
    this.store = new ObjectStore(now);
    // The API serves the edition's kinds; the twin and workloads keep the full registry (they only react to what is stored).
    const served = servedByEdition(runtime.registry, options.calicoEdition ?? 'enterprise');
    this.api = new ClusterApi(served, this.store, now, runtime.defaultFieldValidation ?? 'Strict');
    const zones = options.zones ?? CLUSTER_DEFAULTS.zones;
    const pool = options.defaultPool === false ? undefined : { ...CLUSTER_DEFAULTS.defaultPool, ...(options.defaultPool ?? {}) };
    if (runtime.restore) this.store.restore(runtime.restore.store, (key) => served.all.find((r) => resourceKey(r) === key));
    else this.seed(options, zones, pool, now());
    this.twin = new CalicoTwin(options.name, this.store, runtime.registry, {
      timings: { ...DEFAULT_TIMINGS, ...(runtime.timings ?? {}) }, defaultPoolName: pool?.name ?? CLUSTER_DEFAULTS.defaultPool.name,
      strictAffinity: options.strictAffinity ?? false, now, ...(runtime.restore ? { ipam: runtime.restore.ipam } : {}),
    });
    this.workloads = new WorkloadSimulator(this.store, runtime.registry, this.twin, this.twin.timings, now);
    this.probes = registerEgressProbes(this.store, runtime.registry, runtime.egressProbe);
    this.server = new ClusterServer({
      api: this.api, faults: this.faults, control: (m, p, q, b) => this.control(m, p, q, b),
      podLog: (namespace, name) => this.probes.podLog(namespace, name),
      ...(runtime.authenticate ? { authenticate: runtime.authenticate } : {}),
      ...(runtime.authorization ? { authorize: runtime.authorization.hook(options.name, served, this.store) } : {}),
      ...(runtime.controlToken ? { controlToken: runtime.controlToken } : {}),
      ...(runtime.tls ? { tls: runtime.tls } : {}),
    });
  }

  /** Creates the starting objects through the API itself, so they carry managedFields and defaults. */
  private seed(options: ClusterOptions, zones: readonly string[], pool: { name: string; cidr: string; blockSize: number } | undefined, at: Date): void {
    /** Creates `obj`; a `status` is written after the create, as its controller's status write (it is not part of a create). */
    const post = (apiVersion: string, kind: string, obj: JsonObject, manager: string, status?: unknown): void => {
      const resource = this.api.registry.byKind(apiVersion, kind);
      if (!resource) throw new Error(`cannot seed ${kind}: not served`);
      const md = isObject(obj.metadata) ? obj.metadata : {};
      const namespace = typeof md.namespace === 'string' ? md.namespace : undefined;
      this.api.handle({
        method: 'POST', resource, ...(namespace !== undefined ? { namespace } : {}),
        query: new URLSearchParams({ fieldManager: manager }), contentType: 'application/json', body: JSON.stringify(obj),
      });
      const stored = status === undefined ? undefined : this.store.get(resource, namespace ?? '', String(md.name));
      if (stored) this.store.update(resource, { ...stored, status });
    };
    for (const ns of CLUSTER_DEFAULTS.namespaces) post('v1', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'kube-apiserver');
    const nodes = options.nodes ?? defaultNodes(options.nodeCount ?? CLUSTER_DEFAULTS.nodeCount, zones);
    nodes.forEach((n, i) => {
      const obj = nodeObject(n, i, zones);
      post('v1', 'Node', obj, 'kubelet', obj.status);
    });
    // The Tigera operator reports Calico and its API server Available.
    for (const { status, ...obj } of tigeraStatusSeed(at)) post('operator.tigera.io/v1', 'TigeraStatus', obj, 'tigera-operator', status);
    // calico-node creates the default FelixConfiguration at start-up.
    post('projectcalico.org/v3', 'FelixConfiguration', { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { bpfEnabled: false } }, 'calico-node');
    if (pool) {
      post('projectcalico.org/v3', 'IPPool', {
        apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: pool.name },
        spec: { cidr: pool.cidr, blockSize: pool.blockSize, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' },
      }, 'tigera-operator');
    }
  }

  async control(method: string, path: string, _query: URLSearchParams, body: string): Promise<ApiResponse> {
    const json = (): unknown => {
      try { return body.trim() === '' ? {} : JSON.parse(body); } catch (e) { throw kubeErrors.badRequest(`control body is not JSON: ${(e as Error).message}`); }
    };
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /_emulator/bgp/sessions': return { status: 200, body: this.twin.bgpReport() };
      case 'GET /_emulator/ipam/blocks': return { status: 200, body: { cluster: this.options.name, blocks: this.twin.blocks() } };
      case 'POST /_emulator/faults': return { status: 201, body: this.faults.add(json() as FaultRule) };
      case 'GET /_emulator/faults': return { status: 200, body: { faults: this.faults.list() } };
      case 'POST /_emulator/reset-faults': this.faults.reset(); return { status: 200, body: { ok: true } };
      case 'GET /_emulator/counters': return { status: 200, body: this.faults.snapshot() };
      case 'POST /_emulator/reset-counters': this.faults.resetCounters(); return { status: 200, body: { ok: true } };
      default: throw kubeErrors.notImplemented(`control path ${route}`);
    }
  }

  /** The cluster as JSON, for a restart (see `ClusterRuntimeOptions.restore`). */
  state(): ClusterState {
    return { store: this.store.snapshot(), ipam: this.twin.blocks() };
  }

  /** Stops the controllers' timers (nothing changes after this); the server keeps answering until stop(). */
  quiesce(): void {
    this.twin.stop();
    this.workloads.stop();
    this.probes.stop();
  }

  async stop(): Promise<void> {
    this.twin.stop();
    this.workloads.stop();
    await this.server.close();
  }
}
