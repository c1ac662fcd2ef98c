import type { AppServices } from '../../lib/adapters/app-services';
import { isNotFound, PermanentError } from '../../lib/adapters/errors';
import type { ClusterClient } from '../../lib/adapters/kubernetes/cluster-client';

/**
 * The tenant's cluster, or undefined when AKS no longer knows it (deleted): whatever egress-pilot
 * had put there went with it, so removal steps count it as removed instead of failing forever.
 */
export async function clusterIfExists(services: AppServices, cluster: string): Promise<ClusterClient | undefined> {
  try {
    return await services.cluster(cluster);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The tenant's cluster, which must exist for anything to be applied to it. */
export async function requireCluster(services: AppServices, cluster: string): Promise<ClusterClient> {
  const client = await clusterIfExists(services, cluster);
  if (!client) throw new PermanentError(`AKS cluster ${cluster} does not exist (any more)`);
  return client;
}
