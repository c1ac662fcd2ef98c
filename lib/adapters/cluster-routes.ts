import type { PeerRoute } from '@azure/arm-network';
import type { ClusterReflectors } from '../domain/bootstrap/cluster-peering';
import type { ConnectionRoutes } from '../domain/expected-routes';
import { GATEWAY_LABEL_KEY } from '../domain/names';
import { readClusterReflectors } from './cluster-inventory';
import type { ClusterEndpoint } from './kubernetes/cluster-access';
import type { ClusterClient } from './kubernetes/cluster-client';
import type { RouteServer } from './network/route-server';
import type { RouteSnapshotStore, SnapshotRead, WaitCadence } from './status/route-snapshots';

/**
 * Learned routes of every BGP connection between Route Server and one cluster's route reflectors
 * (one call per connection: each lists both Route Server instances).
 */
export async function learnedRoutesOfCluster(routeServer: RouteServer, cluster: ClusterClient): Promise<{ learned: ConnectionRoutes[]; reflectors: string[]; connections: string[] }> {
  const reflectors = await cluster.routeReflectorNodeIps();
  const connections = (await routeServer.connections()).filter((c) => reflectors.includes(c.peerIp)).map((c) => c.name);
  return { learned: await learnedRoutesOf(routeServer, connections), reflectors, connections };
}

/** Learned routes over every BGP connection of Route Server (withdrawal: nothing may hide a route). */
export async function learnedRoutesOfRouteServer(routeServer: RouteServer): Promise<ConnectionRoutes[]> {
  return learnedRoutesOf(routeServer, (await routeServer.connections()).map((c) => c.name));
}

/** One learned-routes read per connection (each lists both Route Server instances), compacted. */
async function learnedRoutesOf(routeServer: RouteServer, connections: readonly string[]): Promise<ConnectionRoutes[]> {
  const learned: ConnectionRoutes[] = [];
  for (const connection of connections) learned.push({ connection, routes: compact(await routeServer.learnedRoutes(connection)) });
  return learned;
}

/** A gateway pod as a waiting tenant needs it: where its /31 comes from and whether it serves. */
export interface SnapshotPod {
  namespace: string;
  /** The tenant label's value (`<name>-egw`). */
  gateway: string;
  ip?: string;
  ready: boolean;
}

/** One cluster's view shared by every tenant waiting on it and by the drift check. */
export interface ClusterRouteView {
  learned: ConnectionRoutes[];
  reflectors: string[];
  connections: string[];
  gatewayPods: SnapshotPod[];
  /** The API server found through AKS (URL and CA, no secret), and when: re-read from AKS after ENDPOINT_MAX_AGE_MS. */
  endpoint: ClusterEndpoint;
  endpointAt: number;
}

/**
 * How long a refresh reuses the cluster endpoint instead of asking AKS again (two ARM reads: the cluster and its
 * credentials). An hour, longer than the drift check's 15-minute schedule, so a periodic check finds the endpoint
 * its previous run stored: a cluster's API server URL and CA change only when it is recreated (a new FQDN) or its
 * certificates rotate, and then the reused endpoint fails and AKS is asked at once (readClusterRouteView), as it
 * is for a stopped or deleted cluster. What the cluster holds is read afresh either way.
 */
export const ENDPOINT_MAX_AGE_MS = 60 * 60_000;

/** How the snapshot reaches a cluster: AKS for its endpoint, then Kubernetes with our own token. */
export interface ClusterAccess {
  endpoint(cluster: string): Promise<ClusterEndpoint>;
  connect(endpoint: ClusterEndpoint): Promise<ClusterClient>;
}

/**
 * Reads a cluster's view: reflectors and gateway pods from Kubernetes, learned routes from Route
 * Server. The endpoint of the previous view is reused while young; if it fails, AKS is asked again
 * (so a stopped or deleted cluster is reported as the direct read reports it).
 */
export async function readClusterRouteView(routeServer: RouteServer, access: ClusterAccess, cluster: string, now: () => number, previous?: ClusterRouteView): Promise<ClusterRouteView> {
  const reused = previous !== undefined && now() - previous.endpointAt < ENDPOINT_MAX_AGE_MS ? previous : undefined;
  if (reused !== undefined) {
    try {
      return remembered(cluster, await readWith(routeServer, await access.connect(reused.endpoint), reused.endpoint, reused.endpointAt));
    } catch {
      // fall through: ask AKS where the cluster is now
    }
  }
  const endpointAt = now();
  const endpoint = await access.endpoint(cluster);
  return remembered(cluster, await readWith(routeServer, await access.connect(endpoint), endpoint, endpointAt));
}

/**
 * The endpoint each cluster's latest route view (read or refreshed in this host process) reached it through,
 * and since when. Another activity of the same drift check (readClusterReflectors) reaches the cluster through
 * it instead of asking AKS again (two ARM reads). Per process: on another instance it is simply not known, and
 * AKS is asked as before. No credential is kept, only URL and CA.
 */
const knownEndpoints = new Map<string, { endpoint: ClusterEndpoint; endpointAt: number }>();

function remembered(cluster: string, view: ClusterRouteView): ClusterRouteView {
  // A row stored before views carried their endpoint has none to tell.
  if (typeof view.endpointAt !== 'number' || (view.endpoint as ClusterEndpoint | undefined) === undefined) return view;
  const known = knownEndpoints.get(cluster);
  if (known === undefined || known.endpointAt <= view.endpointAt) knownEndpoints.set(cluster, { endpoint: view.endpoint, endpointAt: view.endpointAt });
  return view;
}

/**
 * A cluster's route reflector nodes (readClusterReflectors) through the endpoint its route view last used, while
 * younger than ENDPOINT_MAX_AGE_MS; AKS is asked when none is known or when that read fails (a recreated,
 * stopped or deleted cluster is then reported as the direct read reports it). The nodes are read afresh either way.
 */
export async function readReflectorsThroughKnownEndpoint(access: ClusterAccess, cluster: string, now: () => number = Date.now): Promise<ClusterReflectors> {
  const known = knownEndpoints.get(cluster);
  if (known !== undefined && now() - known.endpointAt < ENDPOINT_MAX_AGE_MS) {
    const read = await readClusterReflectors(() => access.connect(known.endpoint), cluster);
    if (read.unreachable === undefined) return read;
  }
  return readClusterReflectors(async (name) => access.connect(await access.endpoint(name)), cluster);
}

async function readWith(routeServer: RouteServer, client: ClusterClient, endpoint: ClusterEndpoint, endpointAt: number): Promise<ClusterRouteView> {
  const pods = await client.listObjects('v1', 'Pod', GATEWAY_LABEL_KEY);
  const { learned, reflectors, connections } = await learnedRoutesOfCluster(routeServer, client);
  return {
    learned, reflectors, connections, endpoint, endpointAt,
    gatewayPods: pods.map((p) => {
      const pod = p as { metadata?: { namespace?: string; labels?: Record<string, string> }; status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> } };
      return {
        namespace: pod.metadata?.namespace ?? '',
        gateway: pod.metadata?.labels?.[GATEWAY_LABEL_KEY] ?? '',
        ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
        ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      };
    }),
  };
}

/**
 * The shared snapshot of one cluster's view, at least as fresh as `notBefore` (see route-snapshots.ts).
 * `patient`: wait out another refresher (the drift check) instead of answering `waiting` (a polling lifecycle).
 */
export function clusterRouteSnapshot(snapshots: RouteSnapshotStore, routeServer: RouteServer, access: ClusterAccess, cluster: string, notBefore: number, options: { now?: () => number; patient?: boolean; waiting?: WaitCadence } = {}): Promise<SnapshotRead<ClusterRouteView>> {
  const key = `cluster:${encodeURIComponent(cluster)}`;
  const refresh = (previous: ClusterRouteView | undefined) => readClusterRouteView(routeServer, access, cluster, options.now ?? Date.now, previous);
  let read: Promise<SnapshotRead<ClusterRouteView>>;
  if (options.patient) read = snapshots.readPatiently(key, notBefore, refresh, snapshots.patienceMs);
  // A tenant waiting for its routes since `notBefore`: the refresh cadence is the cluster's (route-snapshots.ts).
  else if (options.waiting) read = snapshots.readWaiting(key, notBefore, refresh, options.waiting);
  else read = snapshots.read(key, notBefore, refresh);
  // A stored view another process refreshed also tells where the cluster is.
  return read.then((r) => (r.kind === 'snapshot' ? { ...r, value: remembered(cluster, r.value) } : r));
}

/** The shared snapshot of every connection's learned routes (withdrawal), at least as fresh as `notBefore`. */
export function routeServerSnapshot(snapshots: RouteSnapshotStore, routeServer: RouteServer, notBefore: number): Promise<SnapshotRead<ConnectionRoutes[]>> {
  return snapshots.read('routeServer', notBefore, () => learnedRoutesOfRouteServer(routeServer));
}

/** Only the fields the domain reads, so a snapshot of thousands of routes stays one small row. */
function compact(routes: Record<string, PeerRoute[]>): Record<string, PeerRoute[]> {
  return Object.fromEntries(Object.entries(routes).map(([instance, list]) => [instance, list.map((r) => ({
    ...(r.network !== undefined ? { network: r.network } : {}),
    ...(r.nextHop !== undefined ? { nextHop: r.nextHop } : {}),
    ...(r.sourcePeer !== undefined ? { sourcePeer: r.sourcePeer } : {}),
    ...(r.asPath !== undefined ? { asPath: r.asPath } : {}),
    ...(r.localAddress !== undefined ? { localAddress: r.localAddress } : {}),
  }))]));
}
