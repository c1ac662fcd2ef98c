import type { ConnectionRoutes } from '../domain/expected-routes';
import type { ClusterClient } from './kubernetes/cluster-client';
import type { RouteServer } from './network/route-server';

/**
 * Learned routes of every BGP connection between Route Server and one cluster's route reflectors
 * (one call per connection: each lists both Route Server instances).
 */
export async function learnedRoutesOfCluster(routeServer: RouteServer, cluster: ClusterClient): Promise<{ learned: ConnectionRoutes[]; reflectors: string[]; connections: string[] }> {
  const reflectors = await cluster.routeReflectorNodeIps();
  const connections = (await routeServer.connections()).filter((c) => reflectors.includes(c.peerIp));
  const learned: ConnectionRoutes[] = [];
  for (const c of connections) learned.push({ connection: c.name, routes: await routeServer.learnedRoutes(c.name) });
  return { learned, reflectors, connections: connections.map((c) => c.name) };
}
