import { readClusterRouteView, readReflectorsThroughKnownEndpoint, type ClusterAccess, type ClusterRouteView } from '../../../lib/adapters/cluster-routes';
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

describe('the route reflector read of a drift check (readReflectorsThroughKnownEndpoint)', () => {
  const now = 20_000_000;
  /** A cluster that answers through `current` only; counts AKS asks and the servers connected to. */
  function cluster(name: string, current: ClusterEndpoint) {
    const asked = { aks: 0, connects: [] as string[], nodeReads: 0 };
    const client = {
      listObjects: async () => [],
      routeReflectorNodeIps: async () => ['10.1.0.4'],
      listNodes: async () => { asked.nodeReads += 1; return [{ name: 'n0', ip: '10.1.0.4', ready: true, labels: { 'route-reflector': 'true' } }]; },
    } as unknown as ClusterClient;
    const access: ClusterAccess = {
      endpoint: async () => { asked.aks += 1; return current; },
      connect: async (endpoint) => {
        asked.connects.push(endpoint.server);
        if (endpoint.server !== current.server) return { ...client, listNodes: async () => { throw new Error(`connect ECONNREFUSED ${endpoint.server}`); } } as unknown as ClusterClient;
        return client;
      },
    };
    const routeServer = { connections: async () => [], learnedRoutes: async () => ({}) } as unknown as RouteServer;
    return { asked, access, routeServer, at: (server: string): ClusterEndpoint => ({ cluster: name, server }) };
  }

  it('reaches the cluster through the endpoint its route view just used: AKS is not asked, the nodes are read', async () => {
    const c = cluster('spoke5-aks', { cluster: 'spoke5-aks', server: 'https://spoke5:443' });
    await readClusterRouteView(c.routeServer, c.access, 'spoke5-aks', () => now);
    expect(c.asked.aks).toBe(1);
    const read = await readReflectorsThroughKnownEndpoint(c.access, 'spoke5-aks', () => now + 60_000);
    expect(c.asked.aks).toBe(1);
    expect(c.asked.nodeReads).toBe(1);
    expect(read).toEqual({ cluster: 'spoke5-aks', reflectors: [{ name: 'n0', ip: '10.1.0.4', ready: true }], readyNodes: 1 });
  });

  it('asks AKS when no route view of the cluster is known', async () => {
    const c = cluster('spoke6-aks', { cluster: 'spoke6-aks', server: 'https://spoke6:443' });
    const read = await readReflectorsThroughKnownEndpoint(c.access, 'spoke6-aks', () => now);
    expect(c.asked.aks).toBe(1);
    expect(read.unreachable).toBeUndefined();
  });

  it('asks AKS when the known endpoint fails (the cluster was recreated meanwhile)', async () => {
    const c = cluster('spoke7-aks', { cluster: 'spoke7-aks', server: 'https://spoke7-new:443' });
    await readClusterRouteView(c.routeServer, c.access, 'spoke7-aks', () => now, { learned: [], reflectors: [], connections: [], gatewayPods: [], endpoint: c.at('https://spoke7-new:443'), endpointAt: now });
    // The cluster is recreated behind a new API server after the route view was read.
    const moved = cluster('spoke7-aks', { cluster: 'spoke7-aks', server: 'https://spoke7-newer:443' });
    const read = await readReflectorsThroughKnownEndpoint(moved.access, 'spoke7-aks', () => now + 60_000);
    expect(moved.asked.connects).toEqual(['https://spoke7-new:443', 'https://spoke7-newer:443']);
    expect(moved.asked.aks).toBe(1);
    expect(read.unreachable).toBeUndefined();
  });

  it('asks AKS once the known endpoint is older than an hour', async () => {
    const c = cluster('spoke8-aks', { cluster: 'spoke8-aks', server: 'https://spoke8:443' });
    await readClusterRouteView(c.routeServer, c.access, 'spoke8-aks', () => now);
    await readReflectorsThroughKnownEndpoint(c.access, 'spoke8-aks', () => now + 61 * 60_000);
    expect(c.asked.aks).toBe(2);
  });
});
