import { readClusterRouteView, type ClusterAccess, type ClusterRouteView } from '../../../lib/adapters/cluster-routes';
import type { ClusterEndpoint } from '../../../lib/adapters/kubernetes/cluster-access';
import type { ClusterClient } from '../../../lib/adapters/kubernetes/cluster-client';
import type { RouteServer } from '../../../lib/adapters/network/route-server';

/** A cluster whose reads succeed unless its endpoint is the stale one; counts how often AKS is asked. */
function fakes(current: ClusterEndpoint) {
  const asked = { aks: 0, connects: [] as string[] };
  const client = {
    listObjects: async () => [],
    routeReflectorNodeIps: async () => ['10.1.0.4'],
  } as unknown as ClusterClient;
  const access: ClusterAccess = {
    endpoint: async () => { asked.aks += 1; return current; },
    connect: async (endpoint) => {
      asked.connects.push(endpoint.server);
      if (endpoint.server !== current.server) throw new Error(`connect ECONNREFUSED ${endpoint.server}`);
      return client;
    },
  };
  const routeServer = {
    connections: async () => [{ name: 'rr-1', peerIp: '10.1.0.4', peerAsn: 63400, connectionState: 'Connected' }],
    learnedRoutes: async () => ({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] }),
  } as unknown as RouteServer;
  return { asked, access, routeServer };
}

const endpoint = (server: string): ClusterEndpoint => ({ cluster: 'spoke1-aks', server });
const previousAt = (at: number, server = 'https://spoke1:443'): ClusterRouteView => ({ learned: [], reflectors: [], connections: [], gatewayPods: [], endpoint: endpoint(server), endpointAt: at });

describe('the cluster endpoint a route snapshot refresh uses', () => {
  const now = 10_000_000;

  it('is the previous snapshot\'s for a scheduled drift check 15 minutes later: AKS is not asked', async () => {
    const { asked, access, routeServer } = fakes(endpoint('https://spoke1:443'));
    const view = await readClusterRouteView(routeServer, access, 'spoke1-aks', () => now, previousAt(now - 15 * 60_000));
    expect(asked.aks).toBe(0);
    expect(view.endpointAt).toBe(now - 15 * 60_000);
    expect(view.connections).toEqual(['rr-1']);
  });

  it('is asked of AKS again once older than an hour', async () => {
    const { asked, access, routeServer } = fakes(endpoint('https://spoke1:443'));
    const view = await readClusterRouteView(routeServer, access, 'spoke1-aks', () => now, previousAt(now - 61 * 60_000));
    expect(asked.aks).toBe(1);
    expect(view.endpointAt).toBe(now);
  });

  it('is asked of AKS at once when the reused one fails (a recreated cluster has a new API server)', async () => {
    const { asked, access, routeServer } = fakes(endpoint('https://spoke1-new:443'));
    const view = await readClusterRouteView(routeServer, access, 'spoke1-aks', () => now, previousAt(now - 60_000, 'https://spoke1:443'));
    expect(asked.connects).toEqual(['https://spoke1:443', 'https://spoke1-new:443']);
    expect(asked.aks).toBe(1);
    expect(view.endpoint.server).toBe('https://spoke1-new:443');
  });
});
