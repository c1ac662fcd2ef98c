import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../lib/adapters/app-services';
import { classifyClusterEvent } from '../lib/domain/bootstrap/cluster-events';
import { startClusterBootstrap } from './cluster-bootstrap-start';

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
  await startClusterBootstrap(df.getClient(context), config, verdict.cluster, verdict.reason, 'supersede');
  context.info(`clusterEvents: bootstrap of ${verdict.cluster} started (${verdict.reason})`);
}

app.eventGrid('clusterEvents', { extraInputs: [df.input.durableClient()], handler: clusterEvents });
