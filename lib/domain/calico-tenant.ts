/**
 * Renders one tenant's Calico objects (reference walkthrough step 3): the gateway Namespace, the IPPool carved
 * from the egress supernet, the EgressGateway (operator.tigera.io/v1, spread over zones), an EgressGatewayPolicy,
 * and the annotations that send the tenant's application namespaces through the gateway.
 */
import { tenantPoolProblems, GATEWAY_BLOCK_SIZE } from './ippool-rules';
import { parseIpv4Cidr } from './ipv4';
import {
  CALICO_API,
  MANAGED_BY,
  OPERATOR_API,
  TENANT_LABEL,
  type EgressGateway,
  type EgressGatewayPolicy,
  type EgressGatewayRule,
  type IPPool,
  type Namespace,
} from './kube-objects';
import { tenantNames } from './names';
import type { TenantSpec } from './tenant-spec';

/**
 * How application namespaces are steered:
 * - "selectors" (the walkthrough): `egress.projectcalico.org/namespaceSelector` + `selector` annotations;
 * - "policy": `egress.projectcalico.org/egressGatewayPolicy: <policy>` so `bypassCidrs` skip the gateway.
 */
export type Steering = 'selectors' | 'policy';

export interface TenantManifestInput {
  spec: Pick<TenantSpec, 'name' | 'cluster' | 'namespaces' | 'gateway'>;
  /** The tenant's allocated CIDR; its prefix length must equal spec.gateway.prefixLength. */
  cidr: string;
  steering?: Steering;
  /** Destinations reached without the gateway when steering is "policy" (e.g. in-cluster ranges). */
  bypassCidrs?: string[];
}

export interface NamespaceAnnotations {
  namespace: string;
  annotations: Record<string, string>;
}

export interface TenantManifests {
  namespace: Namespace;
  ipPool: IPPool;
  egressGateway: EgressGateway;
  egressGatewayPolicy: EgressGatewayPolicy;
  /** Merge into each application namespace (the namespaces are the application's, not ours). */
  namespaceAnnotations: NamespaceAnnotations[];
}

/** Every annotation key egress-pilot may set on an application namespace (removed on off-boarding). */
export const EGRESS_ANNOTATION_KEYS = [
  'egress.projectcalico.org/namespaceSelector',
  'egress.projectcalico.org/selector',
  'egress.projectcalico.org/egressGatewayPolicy',
] as const;

export function renderTenantManifests(input: TenantManifestInput): TenantManifests {
  const { spec, cidr } = input;
  const pool = parseIpv4Cidr(cidr);
  if (!pool) throw new Error(`cidr: "${cidr}" is not an aligned IPv4 CIDR`);
  if (pool.length !== spec.gateway.prefixLength)
    throw new Error(`cidr: ${cidr} does not match gateway.prefixLength /${spec.gateway.prefixLength}`);
  const problems = tenantPoolProblems(cidr, GATEWAY_BLOCK_SIZE, spec.gateway.replicas);
  if (problems.length > 0) throw new Error(`cidr: ${problems.join('; ')}`);

  const names = tenantNames(spec);
  const labels = { ...MANAGED_BY, [TENANT_LABEL]: spec.name };
  const podLabels = { [names.gatewayLabel.key]: names.gatewayLabel.value };
  const namespaceSelector = `projectcalico.org/name == '${names.namespace}'`;
  const selector = `${names.gatewayLabel.key} == '${names.gatewayLabel.value}'`;

  // Calico matches policy rules by longest prefix, and refuses the same destination twice.
  const bypassCidrs = [...new Set(input.bypassCidrs ?? [])];
  const badBypass = bypassCidrs.filter((text) => !parseIpv4Cidr(text));
  if (badBypass.length > 0) throw new Error(`bypassCidrs: not aligned IPv4 CIDRs: ${badBypass.join(', ')}`);
  const bypass: EgressGatewayRule[] = bypassCidrs.map((bypassCidr) => ({
    description: `Local: no gateway (${bypassCidr})`,
    destination: { cidr: bypassCidr },
  }));
  const steering = input.steering ?? 'selectors';
  const annotations: Record<string, string> =
    steering === 'policy'
      ? { 'egress.projectcalico.org/egressGatewayPolicy': names.egressGatewayPolicy }
      : { 'egress.projectcalico.org/namespaceSelector': namespaceSelector, 'egress.projectcalico.org/selector': selector };

  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: names.namespace, labels } },
    ipPool: {
      apiVersion: CALICO_API,
      kind: 'IPPool',
      metadata: { name: names.ipPool, labels },
      spec: {
        cidr,
        blockSize: GATEWAY_BLOCK_SIZE,
        // No node may take addresses from this pool for ordinary pods; only the EgressGateway asks for it by name.
        nodeSelector: '!all()',
        vxlanMode: 'Never',
        ipipMode: 'Never',
        // The gateway address IS the tenant's identity at the firewall: never masquerade it.
        natOutgoing: false,
        disableBGPExport: false,
      },
    },
    egressGateway: {
      apiVersion: OPERATOR_API,
      kind: 'EgressGateway',
      metadata: { name: names.egressGateway, namespace: names.namespace, labels },
      spec: {
        logSeverity: 'Info',
        replicas: spec.gateway.replicas,
        ipPools: [{ name: names.ipPool }],
        template: {
          metadata: { labels: podLabels },
          spec: {
            terminationGracePeriodSeconds: 0,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: podLabels } },
            ],
          },
        },
      },
    },
    egressGatewayPolicy: {
      apiVersion: CALICO_API,
      kind: 'EgressGatewayPolicy',
      metadata: { name: names.egressGatewayPolicy, labels },
      spec: {
        rules: [...bypass, { description: `Tenant ${spec.name}: everything else via its gateway`, gateway: { namespaceSelector, selector } }],
      },
    },
    namespaceAnnotations: spec.namespaces.map((namespace) => ({ namespace, annotations })),
  };
}

/** The tenant's own objects in apply order (namespace first; the pool before the gateway that uses it). */
export const tenantObjectsInApplyOrder = (m: TenantManifests) => [m.namespace, m.ipPool, m.egressGateway, m.egressGatewayPolicy];
