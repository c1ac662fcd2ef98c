/**
 * Kubernetes API emulator with a Calico twin: one HTTP(S) server per cluster, all in this process.
 * Knows nothing of the app. See README.md for usage, control paths and LIMITATIONS.
 */
import { CalicoTwin, type TwinTimings } from './calico-twin';
import { EmulatedCluster, type ClusterOptions } from './cluster';
import { FaultBook } from './faults';
import { BUILTIN_RESOURCES, defaultCrdDir, loadCrdResources, ResourceRegistry } from './resources';
import type { Authenticate } from './server';
import type { ObjectStore } from './store';

export type { ClusterOptions, NodeOptions } from './cluster';
export { CLUSTER_DEFAULTS } from './cluster';
export type { BgpSession, BgpRoute, BgpSessionsReport, BlockInfo, TwinTimings } from './calico-twin';
export { CalicoTwin, DEFAULT_TIMINGS } from './calico-twin';
export type { FaultRule, Counters } from './faults';
export { FaultBook } from './faults';
export type { Authenticate } from './server';

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
  /** When set, /_emulator/* requires `Authorization: Bearer <controlToken>`. Absent = control paths open. */
  controlToken?: string;
  /** Simulated durations; defaults in calico-twin/timings.ts. */
  timings?: Partial<TwinTimings>;
  /** Directory of CustomResourceDefinition YAML; default `<repo>/../shared/reference/crds` or $KUBE_EMULATOR_CRD_DIR. */
  crdDir?: string;
  /** fieldValidation when a request does not say: Strict (default here) refuses unknown fields with 422. */
  defaultFieldValidation?: 'Strict' | 'Warn' | 'Ignore';
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
  stop(): Promise<void>;
}

let registryCache: { dir: string; registry: ResourceRegistry } | undefined;

function registryFor(dir: string): ResourceRegistry {
  if (registryCache?.dir !== dir) registryCache = { dir, registry: new ResourceRegistry([...BUILTIN_RESOURCES, ...loadCrdResources(dir)]) };
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
  try {
    for (const c of options.clusters) {
      const cluster = new EmulatedCluster(c, {
        registry,
        ...(options.timings ? { timings: options.timings } : {}),
        ...(options.authenticate ? { authenticate: options.authenticate } : {}),
        ...(options.controlToken ? { controlToken: options.controlToken } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.defaultFieldValidation ? { defaultFieldValidation: options.defaultFieldValidation } : {}),
      });
      started.push(cluster);
      const url = await cluster.server.listen(host, options.ports?.[c.name] ?? 0);
      clusters.set(c.name, { name: c.name, url, twin: cluster.twin, faults: cluster.faults, store: cluster.store });
    }
  } catch (e) {
    await Promise.all(started.map((c) => c.stop()));
    throw e;
  }
  return {
    clusters,
    stop: async () => {
      await Promise.all(started.map((c) => c.stop()));
    },
  };
}
