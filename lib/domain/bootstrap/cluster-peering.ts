/**
 * Is a cluster peered with Route Server as its bootstrap left it? Exactly its route reflector
 * nodes, each with a Route Server connection. Nodes the autoscaler removes fire no node pool event,
 * and clusters created before Event Grid was wired were never bootstrapped; both show up here (the
 * drift check and GET /api/clusters), and a re-sync (the bootstrap again) puts them right.
 */
import { isClustersConnection, ROUTE_REFLECTORS_PER_CLUSTER } from './route-reflectors';
import { routeServerConnectionName } from '../names';

export interface ReflectorNode {
  name: string;
  ip: string;
  ready: boolean;
}

/** One cluster as read: its nodes labelled route-reflector=true, and how many nodes are Ready. */
export interface ClusterReflectors {
  cluster: string;
  reflectors: ReflectorNode[];
  readyNodes: number;
  /** The cluster could not be read (not usable in AKS, API server unreachable): not judged. */
  unreachable?: string;
}

export interface RouteServerConnectionFacts {
  name: string;
  peerIp: string;
  state: string;
}

export interface ClusterPeering {
  cluster: string;
  /** Each route reflector and its Route Server connection (undefined: none). */
  reflectors: Array<ReflectorNode & { connection?: { name: string; state: string } }>;
  /** This cluster's connections to peers that are no longer route reflector nodes. */
  stale: RouteServerConnectionFacts[];
  problems: string[];
  /** A re-sync (the bootstrap again) would change something. */
  needsResync: boolean;
  unreachable?: string;
}

export function judgeClusterPeering(read: ClusterReflectors, connections: readonly RouteServerConnectionFacts[]): ClusterPeering {
  const { cluster } = read;
  const ours = connections.filter((c) => isClustersConnection(cluster, c.name));
  if (read.unreachable !== undefined) {
    return { cluster, reflectors: [], stale: [], problems: [`cluster ${cluster} unreachable: ${read.unreachable}`], needsResync: false, unreachable: read.unreachable };
  }
  const reflectors = [...read.reflectors].sort((a, b) => a.name.localeCompare(b.name)).map((r) => {
    const name = routeServerConnectionName(cluster, r.ip);
    const connection = ours.find((c) => c.name === name && c.peerIp === r.ip);
    return { ...r, ...(connection ? { connection: { name: connection.name, state: connection.state } } : {}) };
  });
  const stale = ours.filter((c) => !read.reflectors.some((r) => routeServerConnectionName(cluster, r.ip) === c.name && r.ip === c.peerIp));
  const problems: string[] = [];
  if (reflectors.length === 0 && ours.length === 0) {
    problems.push(`cluster ${cluster} was never bootstrapped: no route reflector node and no Route Server connection`);
  } else {
    const wanted = Math.min(ROUTE_REFLECTORS_PER_CLUSTER, read.readyNodes);
    if (reflectors.length < wanted) problems.push(`cluster ${cluster} has ${reflectors.length} route reflector node${reflectors.length === 1 ? '' : 's'}; ${wanted} wanted`);
    for (const r of reflectors) {
      if (!r.ready) problems.push(`route reflector ${r.name} (${r.ip}) is not Ready`);
      if (!r.connection) problems.push(`route reflector ${r.name} (${r.ip}) has no Route Server connection`);
    }
    for (const c of stale) problems.push(`Route Server connection ${c.name} peers with ${c.peerIp}, which is no longer a route reflector node of ${cluster}`);
  }
  return { cluster, reflectors, stale, problems, needsResync: problems.length > 0 };
}
