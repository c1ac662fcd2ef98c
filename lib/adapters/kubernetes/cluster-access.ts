import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { clusterUsability } from '../../domain/bootstrap/aks-state';
import { PermanentError } from '../errors';

/** What we need to reach one cluster's API server: its URL and the CA that signs its certificate. */
export interface ClusterEndpoint {
  cluster: string;
  server: string;
  /** base64 PEM, as kubeconfig's certificate-authority-data. */
  certificateAuthorityData?: string;
}

// Only the parts of a kubeconfig we read; the user section (kubelogin exec) is ignored on purpose:
// we authenticate with our own Entra token, so no kubeconfig or plugin is ever written to disk.
const kubeconfigSchema = z.object({
  clusters: z.array(z.object({
    name: z.string(),
    cluster: z.object({ server: z.string().url(), 'certificate-authority-data': z.string().optional() }),
  })).min(1),
});

/**
 * Finds a cluster's API server through AKS: the cluster must be provisioned and running, then its
 * user credentials give the server URL and CA.
 */
export async function resolveClusterEndpoint(aks: ContainerServiceClient, resourceGroup: string, cluster: string): Promise<ClusterEndpoint> {
  const managed = await aks.managedClusters.get(resourceGroup, cluster);
  const usability = clusterUsability(cluster, managed.provisioningState, managed.powerState?.code);
  if (usability.kind === 'unusable') throw new PermanentError(usability.reason);
  if (usability.kind === 'wait') throw new Error(usability.reason); // transient: the caller's retries wait
  const credentials = await aks.managedClusters.listClusterUserCredentials(resourceGroup, cluster);
  const first = credentials.kubeconfigs?.[0]?.value;
  if (!first) throw new PermanentError(`AKS returned no kubeconfig for cluster ${cluster}`);
  const parsed = kubeconfigSchema.safeParse(parseYaml(Buffer.from(first).toString('utf8')));
  if (!parsed.success) throw new PermanentError(`AKS kubeconfig for ${cluster} is not usable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const entry = parsed.data.clusters[0]!;
  return { cluster, server: entry.cluster.server, certificateAuthorityData: entry.cluster['certificate-authority-data'] };
}
