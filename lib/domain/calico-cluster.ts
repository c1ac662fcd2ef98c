/**
 * Renders the per-cluster Calico BGP set-up (reference walkthrough step 3 and the "disable default pool export"
 * and BGPFilter steps): BGPConfiguration, the route-reflector peering, one BGPPeer per Route Server instance,
 * Felix egress IP support, the default pool's disableBGPExport, and a BGPFilter that exports only the supernet.
 */
import { parseIpv4Address, parseIpv4Cidr } from './ipv4';
import {
  CALICO_API,
  MANAGED_BY,
  type BGPConfiguration,
  type BGPFilter,
  type BGPPeer,
  type FelixConfiguration,
  type MergePatch,
} from './kube-objects';
import { clusterObjectNames as N } from './names';

export interface ClusterBgpInput {
  /** CALICO_ASN (63400 in the reference). */
  calicoAsn: number;
  /** ROUTE_SERVER_ASN (65515, fixed by Azure). */
  routeServerAsn: number;
  /** The Route Server's two instance IPs (`virtualRouterIps`), e.g. 10.0.1.4 and 10.0.1.5. */
  routeServerIps: readonly [string, string];
  /** The AKS subnet's gateway (first host of the subnet, e.g. 10.1.0.1): the next hop towards Route Server. */
  subnetGateway: string;
  /** EGRESS_SUPERNET: the only prefix range exported to Route Server. */
  egressSupernet: string;
}

export interface ClusterManifests {
  bgpConfiguration: BGPConfiguration;
  routeReflectorPeer: BGPPeer;
  routeServerPeers: [BGPPeer, BGPPeer];
  exportFilter: BGPFilter;
  /** Server-side apply of just this field: FelixConfiguration "default" exists already (created by the operator). */
  felixConfiguration: FelixConfiguration;
  /** The default pod pool is the operator's: patch it, never own it. */
  defaultPoolPatch: MergePatch;
}

function checkInput(input: ClusterBgpInput): void {
  const problems: string[] = [];
  input.routeServerIps.forEach((ip, i) => {
    if (parseIpv4Address(ip) === undefined) problems.push(`routeServerIps[${i}]: "${ip}" is not an IPv4 address`);
  });
  if (input.routeServerIps[0] === input.routeServerIps[1]) problems.push('routeServerIps: the two instances must differ');
  if (parseIpv4Address(input.subnetGateway) === undefined) problems.push(`subnetGateway: "${input.subnetGateway}" is not an IPv4 address`);
  if (!parseIpv4Cidr(input.egressSupernet)) problems.push(`egressSupernet: "${input.egressSupernet}" is not an aligned IPv4 CIDR`);
  if (input.calicoAsn === input.routeServerAsn) problems.push('calicoAsn: must differ from routeServerAsn (eBGP)');
  if (problems.length > 0) throw new Error(problems.join('; '));
}

const routeReflectors = `${N.routeReflectorLabel.key} == '${N.routeReflectorLabel.value}'`;

export function renderClusterManifests(input: ClusterBgpInput): ClusterManifests {
  checkInput(input);
  const labels = { ...MANAGED_BY };
  const routeServerPeer = (name: string, peerIP: string): BGPPeer => ({
    apiVersion: CALICO_API,
    kind: 'BGPPeer',
    metadata: { name, labels },
    spec: {
      peerIP,
      reachableBy: input.subnetGateway,
      asNumber: input.routeServerAsn,
      // Route Server must see the gateway pod's node as next hop, not the reflector's.
      keepOriginalNextHop: true,
      nodeSelector: routeReflectors,
      filters: [N.exportFilter],
    },
  });
  return {
    bgpConfiguration: {
      apiVersion: CALICO_API,
      kind: 'BGPConfiguration',
      metadata: { name: N.bgpConfiguration, labels },
      spec: { logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false, asNumber: input.calicoAsn },
    },
    routeReflectorPeer: {
      apiVersion: CALICO_API,
      kind: 'BGPPeer',
      metadata: { name: N.routeReflectorPeer, labels },
      spec: { nodeSelector: 'all()', peerSelector: routeReflectors },
    },
    routeServerPeers: [routeServerPeer(N.routeServerPeers[0], input.routeServerIps[0]), routeServerPeer(N.routeServerPeers[1], input.routeServerIps[1])],
    exportFilter: {
      apiVersion: CALICO_API,
      kind: 'BGPFilter',
      metadata: { name: N.exportFilter, labels },
      // Reject anything not inside the supernet; routes inside it (the tenants' /31s) fall through and are exported.
      spec: { exportV4: [{ action: 'Reject', matchOperator: 'NotIn', cidr: input.egressSupernet }] },
    },
    felixConfiguration: {
      apiVersion: CALICO_API,
      kind: 'FelixConfiguration',
      metadata: { name: N.felixConfiguration },
      spec: { egressIPSupport: 'EnabledPerNamespaceOrPerPod' },
    },
    defaultPoolPatch: {
      target: { apiVersion: CALICO_API, kind: 'IPPool', name: N.defaultIpPool },
      patch: { spec: { disableBGPExport: true } },
    },
  };
}

/** Objects egress-pilot owns on a cluster, in apply order (the filter before the peers that reference it). */
export const clusterObjectsInApplyOrder = (m: ClusterManifests) => [
  m.bgpConfiguration,
  m.exportFilter,
  m.routeReflectorPeer,
  ...m.routeServerPeers,
  m.felixConfiguration,
];
