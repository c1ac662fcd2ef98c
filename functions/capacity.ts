import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { appServices, type AppServices } from '../lib/adapters/app-services';
import { learnedRoutesOfRouteServer, routeServerSnapshot } from '../lib/adapters/cluster-routes';
import { everyItem } from '../lib/adapters/registry';
import { capacityView, type CapacityFacts } from '../lib/domain/capacity-view';
import { openFirewallTenants } from '../lib/domain/capacity';
import type { ConnectionRoutes } from '../lib/domain/expected-routes';
import { SPEC_LIMITS, formatFieldPath } from '../lib/domain/tenant-spec';
import { answeringUpstreamFailures, problem } from './http-problems';
import { queryObject } from './tenant-requests';

const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number ${min}..${max}`;
  return z.string().regex(/^[0-9]{1,3}$/, { error }).transform(Number).pipe(z.number().int().min(min, { error }).max(max, { error }));
};

/** Query of GET /api/capacity: the next tenant's size; `code` is the function key; anything else is refused by name. */
const capacityQuery = z.strictObject({
  prefixLength: wholeNumber(SPEC_LIMITS.minPrefixLength, SPEC_LIMITS.maxPrefixLength).optional(),
  replicas: wholeNumber(1, SPEC_LIMITS.maxReplicas).default(2),
  code: z.string().optional(),
});

/** A shared Route Server snapshot up to this old is fresh enough for a capacity view. */
const LEARNED_ROUTES_MAX_AGE_MS = 30_000;

async function learnedRoutes(services: AppServices): Promise<ConnectionRoutes[]> {
  const read = await routeServerSnapshot(services.routeSnapshots, services.routeServer, Date.now() - LEARNED_ROUTES_MAX_AGE_MS);
  // Another reader is refreshing the snapshot right now: read Route Server directly rather than wait for it.
  return read.kind === 'snapshot' ? read.value : learnedRoutesOfRouteServer(services.routeServer);
}

/** Reads every input once: AKS, the registry, the pool's claims, Route Server, the firewall intents and policy. */
async function gatherFacts(services: AppServices, nextTenant: CapacityFacts['nextTenant']): Promise<CapacityFacts> {
  const { config } = services;
  const [aks, records, claims, connections, learned, deployed, intents] = await Promise.all([
    services.aksClusters(),
    everyItem((page) => services.registry.tenants.listAll(page)),
    everyItem((page) => services.registry.claims.list(page)),
    services.routeServer.connections(),
    learnedRoutes(services),
    services.firewallPolicy.listGroups(''),
    services.intents.all(),
  ]);
  const openTenants = openFirewallTenants(records, intents);
  return {
    generatedAt: new Date().toISOString(),
    clusters: aks.map((c) => c.name),
    tenants: records.map((r) => ({ cluster: r.key.cluster, name: r.key.name, phase: r.phase, ...(r.cidr ? { cidr: r.cidr } : {}), gateway: r.spec.gateway })),
    pool: { supernet: config.egressSupernet, taken: [...claims.map((c) => c.cidr), ...config.egressReservedCidrs] },
    routeServer: { connections: connections.map((c) => ({ name: c.name, peerIp: c.peerIp, state: c.connectionState })), learned },
    firewall: {
      policy: config.firewallPolicyName,
      deployedGroups: deployed.map((g) => ({ ...g.group, name: g.name })),
      openTenants,
      limits: { maxGroups: config.firewallMaxRuleCollectionGroups, priorityBase: config.firewallRcgPriorityBase },
    },
    routeBudgetPerPeer: config.routeBudgetPerPeer,
    nextTenant,
  };
}

/**
 * GET of the capacity view (lib/domain/capacity-view.ts), judged by the same check that guards onboarding; for the
 * keyed route and the console's signed-in route (functions/console-api.ts).
 */
export async function readCapacity(request: HttpRequest): Promise<HttpResponseInit> {
  const query = capacityQuery.safeParse(queryObject(request));
  if (!query.success) {
    const details = query.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: k, reason: 'unknown query parameter' })) : [{ field: formatFieldPath(i.path), reason: i.message }]));
    return problem(400, 'InvalidQuery', `bad query parameters: ${details.map((d) => `${d.field} ${d.reason}`).join('; ')}`, details);
  }
  const services = await appServices();
  const nextTenant = { prefixLength: query.data.prefixLength ?? services.config.defaultPoolPrefixLength, replicas: query.data.replicas };
  return { status: 200, jsonBody: capacityView(await gatherFacts(services, nextTenant)) };
}

app.http('capacity', {
  route: 'capacity', methods: ['GET'], authLevel: 'function',
  handler: answeringUpstreamFailures(readCapacity),
});
