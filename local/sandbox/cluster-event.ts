import { randomUUID } from 'node:crypto';
import { awaitInstance } from './await-instance';

/**
 * What Event Grid delivers when an AKS cluster is created: a `ResourceWriteSuccess` from the
 * resource group's system topic (shape of reference/azure/examples/eventgrid/ResourceWriteSuccess.json).
 * The sandbox posts it to the host's Event Grid webhook, as Event Grid would.
 */
export function clusterWrittenEvent(subscriptionId: string, resourceGroup: string, cluster: string) {
  const resourceUri = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster}`;
  return {
    id: randomUUID(),
    topic: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`,
    subject: resourceUri,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      authorization: { scope: resourceUri, action: 'Microsoft.ContainerService/managedClusters/write', evidence: { role: 'Owner' } },
      correlationId: randomUUID(),
      resourceProvider: 'Microsoft.ContainerService',
      resourceUri,
      operationName: 'Microsoft.ContainerService/managedClusters/write',
      status: 'Succeeded',
      subscriptionId,
    },
  };
}

/**
 * What the AKS system topic delivers when a node pool finished rolling: `topic` is the cluster's resource
 * ID and `subject` only its name (shape of reference/azure/examples/eventgrid/NodePoolRollingSucceeded.json).
 */
export function nodePoolRolledEvent(subscriptionId: string, resourceGroup: string, cluster: string, nodePool = 'nodepool1', id: string = randomUUID()) {
  return {
    id,
    topic: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster}`,
    subject: cluster,
    eventType: 'Microsoft.ContainerService.NodePoolRollingSucceeded',
    eventTime: new Date().toISOString(),
    data: { nodePoolName: nodePool },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

/** Delivers one event to the Functions host's Event Grid webhook, then waits for the bootstrap to finish. */
export async function deliverAndAwaitBootstrap(hostBaseUrl: string, masterKey: string, event: ReturnType<typeof clusterWrittenEvent>, cluster: string): Promise<void> {
  const delivered = await fetch(`${hostBaseUrl}/runtime/webhooks/eventgrid?functionName=clusterEvents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    body: JSON.stringify([event]),
  });
  if (!delivered.ok) throw new Error(`Event Grid delivery to clusterEvents failed: ${delivered.status} ${await delivered.text()}`);
  const output = await awaitInstance<{ phase?: string; error?: string }>(hostBaseUrl, masterKey, `cluster:${cluster}`);
  if (output?.phase !== 'Ready') throw new Error(`cluster bootstrap of ${cluster} failed: ${output?.error ?? JSON.stringify(output)}`);
}
