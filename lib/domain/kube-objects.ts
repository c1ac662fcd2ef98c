/**
 * Typed shapes of the Kubernetes / Calico objects egress-pilot renders. Only the fields we set are typed;
 * the authoritative schemas are the CRDs in ../shared/reference/crds/ (tests validate every object against them).
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject<Kind extends string = string, Spec = unknown> {
  apiVersion: string;
  kind: Kind;
  metadata: ObjectMeta;
  spec?: Spec;
}

export type Namespace = KubeObject<'Namespace', never>;

export type IPPool = KubeObject<
  'IPPool',
  {
    cidr: string;
    blockSize: number;
    nodeSelector: string;
    vxlanMode: 'Never' | 'Always' | 'CrossSubnet';
    ipipMode: 'Never' | 'Always' | 'CrossSubnet';
    natOutgoing: boolean;
    disableBGPExport: boolean;
  }
>;

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector: { matchLabels: Record<string, string> };
}

export type EgressGateway = KubeObject<
  'EgressGateway',
  {
    logSeverity: 'Fatal' | 'Error' | 'Warn' | 'Info' | 'Debug' | 'Trace';
    replicas: number;
    ipPools: Array<{ name: string }>;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        nodeSelector: Record<string, string>;
        topologySpreadConstraints: TopologySpreadConstraint[];
      };
    };
  }
>;

export interface EgressGatewayRule {
  description: string;
  destination?: { cidr: string };
  gateway?: { namespaceSelector: string; selector: string; maxNextHops?: number };
}
export type EgressGatewayPolicy = KubeObject<'EgressGatewayPolicy', { rules: EgressGatewayRule[] }>;

export type BGPConfiguration = KubeObject<'BGPConfiguration', { logSeverityScreen: string; nodeToNodeMeshEnabled: boolean; asNumber: number }>;

export type BGPPeer = KubeObject<
  'BGPPeer',
  {
    nodeSelector: string;
    peerSelector?: string;
    peerIP?: string;
    reachableBy?: string;
    asNumber?: number;
    keepOriginalNextHop?: boolean;
    filters?: string[];
  }
>;

export interface BGPFilterRuleV4 {
  action: 'Accept' | 'Reject';
  matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  cidr?: string;
}
export type BGPFilter = KubeObject<'BGPFilter', { exportV4: BGPFilterRuleV4[] }>;

export type FelixConfiguration = KubeObject<'FelixConfiguration', { egressIPSupport: 'Disabled' | 'EnabledPerNamespace' | 'EnabledPerNamespaceOrPerPod' }>;

/** A JSON merge patch for an object egress-pilot does not own (created by the operator or AKS). */
export interface MergePatch {
  target: { apiVersion: string; kind: string; name: string; namespace?: string };
  patch: Record<string, unknown>;
}

export const CALICO_API = 'projectcalico.org/v3';
export const OPERATOR_API = 'operator.tigera.io/v1';

/** Labels on every object egress-pilot creates, so drift checks and clean-up can find them. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'egress-pilot' } as const;
export const TENANT_LABEL = 'egress-pilot.io/tenant';
