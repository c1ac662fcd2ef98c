import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { startAzurite, type Azurite } from '../azurite';
import { startArmEmulator, type ArmEmulator } from '../emulators/arm';
import type { ArmTimings } from '../emulators/arm/config';
import { startKubeEmulator, type KubeEmulator, type TwinTimings } from '../emulators/kube';
import { loadCertificateAuthority, createCertificateAuthority, type CertificateAuthority } from '../emulators/shared/tls';
import { clusterWrittenEvent, deliverAndAwaitBootstrap } from './cluster-event';
import { startEventSink, type EventSink } from './event-sink';
import { startHostProcess, type HostProcess } from './host-process';

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

export interface SandboxOptions {
  /** Folder for ports, keys, CA, kubeconfigs, storage and sandbox.json. */
  dir: string;
  /** Forget everything in `dir` first (new keys, CA and ports). */
  reset?: boolean;
  /** Fixed ports are reused from `dir` unless this is false (tests: always free ports). */
  reusePorts?: boolean;
  /** App settings on top of the sandbox's (e.g. ROUTE_WAIT_DEADLINE_SECONDS for tests). */
  appSettings?: Record<string, string>;
  armTimings?: Partial<ArmTimings>;
  kubeTimings?: Partial<TwinTimings>;
  echoHostLogs?: boolean;
}

export interface SandboxInfo {
  apiBaseUrl: string;
  functionKey: string;
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
  /** Stops the host with a signal and starts it again on the same port, hub and settings. */
  restartHost(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

interface Persisted {
  ports: { host: number; arm: number; identity: number; kube: number; events: number; blob: number; queue: number; table: number };
  functionKey: string;
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
 * the Kubernetes emulator with `spoke1-aks`, an Event Grid topic stand-in, and the local Functions
 * host running the app exactly as deployed. The cluster's BGP peering with Route Server is done by
 * the app itself, from the Event Grid event AKS would send on creation.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = path.resolve(options.dir);
  if (options.reset) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const statePath = path.join(dir, 'state.json');
  const previous: Persisted | undefined = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as Persisted) : undefined;
  const reuse = options.reusePorts !== false && previous !== undefined;
  const port = (name: keyof Persisted['ports']): number => (reuse ? previous!.ports[name] : 0);
  if (reuse) {
    const busy = [];
    for (const [name, p] of Object.entries(previous!.ports)) if (await portInUse(p)) busy.push(`${name} ${p}`);
    if (busy.length > 0) {
      throw new Error(`ports of the sandbox in ${dir} are in use (${busy.join(', ')}): another sandbox is probably running there; stop it, or start with --dir <other folder> or --reset`);
    }
  }
  const functionKey = previous?.functionKey ?? randomBytes(24).toString('base64url');
  const masterKey = previous?.masterKey ?? randomBytes(24).toString('base64url');

  const ca = loadOrCreateCa(dir);
  const caCertPath = path.join(dir, 'ca.pem');
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    // The emulated cloud keeps its state in memory, so storage starts empty too: a registry that
    // remembered tenants the emulators have forgotten would be worse than a clean start.
    rmSync(path.join(dir, 'azurite'), { recursive: true, force: true });
    const azurite = await startAzurite({ location: path.join(dir, 'azurite'), ports: { blob: port('blob'), queue: port('queue'), table: port('table') } });
    stops.push(() => azurite.stop());

    const arm = await startArmEmulator({ ca, port: port('arm'), identityPort: port('identity'), timings: options.armTimings, tokenLifetimeSeconds: 3600 });
    stops.push(() => arm.stop());

    const kubeCert = ca.issue(['localhost'], ['127.0.0.1']);
    const kube = await startKubeEmulator({
      clusters: [{ name: REFERENCE.cluster }],
      ports: { [REFERENCE.cluster]: port('kube') },
      tls: kubeCert,
      timings: options.kubeTimings,
      // The AKS API server accepts Microsoft Entra tokens for the AKS server application.
      authenticate: async (token) => {
        const verdict = arm.verifyToken(token, { audiences: [REFERENCE.aksServerAudience] });
        return verdict.ok ? { ok: true, user: String(verdict.claims.oid) } : { ok: false, reason: verdict.message };
      },
    });
    stops.push(() => kube.stop());
    const kubeUrl = kube.clusters.get(REFERENCE.cluster)!.url;
    arm.control.setCluster(REFERENCE.spokeResourceGroup, REFERENCE.cluster, { kube: { url: kubeUrl, caCertPem: ca.caCertPem } });

    const sandboxToken = arm.control.issueToken(REFERENCE.aksServerAudience, { lifetimeSeconds: 30 * 86400 });
    const kubeconfigPath = path.join(dir, `kubeconfig-${REFERENCE.cluster}.yaml`);
    writeFileSync(kubeconfigPath, kubeconfigYaml(REFERENCE.cluster, kubeUrl, ca.caCertPem, sandboxToken), { mode: 0o600 });
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
      ...options.appSettings,
    };
    const settingsFile = path.join(dir, 'host-settings.json');
    writeFileSync(settingsFile, JSON.stringify({ Values: appSettings }, null, 2), { mode: 0o600 });
    const hostEnv = { ...arm.env, NODE_EXTRA_CA_CERTS: caCertPath };
    const appDir = repoRoot();
    let host = await startHostProcess({ appDir, port: port('host'), settingsFile, env: hostEnv, echo: options.echoHostLogs });
    const hostPort = host.port;
    stops.push(() => host.stop());
    // The cluster "was just created": Event Grid tells the app, which peers it with Route Server.
    await deliverAndAwaitBootstrap(host.baseUrl, masterKey, clusterWrittenEvent(arm.subscriptionId, REFERENCE.spokeResourceGroup, REFERENCE.cluster), REFERENCE.cluster);

    const info: SandboxInfo = {
      apiBaseUrl: `${host.baseUrl}/api`,
      functionKey, masterKey,
      armEndpoint: arm.url,
      identityEndpoint: arm.identityEndpoint,
      identityHeader: arm.identityHeader,
      caCertPath,
      storageConnectionString: azurite.connectionString,
      eventTopicEndpoint: events.topicEndpoint,
      clusters: [{
        name: REFERENCE.cluster,
        resourceId: `/subscriptions/${arm.subscriptionId}/resourceGroups/${REFERENCE.spokeResourceGroup}/providers/Microsoft.ContainerService/managedClusters/${REFERENCE.cluster}`,
        kubeconfigPath, apiServer: kubeUrl,
      }],
    };
    writeFileSync(path.join(dir, 'sandbox.json'), JSON.stringify(info, null, 2), { mode: 0o600 });
    const portOf = (url: string): number => Number(new URL(url).port);
    const persisted: Persisted = {
      ports: {
        host: hostPort, arm: portOf(arm.url), identity: portOf(arm.identityEndpoint), kube: portOf(kubeUrl), events: portOf(events.topicEndpoint),
        blob: azurite.blobPort, queue: azurite.queuePort, table: azurite.tablePort,
      },
      functionKey, masterKey,
    };
    writeFileSync(statePath, JSON.stringify(persisted, null, 2), { mode: 0o600 });

    const sandbox: Sandbox = {
      info, dir, arm, kube, azurite, events,
      get host() { return host; },
      async restartHost(signal = 'SIGTERM') {
        await host.stop(signal);
        host = await startHostProcess({ appDir, port: hostPort, settingsFile, env: hostEnv, echo: options.echoHostLogs });
      },
      stop: stopAll,
    };
    return sandbox;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
