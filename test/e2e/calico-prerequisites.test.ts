import { clusterWrittenEvent } from '../../local/sandbox/cluster-event';
import { awaitInstance } from '../../local/sandbox/await-instance';
import { deliverClusterEvents, useSandbox } from './support';

/**
 * A cluster running the open-source Tigera operator (sandbox option openSourceCalicoClusters): its
 * bootstrap stops at the prerequisite check, before any write, with a message naming the cluster and
 * what is missing; the Calico Enterprise cluster beside it is bootstrapped as usual.
 */
describe('cluster bootstrap on a cluster without Calico Enterprise', () => {
  const t = useSandbox({ openSourceCalicoClusters: ['spoke2-aks'] });

  const connections = async (cluster: string) => {
    const found: Array<{ name: string; state: string }> = [];
    for await (const c of t.cloud.network.virtualHubBgpConnections.list('demo-hub-network', 'hub-rs')) {
      if (c.name!.startsWith(`${cluster}-rr-`)) found.push({ name: c.name!, state: c.connectionState! });
    }
    return found;
  };

  it('fails the prerequisite step with what is missing and how to fix it; nothing is written', async () => {
    const event = clusterWrittenEvent(t.sandbox.arm.subscriptionId, 'demo-spoke-networks', 'spoke2-aks');
    expect((await deliverClusterEvents(t.sandbox, [event])).ok).toBe(true);
    const output = await awaitInstance<{ phase: string; error?: string }>(t.sandbox.host.baseUrl, t.sandbox.info.masterKey, 'cluster:spoke2-aks', 60_000);
    console.log(`bootstrap of spoke2-aks (open-source Tigera operator): ${output?.phase}: ${output?.error}`);
    expect(output?.phase).toBe('Failed');
    expect(output?.error).toBe(
      'cluster spoke2-aks does not serve operator.tigera.io/v1 EgressGateway, projectcalico.org/v3 EgressGatewayPolicy and Felix egress IP support (FelixConfiguration spec.egressIPSupport): '
      + 'egress gateways need Calico Enterprise or Calico Cloud; the open-source Tigera operator is installed (tigerastatus calico, apiserver Available, no Enterprise kinds). '
      + 'To fix: install Calico Enterprise (Tigera operator with license key and image pull secret) or join the cluster to Calico Cloud (infra/calico), then POST /api/clusters/spoke2-aks/bootstrap',
    );
    // Checked before the first write: no route reflector labelled, no BGP configuration, no peering.
    const spoke2 = t.sandbox.kube.clusters.get('spoke2-aks')!.store;
    const objects = spoke2.snapshot().objects;
    expect(objects['bgpconfigurations.projectcalico.org'] ?? []).toEqual([]);
    expect((objects.nodes ?? []).filter((n) => (n.metadata as { labels?: Record<string, string> }).labels?.['route-reflector'] === 'true')).toEqual([]);
    expect(await connections('spoke2-aks')).toEqual([]);
  }, 90_000);

  it('leaves the Calico Enterprise cluster bootstrapped and peered', async () => {
    const spoke1 = await connections('spoke1-aks');
    expect(spoke1).toHaveLength(2);
    expect(spoke1.every((c) => c.state === 'Connected')).toBe(true);
    const output = await awaitInstance<{ phase: string }>(t.sandbox.host.baseUrl, t.sandbox.info.masterKey, 'cluster:spoke1-aks', 10_000);
    expect(output?.phase).toBe('Ready');
  });
});
