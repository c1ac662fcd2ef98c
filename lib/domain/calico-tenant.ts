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
import type { SteeringRule, TenantSpec } from './tenant-spec';

export interface TenantManifestInput {
  /** `gateway.steering` chooses the namespace annotations and the policy's rules (tenant-spec.ts). */
  spec: Pick<TenantSpec, 'name' | 'cluster' | 'namespaces' | 'gateway'>;
  /** The tenant's allocated CIDR; its prefix length must equal spec.gateway.prefixLength. */
  cidr: string;
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

  const gatewayRef = { namespaceSelector, selector };
  const steering = spec.gateway.steering ?? { mode: 'namespace' };
  const rules = steering.mode === 'policy' ? steering.rules : [];
  const badRules = rules.filter((rule) => !parseIpv4Cidr(rule.destination));
  if (badRules.length > 0) throw new Error(`gateway.steering.rules: not aligned IPv4 CIDRs: ${badRules.map((r) => r.destination).join(', ')}`);
  const annotations: Record<string, string> =
    steering.mode === 'policy'
      ? { 'egress.projectcalico.org/egressGatewayPolicy': names.egressGatewayPolicy }
      : { 'egress.projectcalico.org/namespaceSelector': namespaceSelector, 'egress.projectcalico.org/selector': selector };
  // What no rule names goes through the gateway: the tenant's source is the product, direct is the exception.
  const coversEverything = rules.some((rule) => rule.destination === '0.0.0.0/0');
  const policyRules: EgressGatewayRule[] = [
    ...rules.map((rule) => policyRule(rule, spec.name, gatewayRef)),
    ...(coversEverything ? [] : [{ description: `Tenant ${spec.name}: everything else via its gateway`, gateway: gatewayRef }]),
  ];

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
      spec: { rules: policyRules },
    },
    namespaceAnnotations: spec.namespaces.map((namespace) => ({ namespace, annotations })),
  };
}

/** One steering rule as Calico writes it: no `gateway` means routed normally (the walkthrough's "Local: no gateway"). */
function policyRule(rule: SteeringRule, tenant: string, gateway: { namespaceSelector: string; selector: string }): EgressGatewayRule {
  return rule.via === 'direct'
    ? { description: `Direct: no gateway (${rule.destination})`, destination: { cidr: rule.destination } }
    : { description: `Tenant ${tenant}: ${rule.destination} via its gateway`, destination: { cidr: rule.destination }, gateway };
}

/** The tenant's own objects in apply order (namespace first; the pool before the gateway that uses it). */
export const tenantObjectsInApplyOrder = (m: TenantManifests) => [m.namespace, m.ipPool, m.egressGateway, m.egressGatewayPolicy];
