/**
 * Kubernetes API emulator with a Calico twin: one HTTP(S) server per cluster, all in this process.
 * Knows nothing of the app. See README.md for usage, control paths and LIMITATIONS.
 */
import { CalicoTwin, type TwinTimings } from './calico-twin';
import { EmulatedCluster, type ClusterOptions } from './cluster';
import { FaultBook } from './faults';
import { BUILTIN_RESOURCES, defaultCrdDir, loadCrdResources, ResourceRegistry } from './resources';
import { withTigeraStatus } from './calico-edition';
import type { Authenticate } from './server';
import type { KubeAuthorization } from './authorization';
import type { ObjectStore } from './store';
import type { EgressProbeNetwork } from './egress-probe';
import { clusterStateFile, clusterStateWriter, readClusterState } from './persistence';
import { restoreReport, type RestoreReport, type StateOptions, type StateWriter } from '../shared/state-file';

export type { ClusterOptions, NodeOptions } from './cluster';
export type { CalicoEdition } from './calico-edition';
export { CLUSTER_DEFAULTS } from './cluster';
export type { BgpSession, BgpRoute, BgpSessionsReport, BlockInfo, TwinTimings } from './calico-twin';
export { CalicoTwin, DEFAULT_TIMINGS } from './calico-twin';
export type { FaultRule, Counters } from './faults';
export { FaultBook } from './faults';
export type { Authenticate } from './server';
export { KubeAuthorization, authorizeKube, requestAttributes, type KubeGrant, type KubeGrants, type PolicyRule, type KubeRefusal } from './authorization';
export type { RestoreReport } from '../shared/state-file';
export type { EgressProbeNetwork, ProbeConnection, FirewallAnswer } from './egress-probe';

export interface KubeEmulatorOptions {
  clusters: ClusterOptions[];
  /** Always loopback. */
  host?: '127.0.0.1';
  /** Port per cluster name; 0 or absent = a free port. */
  ports?: Record<string, number>;
  /** Serve HTTPS with this certificate (the caller owns the CA); otherwise HTTP. */
  tls?: { certPem: string; keyPem: string };
  /** Bearer-token check for the Kubernetes API (not for /version, /healthz, /_emulator/*). Absent = no auth. */
  authenticate?: Authenticate;
  /**
   * Kubernetes RBAC for authenticated users (authorization.ts: roles and bindings, admins allowed everything):
   * a request the user's roles do not allow gets the API server's 403 Forbidden. Absent = no RBAC.
   */
  authorization?: KubeAuthorization;
  /** When set, /_emulator/* requires `Authorization: Bearer <controlToken>`. Absent = control paths open. */
  controlToken?: string;
  /** The network outside the clusters for egress probe Jobs: the firewall to ask, local ranges, an echo service (egress-probe/). */
  egressProbe?: EgressProbeNetwork;
  /** Simulated durations; defaults in calico-twin/timings.ts. */
  timings?: Partial<TwinTimings>;
  /** Directory of CustomResourceDefinition YAML; default `<repo>/../shared/reference/crds` or $KUBE_EMULATOR_CRD_DIR. */
  crdDir?: string;
  /** fieldValidation when a request does not say: Strict (default here) refuses unknown fields with 422. */
  defaultFieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /**
   * Keep every cluster's state in `<dir>/kube-<cluster>.json`: restored at start when the file is there and
   * usable (else the cluster starts fresh and `restore` says why), written atomically `debounceMs` (100)
   * after changes, and once more on stop.
   */
  state?: StateOptions;
}

export interface EmulatedClusterHandle {
  name: string;
  url: string;
  twin: CalicoTwin;
  /** Fault/latency injection and request counters (same as the /_emulator/faults control path). */
  faults: FaultBook;
  /** Direct store access for tests and benchmarks (bypasses the API: no validation, no auth). */
  store: ObjectStore;
}

export interface KubeEmulator {
  clusters: Map<string, EmulatedClusterHandle>;
  /** One entry per cluster when `state` is set: restored, missing (fresh) or unusable (fresh, with the reason). */
  restore: RestoreReport[];
  /** Writes pending state now (tests). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

let registryCache: { dir: string; registry: ResourceRegistry } | undefined;

function registryFor(dir: string): ResourceRegistry {
  if (registryCache?.dir !== dir) registryCache = { dir, registry: new ResourceRegistry(withTigeraStatus([...BUILTIN_RESOURCES, ...loadCrdResources(dir)])) };
  return registryCache.registry;
}

export async function startKubeEmulator(options: KubeEmulatorOptions): Promise<KubeEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error(`host must be 127.0.0.1 (got ${String(host)})`);
  const names = new Set<string>();
  for (const c of options.clusters) {
    if (!c.name || names.has(c.name)) throw new Error(`clusters[].name must be unique and non-empty (got "${c.name}")`);
    names.add(c.name);
  }
  const registry = registryFor(options.crdDir ?? defaultCrdDir());
  const started: EmulatedCluster[] = [];
  const clusters = new Map<string, EmulatedClusterHandle>();
  const restore: RestoreReport[] = [];
  const writers: StateWriter[] = [];
  try {
    for (const c of options.clusters) {
      const file = options.state ? clusterStateFile(options.state.dir, c.name) : undefined;
      let saved = file ? readClusterState(file) : undefined;
      const runtime = {
        registry,
        ...(options.timings ? { timings: options.timings } : {}),
        ...(options.authenticate ? { authenticate: options.authenticate } : {}),
        ...(options.authorization ? { authorization: options.authorization } : {}),
        ...(options.controlToken ? { controlToken: options.controlToken } : {}),
        ...(options.egressProbe ? { egressProbe: options.egressProbe } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.defaultFieldValidation ? { defaultFieldValidation: options.defaultFieldValidation } : {}),
      };
      let cluster: EmulatedCluster | undefined;
      if (saved?.kind === 'restored') {
        try {
          cluster = new EmulatedCluster(c, { ...runtime, restore: saved.state });
        } catch (error) {
          // Well-formed JSON that this emulator cannot serve (e.g. a kind whose CRD is gone): start fresh.
          saved = { kind: 'unusable', reason: `invalid content (${(error as Error).message})` };
        }
      }
      cluster ??= new EmulatedCluster(c, runtime);
      if (file && saved) restore.push(restoreReport(`cluster ${c.name}`, file, saved));
      started.push(cluster);
      if (file && options.state) {
        const kept = cluster;
        const writer = clusterStateWriter(file, () => kept.state(), options.state, saved?.kind === 'restored');
        cluster.store.on(() => writer.markDirty());
        writers.push(writer);
      }
      const url = await cluster.server.listen(host, options.ports?.[c.name] ?? 0);
      clusters.set(c.name, { name: c.name, url, twin: cluster.twin, faults: cluster.faults, store: cluster.store });
    }
  } catch (e) {
    await Promise.all(started.map((c) => c.stop()));
    throw e;
  }
  return {
    clusters,
    restore,
    flush: async () => { await Promise.all(writers.map((w) => w.flush())); },
    stop: async () => {
      // Controllers first, so the last write holds a state nothing changes any more.
      for (const c of started) c.quiesce();
      await Promise.all(writers.map((w) => w.close()));
      await Promise.all(started.map((c) => c.stop()));
    },
  };
}
