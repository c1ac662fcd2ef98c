import type { ClusterReflectors } from '../domain/bootstrap/cluster-peering';
import { clusterObjectNames } from '../domain/names';
import type { ClusterClient } from './kubernetes/cluster-client';

const reflectorLabel = clusterObjectNames.routeReflectorLabel;

/**
 * A cluster's route reflector nodes and how many nodes are Ready, for GET /api/clusters and the
 * drift check. A cluster that cannot be read (not usable in AKS, API server unreachable, retries
 * spent) is returned as unreachable with the reason, so one cluster never hides the others.
 */
export async function readClusterReflectors(connect: (cluster: string) => Promise<ClusterClient>, cluster: string): Promise<ClusterReflectors> {
  try {
    const nodes = await (await connect(cluster)).listNodes();
    return {
      cluster,
      reflectors: nodes.filter((n) => n.ip && n.labels[reflectorLabel.key] === reflectorLabel.value).map((n) => ({ name: n.name, ip: n.ip!, ready: n.ready })),
      readyNodes: nodes.filter((n) => n.ready).length,
    };
  } catch (error) {
    return { cluster, reflectors: [], readyNodes: 0, unreachable: error instanceof Error ? error.message : String(error) };
  }
}
