import { z } from 'zod';

/**
 * The Event Grid events that (re)bootstrap a cluster's BGP peering with Route Server:
 * - `Microsoft.Resources.ResourceWriteSuccess` on a managed cluster (created or changed), from the
 *   spoke resource groups' system topic;
 * - `Microsoft.ContainerService.NodePoolRolling{Succeeded,Failed}`, from the AKS system topic: nodes
 *   were replaced, so the route reflectors and their Route Server connections may have moved.
 */
export type ClusterEvent =
  | { kind: 'bootstrap'; reason: string; subscriptionId: string; resourceGroup: string; cluster: string }
  | { kind: 'ignored'; reason: string };

const clusterId = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i;

const eventSchema = z.object({
  id: z.string().min(1),
  eventType: z.string().min(1),
  subject: z.string().min(1),
  data: z.record(z.string(), z.unknown()).default({}),
});

const rolling = new Set(['Microsoft.ContainerService.NodePoolRollingSucceeded', 'Microsoft.ContainerService.NodePoolRollingFailed']);

/** Classifies one event; a malformed one throws with the field named (the host then reports a failure). */
export function classifyClusterEvent(input: unknown): ClusterEvent {
  const parsed = eventSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`cluster event rejected: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`);
  }
  const event = parsed.data;
  if (event.eventType === 'Microsoft.Resources.ResourceWriteSuccess') {
    const operation = typeof event.data.operationName === 'string' ? event.data.operationName : '';
    if (operation.toLowerCase() !== 'microsoft.containerservice/managedclusters/write') return { kind: 'ignored', reason: `operation ${operation || '(none)'} is not a managed cluster write` };
    const uri = typeof event.data.resourceUri === 'string' ? event.data.resourceUri : event.subject;
    return fromResourceId(uri, 'cluster written');
  }
  if (rolling.has(event.eventType)) {
    const pool = typeof event.data.nodePoolName === 'string' ? event.data.nodePoolName : '?';
    return fromResourceId(event.subject, `node pool ${pool} rolled`);
  }
  return { kind: 'ignored', reason: `event type ${event.eventType} is not handled` };
}

function fromResourceId(id: string, reason: string): ClusterEvent {
  const m = clusterId.exec(id);
  if (!m) return { kind: 'ignored', reason: `${id} is not a managed cluster` };
  return { kind: 'bootstrap', reason, subscriptionId: m[1]!, resourceGroup: m[2]!, cluster: m[3]! };
}
