import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { appServices, type AppServices } from '../lib/adapters/app-services';
import { everyItem } from '../lib/adapters/registry';
import { readClusterReflectors } from '../lib/adapters/cluster-inventory';
import { clusterUsability } from '../lib/domain/bootstrap/aks-state';
import { clusterNameSchema } from '../lib/domain/tenant-spec';
import { clusterView, type BootstrapInstance, type ClusterView } from '../lib/domain/bootstrap/cluster-view';
import { clusterBootstrapInstanceId } from '../orchestrations/bootstrap-input';
import { startClusterBootstrap } from './cluster-bootstrap-start';
import { instanceStatus } from './durable-instances';
import { answeringUpstreamFailures, problem } from './http-problems';

function badName(request: HttpRequest): HttpResponseInit | undefined {
  const parsed = clusterNameSchema.safeParse(request.params.name ?? '');
  return parsed.success ? undefined : problem(400, 'InvalidClusterName', `cluster name "${request.params.name ?? ''}" is not valid`, [{ field: 'name', reason: parsed.error.issues[0]?.message ?? 'invalid' }]);
}

async function bootstrapInstance(client: DurableClient, cluster: string): Promise<BootstrapInstance | undefined> {
  const s = await instanceStatus(client, clusterBootstrapInstanceId(cluster));
  if (!s?.runtimeStatus) return undefined;
  return {
    runtimeStatus: String(s.runtimeStatus),
    customStatus: (s.customStatus ?? undefined) as BootstrapInstance['customStatus'],
    output: (s.output ?? undefined) as BootstrapInstance['output'],
    ...(s.lastUpdatedTime ? { lastUpdatedTime: new Date(s.lastUpdatedTime).toISOString() } : {}),
  };
}

/** Reads every source once (AKS list, Route Server connections, the registry), then each cluster in parallel. */
async function clusterViews(services: AppServices, client: DurableClient, only?: string): Promise<ClusterView[]> {
  const [aks, connections, records] = await Promise.all([
    services.aksClusters(),
    services.routeServer.connections(),
    everyItem((page) => services.registry.tenants.listAll(page)),
  ]);
  const wanted = aks.filter((c) => only === undefined || c.name === only);
  return Promise.all(wanted.map(async (c) => clusterView({
    aks: c,
    reflectors: clusterUsability(c.name, c.provisioningState, c.powerState).kind === 'usable' ? await readClusterReflectors((name) => services.cluster(name), c.name) : undefined,
    connections: connections.map((x) => ({ name: x.name, peerIp: x.peerIp, state: x.connectionState })),
    bootstrap: await bootstrapInstance(client, c.name),
    tenants: records.filter((r) => r.spec.cluster === c.name).map((r) => ({ name: r.spec.name, phase: r.phase, ...(r.cidr ? { cidr: r.cidr } : {}), gateway: r.spec.gateway })),
    routeBudgetPerPeer: services.config.routeBudgetPerPeer,
  })));
}

/**
 * GET of every AKS cluster of AKS_RESOURCE_GROUP with its bootstrap, reflectors, peering, tenants and route budget,
 * for the keyed route and the console's signed-in route (functions/console-api.ts).
 */
export async function listClusters(client: DurableClient): Promise<HttpResponseInit> {
  const services = await appServices();
  const clusters = await clusterViews(services, client);
  return { status: 200, jsonBody: { resourceGroup: services.config.aksResourceGroup, clusters } };
}

app.http('clusters', {
  route: 'clusters', methods: ['GET'], authLevel: 'function', extraInputs: [df.input.durableClient()],
  handler: answeringUpstreamFailures(async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => listClusters(df.getClient(context))),
});

app.http('cluster', {
  route: 'clusters/{name}', methods: ['GET'], authLevel: 'function', extraInputs: [df.input.durableClient()],
  handler: answeringUpstreamFailures(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const invalid = badName(request);
    if (invalid) return invalid;
    const services = await appServices();
    const [view] = await clusterViews(services, df.getClient(context), request.params.name);
    return view ? { status: 200, jsonBody: view } : notFound(services, request.params.name ?? '');
  }),
});

function notFound(services: AppServices, name: string): HttpResponseInit {
  return problem(404, 'ClusterNotFound', `AKS has no cluster ${name} in resource group ${services.config.aksResourceGroup}`, [{ field: 'name', reason: 'no such AKS cluster' }]);
}

/**
 * POST: bootstrap or re-sync an existing cluster (one created before Event Grid was wired, or one whose
 * reflectors went away): the same `clusterBootstrap` the Event Grid trigger starts, instance `cluster:<name>`.
 * Admin key only: it changes the cluster and Route Server. 202, 409 while one runs, 404 for a cluster AKS does not know.
 */
app.http('clusterBootstrapRequest', {
  route: 'clusters/{name}/bootstrap', methods: ['POST'], authLevel: 'admin', extraInputs: [df.input.durableClient()],
  handler: answeringUpstreamFailures(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const invalid = badName(request);
    if (invalid) return invalid;
    const name = request.params.name!;
    const services = await appServices();
    if (!(await services.aksClusters()).some((c) => c.name === name)) return notFound(services, name);
    const outcome = await startClusterBootstrap(df.getClient(context), services.config, name, 'requested through POST /api/clusters/{name}/bootstrap', 'unless-running');
    const location = `/api/clusters/${encodeURIComponent(name)}`;
    if (outcome === 'running') return problem(409, 'BootstrapRunning', `a bootstrap of cluster ${name} is running; GET ${location} shows it`, undefined, { 'Retry-After': '10', Location: location });
    context.info(`clusterBootstrap: bootstrap of ${name} started on request`);
    return { status: 202, headers: { Location: location, 'Retry-After': '5' }, jsonBody: { cluster: name, instanceId: clusterBootstrapInstanceId(name), statusUrl: new URL(location, request.url).toString() } };
  }),
});
