import { judgeClusterPeering } from '../../../lib/domain/bootstrap/cluster-peering';
import { bootstrapState, clusterView } from '../../../lib/domain/bootstrap/cluster-view';
import { routeServerConnectionName } from '../../../lib/domain/names';

const conn = (cluster: string, ip: string, state = 'Connected') => ({ name: routeServerConnectionName(cluster, ip), peerIp: ip, state });
const node = (name: string, ip: string, ready = true) => ({ name, ip, ready });

describe('judgeClusterPeering', () => {
  it('is in sync when exactly the reflectors peer with Route Server', () => {
    const p = judgeClusterPeering({ cluster: 'spoke1-aks', reflectors: [node('n1', '10.1.0.5'), node('n0', '10.1.0.4')], readyNodes: 3 }, [conn('spoke1-aks', '10.1.0.4'), conn('spoke1-aks', '10.1.0.5'), conn('spoke2-aks', '10.2.0.4')]);
    expect(p).toMatchObject({ problems: [], needsResync: false, stale: [] });
    expect(p.reflectors.map((r) => [r.name, r.connection?.state])).toEqual([['n0', 'Connected'], ['n1', 'Connected']]);
  });

  it('finds a cluster never bootstrapped', () => {
    const p = judgeClusterPeering({ cluster: 'spoke3-aks', reflectors: [], readyNodes: 3 }, [conn('spoke1-aks', '10.1.0.4')]);
    expect(p.problems).toEqual(['cluster spoke3-aks was never bootstrapped: no route reflector node and no Route Server connection']);
    expect(p.needsResync).toBe(true);
  });

  it('finds a reflector that is gone (its connection stale) and one too few reflectors', () => {
    const p = judgeClusterPeering({ cluster: 'spoke1-aks', reflectors: [node('n1', '10.1.0.5')], readyNodes: 3 }, [conn('spoke1-aks', '10.1.0.4'), conn('spoke1-aks', '10.1.0.5')]);
    expect(p.stale).toEqual([conn('spoke1-aks', '10.1.0.4')]);
    expect(p.problems).toEqual([
      'cluster spoke1-aks has 1 route reflector node; 2 wanted',
      `Route Server connection ${routeServerConnectionName('spoke1-aks', '10.1.0.4')} peers with 10.1.0.4, which is no longer a route reflector node of spoke1-aks`,
    ]);
    expect(p.needsResync).toBe(true);
  });

  it('finds a reflector without a connection, and a reflector that is not Ready', () => {
    const p = judgeClusterPeering({ cluster: 'spoke1-aks', reflectors: [node('n0', '10.1.0.4', false), node('n1', '10.1.0.5')], readyNodes: 2 }, [conn('spoke1-aks', '10.1.0.4')]);
    expect(p.problems).toEqual(['route reflector n0 (10.1.0.4) is not Ready', 'route reflector n1 (10.1.0.5) has no Route Server connection']);
  });

  it('wants no more reflectors than the cluster has Ready nodes; a connection still Connecting is not drift', () => {
    const p = judgeClusterPeering({ cluster: 'tiny', reflectors: [node('n0', '10.3.0.4')], readyNodes: 1 }, [conn('tiny', '10.3.0.4', 'Connecting')]);
    expect(p).toMatchObject({ problems: [], needsResync: false });
  });

  it('does not judge a cluster it could not read', () => {
    const p = judgeClusterPeering({ cluster: 'spoke1-aks', reflectors: [], readyNodes: 0, unreachable: 'connection refused' }, [conn('spoke1-aks', '10.1.0.4')]);
    expect(p).toMatchObject({ problems: ['cluster spoke1-aks unreachable: connection refused'], needsResync: false, unreachable: 'connection refused' });
  });
});

describe('clusterView (GET /api/clusters)', () => {
  const aks = { name: 'spoke1-aks', provisioningState: 'Succeeded', powerState: 'Running' };
  const gateway = { replicas: 2, prefixLength: 29 };

  it('counts the route budget over the tenants that may still advertise', () => {
    const view = clusterView({
      aks, reflectors: { cluster: 'spoke1-aks', reflectors: [node('n0', '10.1.0.4'), node('n1', '10.1.0.5')], readyNodes: 3 },
      connections: [conn('spoke1-aks', '10.1.0.4'), conn('spoke1-aks', '10.1.0.5')],
      bootstrap: { runtimeStatus: 'Completed', output: { phase: 'Ready' }, customStatus: { reason: 'cluster written' } },
      tenants: [
        { name: 'b', phase: 'Ready', cidr: '10.99.0.8/29', gateway },
        { name: 'a', phase: 'Failed', cidr: '10.99.0.0/29', gateway }, // kept its CIDR: may still advertise
        { name: 'c', phase: 'Deleted', gateway },
      ],
      routeBudgetPerPeer: 900,
    });
    expect(view).toMatchObject({
      bootstrap: { state: 'Ready', reason: 'cluster written' }, peering: { inSync: true, problems: [] },
      tenants: [{ name: 'a', phase: 'Failed', cidr: '10.99.0.0/29' }, { name: 'b', phase: 'Ready', cidr: '10.99.0.8/29' }, { name: 'c', phase: 'Deleted', cidr: null }],
      routeBudget: { routesPerPeer: 8, budgetPerPeer: 900, tenantsCounted: 2 },
    });
    expect(view.routeReflectors).toEqual([
      { name: 'n0', ip: '10.1.0.4', ready: true, routeServerConnection: { name: routeServerConnectionName('spoke1-aks', '10.1.0.4'), state: 'Connected' } },
      { name: 'n1', ip: '10.1.0.5', ready: true, routeServerConnection: { name: routeServerConnectionName('spoke1-aks', '10.1.0.5'), state: 'Connected' } },
    ]);
  });

  it('shows a stopped cluster as unreachable with AKS\'s reason, not read', () => {
    const view = clusterView({ aks: { ...aks, powerState: 'Stopped' }, reflectors: undefined, connections: [], bootstrap: undefined, tenants: [], routeBudgetPerPeer: 900 });
    expect(view).toMatchObject({ bootstrap: { state: 'NeverBootstrapped' }, unreachable: 'cluster spoke1-aks is stopped; start it first', routeReflectors: [] });
  });

  it('reads the bootstrap state from the task hub: running step, failure with its error, terminated', () => {
    expect(bootstrapState({ runtimeStatus: 'Running', customStatus: { step: 'checkCalicoPrerequisites' } })).toEqual({ state: 'Running', step: 'checkCalicoPrerequisites' });
    expect(bootstrapState({ runtimeStatus: 'Completed', output: { phase: 'Failed', error: 'cluster spoke2-aks does not serve …' } })).toEqual({ state: 'Failed', error: 'cluster spoke2-aks does not serve …' });
    expect(bootstrapState({ runtimeStatus: 'Terminated' })).toEqual({ state: 'Terminated' });
  });
});
