import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { appServices } from '../lib/adapters/app-services';
import { classifyClusterEvent } from '../lib/domain/bootstrap/cluster-events';
import { clusterBootstrapInstanceId } from '../orchestrations/bootstrap-input';
import { startClusterBootstrap } from './cluster-bootstrap-start';
import { instanceStatus } from './durable-instances';

/** Event ids this worker has acted on, newest last (Event Grid delivers at least once; ids repeat on redelivery). */
const handled = new Set<string>();
const HANDLED_LIMIT = 1000;

function remember(eventId: string): void {
  handled.add(eventId);
  if (handled.size > HANDLED_LIMIT) handled.delete(handled.values().next().value!);
}

const eventTag = (eventId: string): string => `(event ${eventId})`;

/** True when the cluster's last bootstrap (running or finished) was started by this very event: a redelivery. */
async function startedBy(client: DurableClient, cluster: string, eventId: string): Promise<boolean> {
  const input = (await instanceStatus(client, clusterBootstrapInstanceId(cluster), { showInput: true }))?.input as { reason?: unknown } | undefined;
  return typeof input?.reason === 'string' && input.reason.endsWith(eventTag(eventId));
}

/**
 * Event Grid: an AKS cluster or agent pool was written, or a node pool rolled. Starts the cluster's
 * bootstrap (instance `cluster:<name>`); a newer event restarts a running one, since nodes may have
 * changed under it and every step is idempotent. A redelivered event starts nothing. A malformed or
 * foreign event is logged and acknowledged: throwing would make Event Grid deliver it again for 24 h.
 * Only a failure to start (storage down) throws, so that delivery is retried.
 */
export async function clusterEvents(event: unknown, context: InvocationContext): Promise<void> {
  const { config } = await appServices();
  const verdict = classifyClusterEvent(event, { subscriptionId: config.azureSubscriptionId, resourceGroup: config.aksResourceGroup });
  if (verdict.kind === 'malformed') {
    context.warn(`clusterEvents: dropped a malformed event: ${verdict.reason}`);
    return;
  }
  if (verdict.kind === 'ignored') {
    context.info(`clusterEvents: ignored event ${verdict.eventId.slice(0, 100)}: ${verdict.reason}`);
    return;
  }
  const { eventId, cluster } = verdict;
  const client = df.getClient(context);
  const redelivered = () => context.info(`clusterEvents: event ${eventId.slice(0, 100)} for ${cluster} was already handled (redelivery)`);
  if (handled.has(eventId)) return redelivered();
  remember(eventId); // with no await since the check: a copy delivered in the same batch must not start a second run
  try {
    if (await startedBy(client, cluster, eventId)) return redelivered();
    await startClusterBootstrap(client, config, cluster, `${verdict.reason} ${eventTag(eventId)}`, 'supersede');
  } catch (error) {
    handled.delete(eventId); // not handled after all: Event Grid's retry must be able to start it
    throw error;
  }
  context.info(`clusterEvents: bootstrap of ${cluster} started (${verdict.reason})`);
}

app.eventGrid('clusterEvents', { extraInputs: [df.input.durableClient()], handler: clusterEvents });
