import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import { clusterUsability } from '../../domain/bootstrap/aks-state';
import { PermanentError } from '../errors';
import { withRetries, defaultRetry, type RetryOptions } from '../retry';

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
export async function resolveClusterEndpoint(aks: ContainerServiceClient, resourceGroup: string, cluster: string, retry: RetryOptions = defaultRetry): Promise<ClusterEndpoint> {
  const managed = await withRetries(`get AKS cluster ${cluster}`, () => aks.managedClusters.get(resourceGroup, cluster), retry);
  const usability = clusterUsability(cluster, managed.provisioningState, managed.powerState?.code);
  if (usability.kind === 'unusable') throw new PermanentError(usability.reason);
  // Not an answered request failing but a state to wait out: the durable retry (few, spaced attempts) waits.
  if (usability.kind === 'wait') throw new Error(usability.reason);
  const credentials = await withRetries(`get credentials of AKS cluster ${cluster}`, () => aks.managedClusters.listClusterUserCredentials(resourceGroup, cluster), retry);
  const first = credentials.kubeconfigs?.[0]?.value;
  if (!first) throw new PermanentError(`AKS returned no kubeconfig for cluster ${cluster}`);
  const parsed = kubeconfigSchema.safeParse(parseYaml(Buffer.from(first).toString('utf8')));
  if (!parsed.success) throw new PermanentError(`AKS kubeconfig for ${cluster} is not usable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const entry = parsed.data.clusters[0]!;
  return { cluster, server: entry.cluster.server, certificateAuthorityData: entry.cluster['certificate-authority-data'] };
}
