import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { startAzurite, type Azurite } from '../azurite';
import { referenceSeed, startArmEmulator, type ArmEmulator } from '../emulators/arm';
import type { ArmSeedInput } from '../emulators/arm/seed';
import type { ArmLimits, ArmTimings } from '../emulators/arm/config';
import { startKubeEmulator, type KubeEmulator, type TwinTimings } from '../emulators/kube';
import { loadCertificateAuthority, createCertificateAuthority, type CertificateAuthority } from '../emulators/shared/tls';
import { clusterWrittenEvent, deliverAndAwaitBootstrap } from './cluster-event';
import { startEventSink, type EventSink } from './event-sink';
import { sandboxRbac, SANDBOX_ADMIN, type SandboxRbac } from './rbac';
import { HOST_PID_FILE, startHostProcess, type HostProcess } from './host-process';

/** An in-network service in the hub (no firewall on the way) that answers the caller's address: egress probes' `echo`. */
export const SANDBOX_ECHO = { host: '10.0.3.10', ip: '10.0.3.10', port: 8080 } as const;

/** The reference hub's names (seed-walkthrough.md), as the ARM emulator's reference seed has them. */
export const REFERENCE = {
  hubResourceGroup: 'demo-hub-network',
  routeServer: 'hub-rs',
  firewallPolicy: 'hub-fw-policy',
  spokeResourceGroup: 'demo-spoke-networks',
  cluster: 'spoke1-aks',
  egressSupernet: '10.99.0.0/16',
  aksServerAudience: '6dae42f8-4368-4678-94ff-3960e28e3630',
} as const;

/**
 * The spoke clusters the sandbox runs: the reference `spoke1-aks` (10.1.0.0/24, in the ARM emulator's
 * reference seed) and a second spoke, `spoke2-aks` (10.2.0.0/24), added to the seed here, so tenants
 * on two clusters share one Route Server and one firewall policy as in a real hub.
 */
export const SPOKES = [
  { cluster: 'spoke1-aks', vnet: 'spoke1-vnet', subnet: '10.1.0.0/24', nodeIpBase: '10.1.0.' },
  { cluster: 'spoke2-aks', vnet: 'spoke2-vnet', subnet: '10.2.0.0/24', nodeIpBase: '10.2.0.' },
] as const;

/** The reference seed plus the spokes it lacks. */
function sandboxSeed(): ArmSeedInput {
  const seed = structuredClone(referenceSeed()) as ArmSeedInput & { resourceGroups: Array<Record<string, unknown> & { name: string }> };
  const spokes = seed.resourceGroups.find((g) => g.name === REFERENCE.spokeResourceGroup)!;
  const clusters = (spokes.managedClusters ?? []) as Array<{ name: string }>;
  const vnets = (spokes.virtualNetworks ?? []) as Array<{ name: string; subnets: Array<{ name: string; addressPrefix: string }> }>;
  for (const spoke of SPOKES) {
    if (!vnets.some((v) => v.name === spoke.vnet)) vnets.push({ name: spoke.vnet, subnets: [{ name: 'AKSSubnet', addressPrefix: spoke.subnet }] });
    if (!clusters.some((c) => c.name === spoke.cluster)) {
      clusters.push({ name: spoke.cluster, vnetSubnetId: `/subscriptions/${seed.subscriptionId}/resourceGroups/${REFERENCE.spokeResourceGroup}/providers/Microsoft.Network/virtualNetworks/${spoke.vnet}/subnets/AKSSubnet` } as { name: string });
    }
  }
  spokes.managedClusters = clusters;
  spokes.virtualNetworks = vnets;
  return seed;
}

/** Three nodes per spoke in zones 1-3, first addresses of the spoke's AKS subnet (Azure reserves .0-.3). */
const spokeNodes = (spoke: (typeof SPOKES)[number], index: number) => [0, 1, 2].map((i) => ({
  name: `aks-nodepool1-${String(10000000 + index)}-vmss${String(i).padStart(6, '0')}`, ip: `${spoke.nodeIpBase}${4 + i}`, zone: String(i + 1),
}));

export interface SandboxOptions {
  /** Folder for ports, keys, CA, kubeconfigs, storage, the emulated cloud (cloud/) and sandbox.json. */
  dir: string;
  /** Forget everything in `dir` first (storage, the emulated cloud, new keys, CA and ports). */
  reset?: boolean;
  /** Fixed ports are reused from `dir` unless this is false (tests: always free ports). */
  reusePorts?: boolean;
  /** App settings on top of the sandbox's (e.g. ROUTE_WAIT_DEADLINE_SECONDS for tests). */
  appSettings?: Record<string, string>;
  armTimings?: Partial<ArmTimings>;
  /** ARM limits (token buckets, group count…); benchmarks turn the subscription buckets on. */
  armLimits?: Partial<ArmLimits>;
  kubeTimings?: Partial<TwinTimings>;
  echoHostLogs?: boolean;
  /** Delay between a change in the emulated cloud and its write to the folder (default 100 ms). */
  stateDebounceMs?: number;
  /**
   * Clusters (of SPOKES) that run the open-source Tigera operator instead of Calico Enterprise: their API
   * serves no EgressGateway / EgressGatewayPolicy and Felix has no egress IP support. The sandbox does not
   * bootstrap them at start (the bootstrap would fail its prerequisite check, by design); deliver their
   * cluster event to see that message.
   */
  openSourceCalicoClusters?: string[];
  /**
   * Run the app from this folder instead of the repository (e.g. the unpacked `npm run package` zip); the
   * local host still comes from this repository's build.
   */
  appDir?: string;
  /**
   * Azure and Kubernetes RBAC in the emulators, from infra/ (rbac.ts): the app gets exactly the rights infra
   * grants it. Default on; `false` (or EGRESS_SANDBOX_RBAC=off) lets any valid token do anything.
   */
  rbac?: boolean;
}

/** Options another process may pass as JSON in EGRESS_SANDBOX_OPTIONS (main.ts; spawn.ts sends them). */
export const TUNABLE_OPTIONS = ['armTimings', 'kubeTimings', 'appSettings', 'reusePorts', 'stateDebounceMs', 'rbac'] as const;
export type TunableOptions = Pick<SandboxOptions, (typeof TUNABLE_OPTIONS)[number]>;

export interface SandboxInfo {
  apiBaseUrl: string;
  functionKey: string;
  /** A second function key (`host.functionKeys.next`), valid at the same time: what a key rotation relies on. */
  nextFunctionKey: string;
  masterKey: string;
  armEndpoint: string;
  identityEndpoint: string;
  identityHeader: string;
  caCertPath: string;
  storageConnectionString: string;
  eventTopicEndpoint: string;
  clusters: Array<{ name: string; resourceId: string; kubeconfigPath: string; apiServer: string }>;
}

export interface Sandbox {
  info: SandboxInfo;
  dir: string;
  arm: ArmEmulator;
  kube: KubeEmulator;
  azurite: Azurite;
  events: EventSink;
  host: HostProcess;
  /** What the emulators enforce (withhold rights in negative tests); undefined with `rbac: false`. */
  rbac: SandboxRbac | undefined;
  /**
   * On a kept folder, the emulated cloud's state files that could not be restored, as sentences
   * ("could not restore cluster spoke2-aks (…/cloud/kube-spoke2-aks.json): not JSON (…); starting it empty").
   */
  restoreProblems: string[];
  /** Stops the host with a signal and starts it again on the same port, hub and settings. */
  restartHost(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

interface Persisted {
  ports: { host: number; arm: number; identity: number; events: number; blob: number; queue: number; table: number; kube: Record<string, number> };
  functionKey: string;
  nextFunctionKey?: string;
  masterKey: string;
}

/** True when something already listens on 127.0.0.1:port. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

const repoRoot = (): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'host.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find the app folder (package.json + host.json) above local/sandbox');
  }
};

function loadOrCreateCa(dir: string): CertificateAuthority {
  const certPath = path.join(dir, 'ca.pem');
  const keyPath = path.join(dir, 'ca-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    try {
      return loadCertificateAuthority({ caCertPem: readFileSync(certPath, 'utf8'), caKeyPem: readFileSync(keyPath, 'utf8') });
    } catch {
      // unreadable or expired: make a new one below
    }
  }
  const ca = createCertificateAuthority({ commonName: 'egress-pilot sandbox CA', validDays: 30 });
  writeFileSync(certPath, ca.caCertPem);
  writeFileSync(keyPath, ca.caKeyPem, { mode: 0o600 });
  return ca;
}

function kubeconfigYaml(cluster: string, server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1', 'kind: Config', `current-context: ${cluster}`,
    'clusters:', `- name: ${cluster}`, '  cluster:', `    server: ${server}`, `    certificate-authority-data: ${ca}`,
    'users:', `- name: ${cluster}-sandbox-user`, '  user:', `    token: ${token}`,
    'contexts:', `- name: ${cluster}`, '  context:', `    cluster: ${cluster}`, `    user: ${cluster}-sandbox-user`, '',
  ].join('\n');
}

/**
 * Everything egress-pilot talks to, local: Azurite, the ARM emulator seeded with the reference hub,
 * the Kubernetes emulator with the spoke clusters, an Event Grid topic stand-in, and the local
 * Functions host running the app exactly as deployed. Each cluster's BGP peering with Route Server
 * is done by the app itself, from the Event Grid event AKS would send on creation.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = path.resolve(options.dir);
  const unknownClusters = (options.openSourceCalicoClusters ?? []).filter((name) => !SPOKES.some((s) => s.cluster === name));
  if (unknownClusters.length > 0) throw new Error(`openSourceCalicoClusters: ${unknownClusters.join(', ')} not among the sandbox's clusters (${SPOKES.map((s) => s.cluster).join(', ')})`);
  if (options.reset) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const statePath = path.join(dir, 'state.json');
  const previous: Persisted | undefined = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as Persisted) : undefined;
  const reuse = options.reusePorts !== false && previous !== undefined;
  const port = (name: Exclude<keyof Persisted['ports'], 'kube'>): number => (reuse ? previous!.ports[name] : 0);
  const kubePorts = (): Record<string, number> => (reuse && typeof previous!.ports.kube === 'object' ? previous!.ports.kube : {});
  if (reuse) {
    const busy = [];
    const all = { ...previous!.ports, kube: 0, ...Object.fromEntries(Object.entries(kubePorts()).map(([c, p]) => [`kube ${c}`, p])) };
    for (const [name, p] of Object.entries(all)) if (typeof p === 'number' && p > 0 && (await portInUse(p))) busy.push(`${name} ${p}`);
    if (busy.length > 0) {
      throw new Error(`ports of the sandbox in ${dir} are in use (${busy.join(', ')}): another sandbox is probably running there; stop it, or start with --dir <other folder> or --reset`);
    }
  }
  const functionKey = previous?.functionKey ?? randomBytes(24).toString('base64url');
  const masterKey = previous?.masterKey ?? randomBytes(24).toString('base64url');
  const nextFunctionKey = previous?.nextFunctionKey ?? randomBytes(24).toString('base64url');

  const ca = loadOrCreateCa(dir);
  const caCertPath = path.join(dir, 'ca.pem');
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    // Everything persists in the folder: storage (registry, CIDR claims, task hub) in Azurite's files,
    // the emulated cloud in cloud/*.json (the emulators write them atomically). A second start finds the
    // cloud as it was, and the app carries on from its task hub, as after a host crash in Azure.
    const kept = existsSync(path.join(dir, 'azurite'));
    const cloudDir = path.join(dir, 'cloud');
    const state = { dir: cloudDir, ...(options.stateDebounceMs !== undefined ? { debounceMs: options.stateDebounceMs } : {}), onWriteError: (e: Error) => { console.error(`egress-pilot sandbox: could not save the emulated cloud: ${e.message}`); } };
    const azurite = await startAzurite({ location: path.join(dir, 'azurite'), ports: { blob: port('blob'), queue: port('queue'), table: port('table') } });
    stops.push(() => azurite.stop());

    // Kubernetes first: the ARM emulator's Route Server reads the clusters' BGP sessions from its first
    // sample on, and a restored Route Server must not see them missing (it would withdraw their routes).
    // The clusters verify tokens with the ARM emulator's key; it starts after them.
    const tokenAuthority: { arm?: ArmEmulator } = {};
    const seed = sandboxSeed();
    const rbac = options.rbac === false || process.env.EGRESS_SANDBOX_RBAC === 'off' ? undefined : await sandboxRbac(seed);
    const kubeCert = ca.issue(['localhost'], ['127.0.0.1']);
    const kube = await startKubeEmulator({
      clusters: SPOKES.map((spoke, i) => ({
        name: spoke.cluster, nodes: spokeNodes(spoke, i),
        ...(options.openSourceCalicoClusters?.includes(spoke.cluster) ? { calicoEdition: 'open-source' as const } : {}),
      })),
      ports: kubePorts(),
      tls: kubeCert,
      timings: options.kubeTimings,
      state,
      ...(rbac ? { authorization: rbac.kube } : {}),
      // Probe Jobs leave through the emulated hub: the ARM emulator's firewall decides each connection (in-process,
      // like the token check below); an echo service in the hub answers the source address it sees.
      egressProbe: {
        decide: async (connection) => {
          if (!tokenAuthority.arm) throw new Error('the sandbox is still starting');
          return tokenAuthority.arm.control.decideConnection({ connection });
        },
        echo: SANDBOX_ECHO,
      },
      // The AKS API server accepts Microsoft Entra tokens for the AKS server application.
      authenticate: async (token) => {
        const verdict = tokenAuthority.arm?.verifyToken(token, { audiences: [REFERENCE.aksServerAudience] });
        if (!verdict) return { ok: false, reason: 'the sandbox is still starting' };
        return verdict.ok ? { ok: true, user: String(verdict.claims.oid) } : { ok: false, reason: verdict.message };
      },
    });
    stops.push(() => kube.stop());
    const arm = await startArmEmulator({
      seed, ca, ...(rbac ? { authorization: rbac.arm } : {}), port: port('arm'), identityPort: port('identity'), timings: options.armTimings, ...(options.armLimits ? { limits: options.armLimits } : {}), tokenLifetimeSeconds: 3600, state,
      clusters: Object.fromEntries(SPOKES.map((spoke) => [spoke.cluster, { url: kube.clusters.get(spoke.cluster)!.url, caCertPem: ca.caCertPem }])),
    });
    tokenAuthority.arm = arm;
    // Stopped before the clusters (stops run in reverse): its last sample and write still see them.
    stops.push(() => arm.stop());
    const reports = [...arm.restore, ...kube.restore];
    const restoreProblems = kept
      ? reports.filter((r) => r.outcome !== 'restored').map((r) => `could not restore ${r.what} (${r.file}): ${r.outcome === 'missing' ? 'the file is missing' : r.reason}; starting it empty`)
      : [];
    const restoredCluster = (name: string): boolean => arm.restore[0]?.outcome === 'restored' && kube.restore.some((r) => r.what === `cluster ${name}` && r.outcome === 'restored');
    // The kubeconfigs are the sandbox tooling's (an admin of every cluster), not the app's identity.
    const sandboxToken = arm.tokenIssuer.issue(REFERENCE.aksServerAudience, { tenantId: arm.tenantId, ...SANDBOX_ADMIN }, { lifetimeSeconds: 30 * 86400 }).token;
    const clusters = SPOKES.map((spoke) => {
      const url = kube.clusters.get(spoke.cluster)!.url;
      const kubeconfigPath = path.join(dir, `kubeconfig-${spoke.cluster}.yaml`);
      writeFileSync(kubeconfigPath, kubeconfigYaml(spoke.cluster, url, ca.caCertPem, sandboxToken), { mode: 0o600 });
      return {
        name: spoke.cluster,
        resourceId: `/subscriptions/${arm.subscriptionId}/resourceGroups/${REFERENCE.spokeResourceGroup}/providers/Microsoft.ContainerService/managedClusters/${spoke.cluster}`,
        kubeconfigPath, apiServer: url,
      };
    });
    const events = await startEventSink(ca.issue(['localhost'], ['127.0.0.1']), port('events'));
    stops.push(() => events.stop());

    const appSettings: Record<string, string> = {
      AzureWebJobsStorage: azurite.connectionString,
      FUNCTIONS_KEY: functionKey,
      FUNCTIONS_MASTER_KEY: masterKey,
      AZURE_SUBSCRIPTION_ID: arm.subscriptionId,
      ARM_ENDPOINT: arm.url,
      ROUTE_SERVER_RESOURCE_GROUP: REFERENCE.hubResourceGroup,
      ROUTE_SERVER_NAME: REFERENCE.routeServer,
      FIREWALL_POLICY_RESOURCE_GROUP: REFERENCE.hubResourceGroup,
      FIREWALL_POLICY_NAME: REFERENCE.firewallPolicy,
      AKS_RESOURCE_GROUP: REFERENCE.spokeResourceGroup,
      REGISTRY_CONNECTION_STRING: azurite.connectionString,
      EGRESS_SUPERNET: REFERENCE.egressSupernet,
      EVENT_GRID_TOPIC_ENDPOINT: events.topicEndpoint,
      ROUTE_POLL_INITIAL_SECONDS: '2',
      ROUTE_POLL_MAX_SECONDS: '10',
      ROUTE_WAIT_DEADLINE_SECONDS: '300',
      // The emulated firewall writes a group in 2 s, not Azure's 3-5 min: half a write, as the app's default (120 s) is in Azure.
      FIREWALL_ROUND_HOLD_SECONDS: '1',
      // Repair on, so the timer's drift check puts back what someone changes by hand in the emulated cloud.
      DRIFT_REPAIR: 'true',
      // The verifyEgress probe reports the source the hub's echo service sees.
      EGRESS_PROBE_ECHO: `${SANDBOX_ECHO.host}:${SANDBOX_ECHO.port}`,
      ...options.appSettings,
    };
    const settingsFile = path.join(dir, 'host-settings.json');
    // Two named function keys, both valid: rotate by adding the new one, moving callers, then dropping the old.
    const hostKeys = { masterKey, functionKeys: { default: functionKey, next: nextFunctionKey } };
    writeFileSync(settingsFile, JSON.stringify({ Values: appSettings, host: hostKeys }, null, 2), { mode: 0o600 });
    const hostEnv = { ...arm.env, NODE_EXTRA_CA_CERTS: caCertPath };
    const appDir = options.appDir !== undefined ? path.resolve(options.appDir) : repoRoot();
    // A package folder has no local/ host of its own: use the one built in this repository.
    const cliPath = options.appDir !== undefined ? path.join(repoRoot(), 'dist', 'local', 'host', 'cli.js') : undefined;
    // host.pid names the Functions host of the moment, so a crash test can kill the app alone (spawn.ts crashApp).
    const startHost = async (hostPort: number): Promise<HostProcess> => {
      const started = await startHostProcess({ appDir, cliPath, port: hostPort, settingsFile, env: hostEnv, echo: options.echoHostLogs });
      writeFileSync(path.join(dir, HOST_PID_FILE), String(started.pid));
      return started;
    };
    let host = await startHost(port('host'));
    const hostPort = host.port;
    stops.push(() => host.stop());
    // A cluster that "was just created" (a fresh folder, or one whose state could not be restored):
    // Event Grid tells the app, which peers it with Route Server. A restored cluster needs nothing:
    // the app resumes its own work from the task hub.
    // On a kept folder a failed bootstrap is named, not a failed start: the sandbox comes up after any crash.
    for (const c of clusters) {
      if (restoredCluster(c.name) || options.openSourceCalicoClusters?.includes(c.name)) continue;
      try {
        await deliverAndAwaitBootstrap(host.baseUrl, masterKey, clusterWrittenEvent(arm.subscriptionId, REFERENCE.spokeResourceGroup, c.name), c.name);
      } catch (error) {
        if (!kept) throw error;
        restoreProblems.push(`could not bootstrap cluster ${c.name} again: ${(error as Error).message}`);
      }
    }

    const info: SandboxInfo = {
      apiBaseUrl: `${host.baseUrl}/api`,
      functionKey, nextFunctionKey, masterKey,
      armEndpoint: arm.url,
      identityEndpoint: arm.identityEndpoint,
      identityHeader: arm.identityHeader,
      caCertPath,
      storageConnectionString: azurite.connectionString,
      eventTopicEndpoint: events.topicEndpoint,
      clusters,
    };
    writeFileSync(path.join(dir, 'sandbox.json'), JSON.stringify(info, null, 2), { mode: 0o600 });
    const portOf = (url: string): number => Number(new URL(url).port);
    const persisted: Persisted = {
      ports: {
        host: hostPort, arm: portOf(arm.url), identity: portOf(arm.identityEndpoint), events: portOf(events.topicEndpoint),
        kube: Object.fromEntries(clusters.map((c) => [c.name, portOf(c.apiServer)])),
        blob: azurite.blobPort, queue: azurite.queuePort, table: azurite.tablePort,
      },
      functionKey, nextFunctionKey, masterKey,
    };
    writeFileSync(statePath, JSON.stringify(persisted, null, 2), { mode: 0o600 });

    const sandbox: Sandbox = {
      info, dir, arm, kube, azurite, events, restoreProblems, rbac,
      get host() { return host; },
      async restartHost(signal = 'SIGTERM') {
        await host.stop(signal);
        host = await startHost(hostPort);
      },
      stop: stopAll,
    };
    return sandbox;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export { spawnSandboxProcess, type SandboxProcess, type SandboxProcessOptions } from './spawn';
