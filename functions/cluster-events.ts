import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../lib/adapters/app-services';
import { classifyClusterEvent } from '../lib/domain/bootstrap/cluster-events';
import type { BootstrapInput } from '../orchestrations/bootstrap-input';
import { terminateAndWait } from './durable-instances';

/**
 * Event Grid: an AKS cluster was written, or one of its node pools rolled. Starts the cluster's
 * bootstrap (instance `cluster:<name>`); a newer event restarts a running one, since nodes may have
 * changed under it and every step is idempotent. Throwing makes Event Grid deliver again.
 */
export async function clusterEvents(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const verdict = classifyClusterEvent(event);
  if (verdict.kind === 'ignored') {
    context.info(`clusterEvents: ignored event ${event.id}: ${verdict.reason}`);
    return;
  }
  const { config } = await appServices();
  if (verdict.subscriptionId.toLowerCase() !== config.azureSubscriptionId.toLowerCase() || verdict.resourceGroup.toLowerCase() !== config.aksResourceGroup.toLowerCase()) {
    context.info(`clusterEvents: ignored ${verdict.cluster}: resource group ${verdict.resourceGroup} is not AKS_RESOURCE_GROUP`);
    return;
  }
  const client = df.getClient(context);
  const instanceId = `cluster:${verdict.cluster}`;
  const input: BootstrapInput = {
    cluster: verdict.cluster, reason: verdict.reason,
    timing: { deadlineSeconds: config.routeWaitDeadlineSeconds, pollInitialSeconds: config.routePollInitialSeconds, pollMaxSeconds: config.routePollMaxSeconds },
  };
  await terminateAndWait(client, instanceId, `superseded by event ${event.id} (${verdict.reason})`);
  await client.startNew('clusterBootstrap', { instanceId, input });
  context.info(`clusterEvents: bootstrap of ${verdict.cluster} started (${verdict.reason})`);
}

app.eventGrid('clusterEvents', { extraInputs: [df.input.durableClient()], handler: clusterEvents });
