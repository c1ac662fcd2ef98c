import type { DurableClient } from 'durable-functions';
import type { Config } from '../lib/domain/config';
import { bootstrapInput, clusterBootstrapInstanceId } from '../orchestrations/bootstrap-input';
import { isRunning, terminateAndWait } from './durable-instances';

/**
 * Starts a cluster's bootstrap (instance `cluster:<name>`), shared by the Event Grid trigger and
 * POST /api/clusters/{name}/bootstrap. `supersede`: a newer event restarts a running one (nodes may
 * have changed under it; every step is idempotent). `unless-running`: a request leaves a running one be.
 */
export async function startClusterBootstrap(client: DurableClient, config: Config, cluster: string, reason: string, mode: 'supersede' | 'unless-running'): Promise<'started' | 'running'> {
  const instanceId = clusterBootstrapInstanceId(cluster);
  if (mode === 'supersede') await terminateAndWait(client, instanceId, `superseded (${reason})`);
  else if (await isRunning(client, instanceId)) return 'running';
  await client.startNew('clusterBootstrap', { instanceId, input: bootstrapInput(config, cluster, reason) });
  return 'started';
}
