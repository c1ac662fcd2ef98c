import { clusterUsability } from '../../../lib/domain/bootstrap/aks-state';
import { classifyClusterEvent } from '../../../lib/domain/bootstrap/cluster-events';
import { chooseRouteReflectors, planRouteServerConnections, subnetGateway } from '../../../lib/domain/bootstrap/route-reflectors';
import writeSuccess from '../../../../shared/reference/azure/examples/eventgrid/ResourceWriteSuccess.json';

const clusterId = '/subscriptions/5f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f/resourceGroups/demo-spoke-networks/providers/Microsoft.ContainerService/managedClusters/spoke1-aks';

describe('classifyClusterEvent', () => {
  it('bootstraps on a managed cluster write (the official event shape, pointed at a cluster)', () => {
    const event = { ...writeSuccess[0]!, subject: clusterId, data: { ...writeSuccess[0]!.data, resourceUri: clusterId, operationName: 'Microsoft.ContainerService/managedClusters/write' } };
    expect(classifyClusterEvent(event)).toEqual({ kind: 'bootstrap', reason: 'cluster written', subscriptionId: '5f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f', resourceGroup: 'demo-spoke-networks', cluster: 'spoke1-aks' });
  });
  it('ignores writes of other resources, as the official example is', () => {
    expect(classifyClusterEvent(writeSuccess[0])).toMatchObject({ kind: 'ignored' });
  });
  it('bootstraps after a node pool roll, and refuses a malformed event naming the field', () => {
    expect(classifyClusterEvent({ id: '1', eventType: 'Microsoft.ContainerService.NodePoolRollingSucceeded', subject: clusterId, data: { nodePoolName: 'nodepool1' } }))
      .toMatchObject({ kind: 'bootstrap', reason: 'node pool nodepool1 rolled', cluster: 'spoke1-aks' });
    expect(() => classifyClusterEvent({ eventType: 'x', subject: 's' })).toThrow(/id:/);
  });
});

describe('route reflectors', () => {
  const node = (name: string, zone: string, over: Partial<{ ready: boolean; reflector: boolean }> = {}) => ({ name, ip: `10.1.0.${name.slice(-1)}`, zone, ready: true, reflector: false, ...over });
  it('keeps current reflectors, then fills from uncovered zones', () => {
    const chosen = chooseRouteReflectors([node('n4', '1'), node('n5', '1'), node('n6', '2'), node('n7', '3', { reflector: true })]);
    expect(chosen.map((n) => n.name)).toEqual(['n7', 'n4']);
    expect(chooseRouteReflectors([node('n4', '1'), node('n5', '1'), node('n6', '2')]).map((n) => n.name)).toEqual(['n4', 'n6']);
  });
  it('never picks a node that is not ready', () => {
    expect(chooseRouteReflectors([node('n4', '1', { ready: false, reflector: true }), node('n5', '2')]).map((n) => n.name)).toEqual(['n5']);
  });
  it('computes the subnet gateway Azure uses', () => {
    expect(subnetGateway('10.1.0.0/24')).toBe('10.1.0.1');
    expect(() => subnetGateway('10.1.0.0/31')).toThrow(/subnet/);
  });
  it('plans Route Server connections: creates the missing, removes only this cluster\'s stale ones', () => {
    const plan = planRouteServerConnections('spoke1', ['10.1.0.4', '10.1.0.6'], [
      { name: 'spoke1-rr-10-1-0-4', peerIp: '10.1.0.4' },
      { name: 'spoke1-rr-10-1-0-5', peerIp: '10.1.0.5' },
      { name: 'spoke1-aks-rr-10-1-0-9', peerIp: '10.1.0.9' },
      { name: 'manual-nva', peerIp: '10.2.0.4' },
    ]);
    expect(plan.create).toEqual([{ name: 'spoke1-rr-10-1-0-6', peerIp: '10.1.0.6' }]);
    expect(plan.remove).toEqual(['spoke1-rr-10-1-0-5']);
  });
});

describe('clusterUsability', () => {
  it('is usable only at Succeeded and running; waits through transitions; gives up on Failed, Canceled or stopped', () => {
    expect(clusterUsability('c', 'Succeeded', 'Running')).toEqual({ kind: 'usable' });
    expect(clusterUsability('c', 'Upgrading', 'Running')).toEqual({ kind: 'wait', reason: 'cluster c is Upgrading; waiting for Succeeded' });
    expect(clusterUsability('c', undefined, undefined)).toMatchObject({ kind: 'wait' });
    expect(clusterUsability('c', 'Failed', 'Running')).toEqual({ kind: 'unusable', reason: 'cluster c is Failed' });
    expect(clusterUsability('c', 'Succeeded', 'Stopped')).toMatchObject({ kind: 'unusable' });
  });
});
