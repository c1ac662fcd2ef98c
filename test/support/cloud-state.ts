/**
 * Reads what the lifecycle invariants judge (test/support/lifecycle-invariants.ts) from outside a
 * sandbox, through nothing but its sandbox.json facts: the registry over Azurite's connection string,
 * the ARM emulator through the real SDK with a token from the sandbox's identity endpoint, and each
 * cluster through its kubeconfig. Works the same for an in-process sandbox and one in its own process.
 */
import { readFileSync } from 'node:fs';
import { NetworkManagementClient, type FirewallPolicyRuleCollectionGroup, type PeerRoute } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { createRegistry, everyItem, type Registry } from '../../lib/adapters/registry';
import { lifecycleInstanceId } from '../../lib/domain/lifecycle/progress';
import { ruleCollectionGroupSlot } from '../../lib/domain/names';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import type { SandboxInfo } from '../../local/sandbox/sandbox';
import type { ClaimView, ClusterView, CollectionView, ObservedState, OwnershipSample, RegistryTenant, RuleView } from './lifecycle-invariants';

const HUB_RESOURCE_GROUP = 'demo-hub-network';
const FIREWALL_POLICY = 'hub-fw-policy';
const ROUTE_SERVER = 'hub-rs';
const EGRESS_SUPERNET = '10.99.0.0/16';
export const ROUTE_SERVER_INSTANCES = ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'];
const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew']);

/** A token from the sandbox's managed-identity endpoint (App Service protocol), as the app gets one. */
function identityCredential(info: SandboxInfo): TokenCredential {
  return {
    async getToken(scopes) {
      const scope = (Array.isArray(scopes) ? scopes[0]! : (scopes as string)).replace(/\/\.default$/, '');
      const url = `${info.identityEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(scope)}`;
      const response = await fetch(url, { headers: { 'X-IDENTITY-HEADER': info.identityHeader } });
      if (response.status !== 200) throw new Error(`identity endpoint: ${response.status} ${await response.text()}`);
      const body = (await response.json()) as { access_token: string; expires_on: string };
      return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
    },
  };
}

/** SDK clients on a sandbox's emulated cloud, from its sandbox.json facts: ARM (token from the identity endpoint), and every cluster by its kubeconfig. */
export function sandboxClients(info: SandboxInfo, arm: { maxRetries?: number } = {}) {
  const subscriptionId = /\/subscriptions\/([^/]+)\//.exec(info.clusters[0]?.resourceId ?? '')?.[1];
  if (subscriptionId === undefined) throw new Error('sandbox info: cannot find the subscription id in clusters[0].resourceId');
  const network = new NetworkManagementClient(identityCredential(info), subscriptionId, {
    endpoint: info.armEndpoint, tlsOptions: { ca: readFileSync(info.caCertPath, 'utf8') },
    ...(arm.maxRetries !== undefined ? { retryOptions: { maxRetries: arm.maxRetries } } : {}),
  });
  const clusters = info.clusters.map((c) => {
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    return { name: c.name, objects: KubernetesObjectApi.makeApiClient(kc), core: kc.makeApiClient(CoreV1Api) };
  });
  return { network, clusters };
}

/** Every rule collection group of the hub's firewall policy (egress-pilot's and anyone else's). */
export async function ruleCollectionGroups(network: NetworkManagementClient): Promise<FirewallPolicyRuleCollectionGroup[]> {
  const groups: FirewallPolicyRuleCollectionGroup[] = [];
  for await (const g of network.firewallPolicyRuleCollectionGroups.list(HUB_RESOURCE_GROUP, FIREWALL_POLICY)) groups.push(g);
  return groups;
}

/** Learned routes of every BGP connection of the hub's Route Server, merged per Route Server instance. */
export async function learnedRoutes(network: NetworkManagementClient): Promise<Record<string, PeerRoute[]>> {
  const merged: Record<string, PeerRoute[]> = {};
  for await (const c of network.virtualHubBgpConnections.list(HUB_RESOURCE_GROUP, ROUTE_SERVER)) {
    const routes = await network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RESOURCE_GROUP, ROUTE_SERVER, c.name!, { updateIntervalInMs: 20 });
    for (const [instance, list] of Object.entries(routes)) (merged[instance] ??= []).push(...list);
  }
  return merged;
}

export interface CloudReader {
  /** Everything the after-quiescence check judges. */
  observe(onRouteFailure: 'rollback' | 'keep'): Promise<ObservedState>;
  /** Pools of every cluster and the claims (what a moment sample reads around the rules). */
  ownership(): Promise<OwnershipSample>;
  /** Rule collections of egress-pilot's groups (`egress-pilot-<slot>`) in the firewall policy. */
  collections(): Promise<CollectionView[]>;
  /** Route Server's learned prefixes per instance, over every BGP connection; and the egress supernet they are judged in. */
  learned(): Promise<Record<string, string[]>>;
  readonly supernet: string;
  /** Registry tenants, with whether each one's lifecycle runs. */
  tenants(): Promise<RegistryTenant[]>;
  /** Whether the durable instance runs (Pending/Running). */
  lifecycleRunning(cluster: string, name: string): Promise<boolean>;
  /** Creates a namespace on a cluster unless it exists (application namespaces of test tenants). */
  ensureNamespace(cluster: string, name: string): Promise<void>;
}

export async function cloudReader(info: SandboxInfo): Promise<CloudReader> {
  const registry: Registry<TenantSpec> = await createRegistry<TenantSpec>({ connectionString: info.storageConnectionString }, { pool: { supernet: EGRESS_SUPERNET } });
  // Few retries: a read during a host or sandbox restart fails fast and the sample is skipped.
  const { network, clusters: kube } = sandboxClients(info, { maxRetries: 2 });
  const hostBaseUrl = info.apiBaseUrl.replace(/\/api$/, '');

  const claims = async (): Promise<ClaimView[]> => (await everyItem((page) => registry.claims.list(page)))
    .map((c) => ({ cidr: c.cidr, cluster: c.tenant.cluster, name: c.tenant.name, state: c.state }));
  const poolsOf = async (k: (typeof kube)[number]): Promise<Array<{ name: string; cidr: string }>> =>
    (await k.objects.list<KubernetesObject & { spec?: { cidr?: string } }>('projectcalico.org/v3', 'IPPool')).items.map((p) => ({ name: p.metadata?.name ?? '', cidr: p.spec?.cidr ?? '' }));
  const pools = async (): Promise<Record<string, Array<{ name: string; cidr: string }>>> => Object.fromEntries(await Promise.all(kube.map(async (k) => [k.name, await poolsOf(k)] as const)));

  async function lifecycleRunning(cluster: string, name: string): Promise<boolean> {
    const id = encodeURIComponent(lifecycleInstanceId(cluster, name));
    const response = await fetch(`${hostBaseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${encodeURIComponent(info.masterKey)}`);
    if (response.status === 404) { await response.body?.cancel(); return false; }
    if (response.status !== 200 && response.status !== 202) throw new Error(`durable status of ${cluster}/${name}: ${response.status}`);
    const status = (await response.json()) as { runtimeStatus?: string };
    return RUNNING.has(status.runtimeStatus ?? '');
  }

  async function tenants(): Promise<RegistryTenant[]> {
    const records = await everyItem((page) => registry.tenants.listAll(page));
    return Promise.all(records.map(async (r) => ({
      cluster: r.key.cluster, name: r.key.name, phase: r.phase, cidr: r.cidr, spec: r.spec,
      lastError: r.lastError ? `${r.lastError.step ? `${r.lastError.step}: ` : ''}${r.lastError.message}` : undefined,
      lifecycleRunning: await lifecycleRunning(r.key.cluster, r.key.name),
    })));
  }

  async function collections(): Promise<CollectionView[]> {
    // Only egress-pilot's own groups: the policy may hold the platform team's groups too.
    return (await ruleCollectionGroups(network)).filter((group) => ruleCollectionGroupSlot(group.name ?? '') !== undefined)
      .flatMap((group) => (group.ruleCollections ?? []).map((c) => ({ group: group.name ?? '?', name: c.name ?? '?', rules: 'rules' in c ? ((c as { rules?: RuleView[] }).rules ?? []) : [] })));
  }

  async function clusters(): Promise<Record<string, ClusterView>> {
    return Object.fromEntries(await Promise.all(kube.map(async (k) => {
      const [pools, gateways, namespaces] = await Promise.all([poolsOf(k), k.objects.list('operator.tigera.io/v1', 'EgressGateway'), k.core.listNamespace()]);
      const view: ClusterView = {
        pools,
        gateways: gateways.items.map((g) => ({ namespace: g.metadata?.namespace ?? '', name: g.metadata?.name ?? '' })),
        namespaces: namespaces.items.map((ns) => ({
          name: ns.metadata?.name ?? '',
          steering: Object.fromEntries(Object.entries(ns.metadata?.annotations ?? {}).filter(([key]) => key.startsWith('egress.projectcalico.org/'))),
        })),
      };
      return [k.name, view] as const;
    })));
  }

  async function learned(): Promise<Record<string, string[]>> {
    return Object.fromEntries(Object.entries(await learnedRoutes(network)).map(([instance, routes]) => [instance, routes.map((r) => r.network ?? '')]));
  }

  return {
    async observe(onRouteFailure) {
      const [t, cl, col, cs, l] = await Promise.all([tenants(), claims(), collections(), clusters(), learned()]);
      return { tenants: t, claims: cl, collections: col, clusters: cs, learned: l, routeServerInstances: ROUTE_SERVER_INSTANCES, onRouteFailure };
    },
    async ownership() {
      const [p, c] = await Promise.all([pools(), claims()]);
      return { pools: p, claims: c };
    },
    collections,
    learned,
    supernet: EGRESS_SUPERNET,
    tenants,
    lifecycleRunning,
    async ensureNamespace(cluster, name) {
      const k = kube.find((x) => x.name === cluster);
      if (k === undefined) throw new Error(`no cluster ${cluster} in sandbox info`);
      try {
        await k.core.createNamespace({ body: { metadata: { name } } });
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
    },
  };
}
