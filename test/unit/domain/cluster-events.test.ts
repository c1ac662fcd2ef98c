import { classifyClusterEvent } from '../../../lib/domain/bootstrap/cluster-events';
import rolled from '../../../../shared/reference/azure/examples/eventgrid/NodePoolRollingSucceeded.json';
import writeSuccess from '../../../../shared/reference/azure/examples/eventgrid/ResourceWriteSuccess.json';

// The scope of Microsoft's rolling sample (NodePoolRollingSucceeded.json): its subscription and resource group.
const scope = { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'demo-spoke-networks' };
const clusterId = `/subscriptions/${scope.subscriptionId}/resourceGroups/demo-spoke-networks/providers/Microsoft.ContainerService/managedClusters/spoke1-aks`;

/** Microsoft's ResourceWriteSuccess sample, pointed at a managed cluster (topic: the resource group, subject: the ID). */
const clusterWrite = (over: Record<string, unknown> = {}) => ({
  ...writeSuccess[0]!, topic: `/subscriptions/${scope.subscriptionId}/resourceGroups/demo-spoke-networks`, subject: clusterId,
  data: { ...writeSuccess[0]!.data, resourceUri: clusterId, operationName: 'Microsoft.ContainerService/managedClusters/write' }, ...over,
});

/** The same rolling event in the CloudEvents 1.0 schema: the cluster ID moves to `source`. */
const cloudRolled = (over: Record<string, unknown> = {}) => ({
  specversion: '1.0', id: rolled.id, type: rolled.eventType, source: rolled.topic, subject: rolled.subject, time: rolled.eventTime, data: rolled.data, ...over,
});

describe('classifyClusterEvent: AKS system topic (topic = cluster ID, subject = cluster name)', () => {
  it('bootstraps the cluster of Microsoft\'s NodePoolRollingSucceeded sample, as delivered', () => {
    expect(classifyClusterEvent(rolled, scope)).toEqual({ kind: 'bootstrap', eventId: rolled.id, reason: 'node pool nodepool1 rolled', cluster: 'spoke1-aks' });
  });
  it('bootstraps on NodePoolRollingFailed too (nodes may have moved), but not on Started', () => {
    expect(classifyClusterEvent({ ...rolled, eventType: 'Microsoft.ContainerService.NodePoolRollingFailed' }, scope)).toMatchObject({ kind: 'bootstrap', cluster: 'spoke1-aks' });
    expect(classifyClusterEvent({ ...rolled, eventType: 'Microsoft.ContainerService.NodePoolRollingStarted' }, scope)).toMatchObject({ kind: 'ignored' });
  });
  it('reads the CloudEvents schema: source is the cluster ID', () => {
    expect(classifyClusterEvent(cloudRolled(), scope)).toEqual({ kind: 'bootstrap', eventId: rolled.id, reason: 'node pool nodepool1 rolled', cluster: 'spoke1-aks' });
  });
  it('ignores the old misreading: a resource ID in subject with a topic that is not the cluster', () => {
    expect(classifyClusterEvent({ ...rolled, topic: `/subscriptions/${scope.subscriptionId}/resourceGroups/demo-spoke-networks`, subject: clusterId }, scope)).toMatchObject({ kind: 'ignored' });
  });
  it('ignores a subject that names another cluster than the topic', () => {
    expect(classifyClusterEvent({ ...rolled, subject: 'spoke2-aks' }, scope)).toMatchObject({ kind: 'ignored', reason: 'subject does not name the cluster of the topic' });
  });
  it('ignores clusters outside the configured subscription or resource group (case-insensitive match otherwise)', () => {
    expect(classifyClusterEvent(rolled, { ...scope, subscriptionId: '11111111-1111-1111-1111-111111111111' })).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/outside the configured/) });
    expect(classifyClusterEvent(rolled, { ...scope, resourceGroup: 'other-rg' })).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/outside the configured/) });
    expect(classifyClusterEvent(rolled, { ...scope, resourceGroup: 'DEMO-SPOKE-NETWORKS' })).toMatchObject({ kind: 'bootstrap' });
    expect(classifyClusterEvent(cloudRolled({ source: clusterId.replace(scope.subscriptionId, '22222222-2222-2222-2222-222222222222') }), scope)).toMatchObject({ kind: 'ignored' });
  });
  it('ignores a topic that is not an AKS managed cluster', () => {
    expect(classifyClusterEvent({ ...rolled, topic: `/subscriptions/${scope.subscriptionId}/resourceGroups/demo-spoke-networks/providers/Microsoft.Storage/storageAccounts/spoke1-aks` }, scope)).toMatchObject({ kind: 'ignored' });
    expect(classifyClusterEvent({ ...rolled, topic: `${clusterId}/../../x` }, scope)).toMatchObject({ kind: 'ignored' });
  });
});

describe('classifyClusterEvent: resource group system topic (ResourceWriteSuccess)', () => {
  it('bootstraps on a managed cluster write from the configured resource group\'s (or subscription\'s) topic', () => {
    expect(classifyClusterEvent(clusterWrite(), scope)).toEqual({ kind: 'bootstrap', eventId: writeSuccess[0]!.id, reason: 'cluster written', cluster: 'spoke1-aks' });
    expect(classifyClusterEvent(clusterWrite({ topic: `/subscriptions/${scope.subscriptionId}` }), scope)).toMatchObject({ kind: 'bootstrap', cluster: 'spoke1-aks' });
    // The casing of `resourcegroups` varies between Azure's samples.
    expect(classifyClusterEvent(clusterWrite({ subject: clusterId.replace('resourceGroups', 'resourcegroups') }), scope)).toMatchObject({ kind: 'bootstrap' });
  });
  it('bootstraps the cluster of an agent pool write', () => {
    const pool = `${clusterId}/agentPools/nodepool2`;
    expect(classifyClusterEvent(clusterWrite({ subject: pool, data: { resourceUri: pool, operationName: 'Microsoft.ContainerService/managedClusters/agentPools/write' } }), scope))
      .toMatchObject({ kind: 'bootstrap', reason: 'agent pool nodepool2 written', cluster: 'spoke1-aks' });
  });
  it('ignores writes of other resources, as Microsoft\'s sample is', () => {
    expect(classifyClusterEvent({ ...writeSuccess[0]!, topic: `/subscriptions/${scope.subscriptionId}/resourceGroups/demo-spoke-networks` }, scope)).toMatchObject({ kind: 'ignored' });
  });
  it('ignores a cluster write from a topic outside the configured scope, even when the subject looks right', () => {
    expect(classifyClusterEvent(clusterWrite({ topic: `/subscriptions/${scope.subscriptionId}/resourceGroups/attacker` }), scope)).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/topic is outside/) });
    expect(classifyClusterEvent(clusterWrite({ topic: '/subscriptions/33333333-3333-3333-3333-333333333333' }), scope)).toMatchObject({ kind: 'ignored' });
    expect(classifyClusterEvent(clusterWrite({ topic: 'https://attacker.example/topic' }), scope)).toMatchObject({ kind: 'ignored' });
  });
  it('ignores an operation that is a cluster delete or something else', () => {
    expect(classifyClusterEvent(clusterWrite({ data: { resourceUri: clusterId, operationName: 'Microsoft.ContainerService/managedClusters/delete' } }), scope)).toMatchObject({ kind: 'ignored' });
  });
});

describe('classifyClusterEvent: malformed events are reported, never thrown', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'event'],
    ['an array', [rolled]],
    ['no id', { ...rolled, id: undefined }],
    ['no topic', { ...rolled, topic: undefined }],
    ['data not an object', { ...rolled, data: 'x' }],
    ['an oversize id', { ...rolled, id: 'x'.repeat(5000) }],
    ['a CloudEvent without source', cloudRolled({ source: undefined })],
    ['a CloudEvent of another spec version', cloudRolled({ specversion: '0.3' })],
  ])('%s', (_what, input) => {
    const verdict = classifyClusterEvent(input, scope);
    expect(verdict.kind).toBe('malformed');
    expect(verdict.reason.length).toBeLessThan(600);
  });
  it('names the bad field, and never echoes its value (claims and tokens stay out of the log)', () => {
    const verdict = classifyClusterEvent({ ...rolled, id: 42, data: 'Bearer eyJhbGciOi.secret' }, scope);
    expect(verdict).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/^id: .*data: /) });
    expect(verdict.reason).not.toMatch(/eyJ|secret|42/);
  });
});
