import { CoreV1Api, HttpMethod, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1APIResource, type V1Pod } from '@kubernetes/client-node';
import type { TokenCredential } from '@azure/identity';
import { withRetries, type RetryOptions, defaultRetry } from '../retry';
import { isNotFound } from '../errors';
import type { ClusterEndpoint } from './cluster-access';
import { endpointKey, processDiscovery, type DiscoveryCache } from './discovery-cache';

/** The one field manager egress-pilot applies with, so ownership of every field it writes is clear. */
export const fieldManager = 'egress-pilot';

export interface ClusterNode {
  name: string;
  ip?: string;
  zone?: string;
  ready: boolean;
  labels: Record<string, string>;
}

export interface GatewayPod {
  name: string;
  node?: string;
  ip?: string;
  ready: boolean;
}

/** The Kubernetes operations egress-pilot needs on one cluster. */
export interface ClusterClient {
  /** Server-side apply, forced: egress-pilot is the owner of what it renders. */
  apply(objects: readonly KubernetesObject[]): Promise<void>;
  /** Deletes; an object that is already gone counts as deleted. */
  remove(objects: readonly KubernetesObject[]): Promise<void>;
  /** JSON merge patch of a namespace's annotations (null removes one). */
  annotateNamespace(namespace: string, annotations: Record<string, string | null>): Promise<void>;
  /** A namespace's annotations; undefined when the namespace does not exist. */
  namespaceAnnotations(namespace: string): Promise<Record<string, string> | undefined>;
  listPods(namespace: string, labelSelector: string): Promise<GatewayPod[]>;
  /** InternalIPs of the nodes labelled `route-reflector=true`: the nodes that peer with Route Server. */
  routeReflectorNodeIps(): Promise<string[]>;
  listNodes(): Promise<ClusterNode[]>;
  /** Every object of a kind (all namespaces), optionally filtered by a label selector. */
  listObjects(apiVersion: string, kind: string, labelSelector?: string): Promise<KubernetesObject[]>;
  /** JSON merge patch of one object (labels on a node, a field of an object another owner manages). */
  mergePatch(target: KubernetesObject, patch: Record<string, unknown>): Promise<void>;
  /** Discovery (`GET /apis/<group>/<version>`): does the API server serve this kind? A group-version it does not know is false. */
  servesKind(apiVersion: string, kind: string): Promise<boolean>;
  /** The OpenAPI v3 document of one group-version (`/openapi/v3/apis/<group>/<version>`); undefined when not published. */
  openApiDocument(apiVersion: string): Promise<unknown>;
  /** Creates an object (a probe Job); one that already exists counts as created. */
  create(object: KubernetesObject): Promise<void>;
  /** Reads one object; undefined when it does not exist. */
  read<T extends KubernetesObject>(target: KubernetesObject): Promise<T | undefined>;
  /** Deletes with background propagation (a Job takes its pods with it); already gone counts as deleted. */
  removeWithDependents(object: KubernetesObject): Promise<void>;
  /** The pods of a namespace matching a label selector, as the API returns them. */
  listPodObjects(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /** A pod's log (`pods/log`), as text. */
  podLog(namespace: string, name: string): Promise<string>;
}

/**
 * client-node's object API with its discovery answers (the resource list per group-version it reads before
 * every object call) taken from and given to a cache shared by every client of the same endpoint: a
 * client per activity no longer re-discovers each API group (12 of a drift check's 28 Kubernetes calls
 * were these reads). Also exposes the protected discovery read and a plain GET of a JSON document
 * through the same authenticated pipeline.
 */
class ClusterObjectApi extends KubernetesObjectApi {
  private shared: { cache: DiscoveryCache; endpoint: string } | undefined;

  /** makeApiClient builds the instance; the context's namespace and the shared cache are attached right after. */
  configure(kc: KubeConfig, cache: DiscoveryCache, endpoint: string): this {
    this.setDefaultNamespace(kc);
    this.shared = { cache, endpoint };
    return this;
  }

  protected override async resource(apiVersion: string, kind: string, options?: Parameters<KubernetesObjectApi['create']>[4]): Promise<V1APIResource | undefined> {
    const cached = this.shared?.cache.get(this.shared.endpoint, apiVersion);
    if (cached !== undefined) this.apiVersionResourceCache[apiVersion] = cached;
    // client-node reads the group-version again when the kind is missing from the list (a CRD installed since).
    const found = await super.resource(apiVersion, kind, options);
    const list = this.apiVersionResourceCache[apiVersion];
    if (this.shared !== undefined && list !== undefined && list !== cached) this.shared.cache.put(this.shared.endpoint, apiVersion, list);
    return found;
  }

  /** A 404 may mean the kind is no longer served (CRD removed or re-created): the next call discovers afresh. */
  forgetDiscovery(apiVersion: string): void {
    delete this.apiVersionResourceCache[apiVersion];
    this.shared?.cache.forget(this.shared.endpoint, apiVersion);
  }

  /** Is the kind served now? Asked of the API server, never of the cache (and the answer refreshes it). */
  async servedResource(apiVersion: string, kind: string): Promise<boolean> {
    this.forgetDiscovery(apiVersion);
    return (await this.resource(apiVersion, kind)) !== undefined;
  }

  async getDocument(path: string): Promise<unknown> {
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    return this.requestPromise(request, 'any');
  }
}

/**
 * Builds a client for one cluster from its AKS endpoint and a fresh Microsoft Entra token for the
 * AKS server audience. No kubeconfig file is involved; a new token is asked for per client, and
 * DefaultAzureCredential caches it until shortly before expiry. Discovery answers are shared per endpoint
 * (`discovery`, the process's cache unless a test gives its own).
 */
export async function connectCluster(endpoint: ClusterEndpoint, credential: TokenCredential, tokenAudience: string, retry: RetryOptions = defaultRetry, discovery: DiscoveryCache = processDiscovery): Promise<ClusterClient> {
  const scope = tokenAudience.endsWith('/.default') ? tokenAudience : `${tokenAudience}/.default`;
  const token = await credential.getToken(scope);
  if (!token) throw new Error(`no Microsoft Entra token for ${scope}`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: endpoint.cluster, server: endpoint.server, caData: endpoint.certificateAuthorityData, skipTLSVerify: false }],
    users: [{ name: 'egress-pilot', token: token.token }],
    contexts: [{ name: endpoint.cluster, cluster: endpoint.cluster, user: 'egress-pilot' }],
    currentContext: endpoint.cluster,
  });
  const objects = kc.makeApiClient(ClusterObjectApi).configure(kc, discovery, endpointKey(endpoint));
  const core = kc.makeApiClient(CoreV1Api);
  /** An object call; its 404 drops the cached discovery of its group-version (see forgetDiscovery). */
  const discovered = async <T>(apiVersion: string | undefined, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (isNotFound(error)) objects.forgetDiscovery(apiVersion ?? 'v1');
      throw error;
    }
  };
  const label = (verb: string, o: KubernetesObject): string => `${verb} ${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name} on ${endpoint.cluster}`;

  return {
    async apply(list) {
      for (const o of list) {
        await withRetries(label('apply', o), () => discovered(o.apiVersion, () => objects.patch(o, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply)), retry);
      }
    },
    async remove(list) {
      for (const o of list) {
        await withRetries(label('delete', o), async () => {
          try {
            await discovered(o.apiVersion, () => objects.delete(o));
          } catch (error) {
            if (isNotFound(error)) return;
            throw error;
          }
        }, retry);
      }
    },
    async annotateNamespace(namespace, annotations) {
      const patch = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, annotations } };
      await withRetries(`annotate namespace ${namespace} on ${endpoint.cluster}`,
        () => discovered('v1', () => objects.patch(patch as KubernetesObject, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch)), retry);
    },
    async namespaceAnnotations(namespace) {
      try {
        const ns = await withRetries(`read namespace ${namespace} on ${endpoint.cluster}`, () => core.readNamespace({ name: namespace }), retry);
        return ns.metadata?.annotations ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async listPods(namespace, labelSelector) {
      const pods = await withRetries(`list pods ${namespace} on ${endpoint.cluster}`, () => core.listNamespacedPod({ namespace, labelSelector }), retry);
      return pods.items.map(toGatewayPod);
    },
    async routeReflectorNodeIps() {
      const nodes = await withRetries(`list route reflectors on ${endpoint.cluster}`, () => core.listNode({ labelSelector: 'route-reflector=true' }), retry);
      return nodes.items
        .map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address)
        .filter((ip): ip is string => typeof ip === 'string')
        .sort();
    },
    async listNodes() {
      const nodes = await withRetries(`list nodes on ${endpoint.cluster}`, () => core.listNode(), retry);
      return nodes.items.map((n) => ({
        name: n.metadata?.name ?? '',
        ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
        zone: n.metadata?.labels?.['topology.kubernetes.io/zone'],
        ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        labels: n.metadata?.labels ?? {},
      }));
    },
    async listObjects(apiVersion, kind, labelSelector) {
      const list = await withRetries(`list ${kind} on ${endpoint.cluster}`,
        () => discovered(apiVersion, () => objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector)), retry);
      return list.items;
    },
    async mergePatch(target, patch) {
      const { metadata, ...rest } = patch as { metadata?: Record<string, unknown> };
      const body = { apiVersion: target.apiVersion, kind: target.kind, metadata: { ...target.metadata, ...metadata }, ...rest } as KubernetesObject;
      await withRetries(label('patch', target), () => discovered(body.apiVersion, () => objects.patch(body, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch)), retry);
    },
    async servesKind(apiVersion, kind) {
      try {
        return await withRetries(`discover ${apiVersion} ${kind} on ${endpoint.cluster}`, () => objects.servedResource(apiVersion, kind), retry);
      } catch (error) {
        if (isNotFound(error)) return false; // the whole group-version is not served
        throw error;
      }
    },
    async create(o) {
      await withRetries(label('create', o), async () => {
        try {
          await discovered(o.apiVersion, () => objects.create(o, undefined, undefined, fieldManager));
        } catch (error) {
          if ((error as { code?: number }).code === 409) return;
          throw error;
        }
      }, retry);
    },
    async read<T extends KubernetesObject>(target: KubernetesObject) {
      try {
        return await withRetries(label('read', target), () => discovered(target.apiVersion, () => objects.read(target as Parameters<typeof objects.read>[0])), retry) as T;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async removeWithDependents(o) {
      await withRetries(label('delete', o), async () => {
        try {
          await discovered(o.apiVersion, () => objects.delete(o, undefined, undefined, undefined, undefined, 'Background'));
        } catch (error) {
          if (isNotFound(error)) return;
          throw error;
        }
      }, retry);
    },
    async listPodObjects(namespace, labelSelector) {
      return (await withRetries(`list pods ${namespace} on ${endpoint.cluster}`, () => core.listNamespacedPod({ namespace, labelSelector }), retry)).items;
    },
    async podLog(namespace, name) {
      return withRetries(`read log of pod ${namespace}/${name} on ${endpoint.cluster}`, () => core.readNamespacedPodLog({ namespace, name }), retry);
    },
    async openApiDocument(apiVersion) {
      const path = `/openapi/v3/${apiVersion.includes('/') ? 'apis' : 'api'}/${apiVersion}`;
      try {
        return await withRetries(`read ${path} on ${endpoint.cluster}`, () => objects.getDocument(path), retry);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}

function toGatewayPod(pod: V1Pod): GatewayPod {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return { name: pod.metadata?.name ?? '', node: pod.spec?.nodeName, ip: pod.status?.podIP, ready };
}
