import { z } from 'zod';

/**
 * The Event Grid events that (re)bootstrap a cluster's BGP peering with Route Server, read in the
 * shapes Azure sends them (reference/azure/NOTES.md §3 and §3a), in the Event Grid or the CloudEvents schema:
 * - `Microsoft.Resources.ResourceWriteSuccess` of a managed cluster or one of its agent pools, from the
 *   resource group's (or subscription's) system topic: `topic`/`source` is the scope, `subject` the resource ID;
 * - `Microsoft.ContainerService.NodePoolRolling{Succeeded,Failed}`, from the AKS system topic: `topic`/`source`
 *   is the cluster's resource ID and `subject` only its name. Nodes were replaced, so the route reflectors
 *   and their Route Server connections may have moved.
 * Only events whose topic lies in the configured subscription and AKS resource group are acted on: any
 * other sender (or a subscription pointed at the wrong scope) is ignored.
 */
export type ClusterEvent =
  | { kind: 'bootstrap'; eventId: string; reason: string; cluster: string }
  | { kind: 'ignored'; eventId: string; reason: string }
  | { kind: 'malformed'; reason: string };

/** Where cluster events may come from: the app's subscription and AKS resource group. */
export interface EventScope {
  subscriptionId: string;
  resourceGroup: string;
}

/** An AKS cluster or agent pool name as Azure allows it (also keeps instance ids and logs tidy). */
const aksName = '[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?';
const scopeId = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?$/i;
const clusterResourceId = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.ContainerService/managedClusters/(${aksName})(?:/agentPools/(${aksName}))?$`, 'i');

const bounded = z.string().min(1).max(1024);
const data = z.record(z.string(), z.unknown()).default({});
const eventGridSchema = z.object({ id: bounded, eventType: bounded, topic: bounded, subject: bounded, data });
const cloudEventSchema = z.object({ specversion: z.literal('1.0'), id: bounded, type: bounded, source: bounded, subject: bounded.optional(), data });

interface Normalized { id: string; type: string; topic: string; subject: string | undefined; data: Record<string, unknown> }

const rolling = new Set(['Microsoft.ContainerService.NodePoolRollingSucceeded', 'Microsoft.ContainerService.NodePoolRollingFailed']);
const clusterWrites = new Set(['microsoft.containerservice/managedclusters/write', 'microsoft.containerservice/managedclusters/agentpools/write']);

/** Classifies one delivered event; never throws: a malformed event is reported, so the caller can drop it. */
export function classifyClusterEvent(input: unknown, scope: EventScope): ClusterEvent {
  const event = normalize(input);
  if ('malformed' in event) return { kind: 'malformed', reason: event.malformed };
  const ignored = (reason: string): ClusterEvent => ({ kind: 'ignored', eventId: event.id, reason });
  if (event.type === 'Microsoft.Resources.ResourceWriteSuccess') {
    const operation = typeof event.data.operationName === 'string' ? event.data.operationName : '';
    if (!clusterWrites.has(operation.toLowerCase())) return ignored(`operation ${operation.slice(0, 200) || '(none)'} is not a managed cluster or agent pool write`);
    const topic = scopeId.exec(event.topic);
    if (!topic) return ignored('topic is not a subscription or resource group');
    if (!same(topic[1], scope.subscriptionId) || (topic[2] !== undefined && !same(topic[2], scope.resourceGroup))) return ignored('topic is outside the configured subscription and AKS resource group');
    return fromResource(event, event.subject ?? '', scope, 'written');
  }
  if (rolling.has(event.type)) {
    const pool = typeof event.data.nodePoolName === 'string' ? event.data.nodePoolName.slice(0, 63) : '?';
    const verdict = fromResource(event, event.topic, scope, `node pool ${pool} rolled`);
    // The AKS system topic names the cluster in `subject`: one that disagrees with the topic is not AKS's.
    if (verdict.kind === 'bootstrap' && event.subject !== undefined && !same(event.subject, verdict.cluster)) return ignored('subject does not name the cluster of the topic');
    return verdict;
  }
  return ignored(`event type ${event.type.slice(0, 200)} is not handled`);
}

function normalize(input: unknown): Normalized | { malformed: string } {
  const cloud = typeof input === 'object' && input !== null && 'specversion' in input;
  if (cloud) {
    const parsed = cloudEventSchema.safeParse(input);
    if (!parsed.success) return { malformed: describe(parsed.error) };
    const e = parsed.data;
    return { id: e.id, type: e.type, topic: e.source, subject: e.subject, data: e.data };
  }
  const parsed = eventGridSchema.safeParse(input);
  if (!parsed.success) return { malformed: describe(parsed.error) };
  const e = parsed.data;
  return { id: e.id, type: e.eventType, topic: e.topic, subject: e.subject, data: e.data };
}

/** Field paths and zod's messages only: never the values, which may carry claims or tokens. */
function describe(error: z.ZodError): string {
  return error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
}

function fromResource(event: Normalized, id: string, scope: EventScope, what: string): ClusterEvent {
  const m = clusterResourceId.exec(id);
  if (!m) return { kind: 'ignored', eventId: event.id, reason: 'the event names no AKS managed cluster or agent pool' };
  if (!same(m[1], scope.subscriptionId) || !same(m[2], scope.resourceGroup)) return { kind: 'ignored', eventId: event.id, reason: `cluster ${m[3]!} is outside the configured subscription and AKS resource group` };
  const cluster = m[3]!;
  const reason = what === 'written' ? (m[4] ? `agent pool ${m[4]} written` : 'cluster written') : what;
  return { kind: 'bootstrap', eventId: event.id, reason, cluster };
}

const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();
