import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { TokenCredential } from '@azure/core-auth';
import { NetworkManagementClient } from '@azure/arm-network';
import { clusterObjectsInApplyOrder, renderClusterManifests } from '../../lib/domain/calico-manifests';

/**
 * Stands in for the cluster bootstrap (Event Grid: AKS cluster created) until the app has one: it
 * does what the reference walkthrough's step 3 does by hand, through the real clients, using the
 * cluster manifests of lib/domain: label the first two nodes as route reflectors, apply the BGP
 * set-up, stop exporting the default pod pool, and peer Route Server with each route reflector.
 */
export interface BootstrapInput {
  cluster: string;
  kubeconfig: KubeConfig;
  arm: { endpoint: string; subscriptionId: string; caCertPem: string; credential: TokenCredential };
  routeServer: { resourceGroup: string; name: string };
  calicoAsn: number;
  subnetGateway: string;
  egressSupernet: string;
  routeReflectors?: number;
}

export async function bootstrapCluster(input: BootstrapInput): Promise<{ routeReflectorIps: string[]; connections: string[] }> {
  const core = input.kubeconfig.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(input.kubeconfig);
  const network = new NetworkManagementClient(input.arm.credential, input.arm.subscriptionId, { endpoint: input.arm.endpoint, tlsOptions: { ca: input.arm.caCertPem } });
  const hub = await network.virtualHubs.get(input.routeServer.resourceGroup, input.routeServer.name);
  const ips = hub.virtualRouterIps ?? [];
  if (ips.length !== 2) throw new Error(`Route Server ${input.routeServer.name} has ${ips.length} instance IPs, expected 2`);

  const nodes = (await core.listNode()).items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const reflectors = nodes.slice(0, input.routeReflectors ?? 2);
  for (const node of reflectors) {
    await objects.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata!.name!, labels: { 'route-reflector': 'true' } } },
      undefined, undefined, 'egress-pilot-sandbox', undefined, PatchStrategy.MergePatch);
  }
  const manifests = renderClusterManifests({
    calicoAsn: input.calicoAsn, routeServerAsn: hub.virtualRouterAsn ?? 65515, routeServerIps: [ips[0]!, ips[1]!],
    subnetGateway: input.subnetGateway, egressSupernet: input.egressSupernet,
  });
  for (const o of clusterObjectsInApplyOrder(manifests)) {
    await objects.patch(o as KubernetesObject, undefined, undefined, 'egress-pilot', true, PatchStrategy.ServerSideApply);
  }
  const target = manifests.defaultPoolPatch.target;
  await objects.patch({ apiVersion: target.apiVersion, kind: target.kind, metadata: { name: target.name }, ...manifests.defaultPoolPatch.patch } as KubernetesObject,
    undefined, undefined, 'egress-pilot', undefined, PatchStrategy.MergePatch);

  const reflectorIps = reflectors.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).filter((ip): ip is string => !!ip);
  const connections: string[] = [];
  for (const [i, ip] of reflectorIps.entries()) {
    const name = `${input.cluster}-rr-${i + 1}`;
    await network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(input.routeServer.resourceGroup, input.routeServer.name, name,
      { peerIp: ip, peerAsn: input.calicoAsn }, { updateIntervalInMs: 50 });
    connections.push(name);
  }
  // Sessions come up once the twin's route reflectors peer back; wait so the sandbox starts usable.
  for (let attempt = 0; attempt < 100; attempt++) {
    const states = await Promise.all(connections.map((c) => network.virtualHubBgpConnection.get(input.routeServer.resourceGroup, input.routeServer.name, c)));
    if (states.every((s) => s.connectionState === 'Connected')) return { routeReflectorIps: reflectorIps, connections };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`BGP sessions of ${input.cluster} did not reach Connected`);
}
