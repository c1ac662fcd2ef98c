/**
 * How a probe pod's connection leaves the cluster, as Calico's egress gateway datapath would send it. Pure:
 * the namespace, its steering, the gateway pods and Felix's setting in, the source address out.
 * - Felix `egressIPSupport` must be `EnabledPerNamespace` or `EnabledPerNamespaceOrPerPod`, else annotations are ignored;
 * - `egress.projectcalico.org/namespaceSelector` + `selector`: every destination through the selected gateway;
 * - `egress.projectcalico.org/egressGatewayPolicy: <name>`: the policy's first rule whose destination contains the
 *   address (no destination = 0.0.0.0/0) decides: with a `gateway`, through it; without, routed normally;
 * - routed normally = the default pool masquerades (natOutgoing): the node's address;
 * - steered but no Running gateway pod: Calico drops the traffic (fail closed).
 */
import { parseCalicoSelector } from '../calico-twin/selector';

export interface GatewayPod { namespace: string; name: string; labels: Record<string, string>; ip: string; running: boolean }
export interface PolicyRule { cidr?: string; gateway?: { namespaceSelector?: string; selector?: string } }

export interface DatapathInput {
  felixEgressIpSupport: string | undefined;
  namespaceAnnotations: Record<string, string>;
  /** Labels of every namespace (for the namespaceSelector; Calico adds `projectcalico.org/name`). */
  namespaceLabels: Record<string, Record<string, string>>;
  /** Every pod that could be a gateway (Running or not). */
  gatewayPods: GatewayPod[];
  policy: (name: string) => PolicyRule[] | undefined;
  nodeIp: string;
}

export type Route =
  | { via: 'gateway'; source: string; gateway: string }
  | { via: 'node'; source: string; reason: string }
  | { via: 'none'; reason: string };

export function ipNumber(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function cidrContains(cidr: string, address: string): boolean {
  const [base, bits] = cidr.split('/');
  const start = ipNumber(base ?? '');
  const ip = ipNumber(address);
  const length = Number(bits ?? '32');
  if (start === undefined || ip === undefined || !Number.isInteger(length) || length < 0 || length > 32) return false;
  const size = 2 ** (32 - length);
  return ip >= Math.floor(start / size) * size && ip < Math.floor(start / size) * size + size;
}

function throughGateway(input: DatapathInput, selectors: { namespaceSelector?: string; selector?: string }): Route {
  let byNamespace: ReturnType<typeof parseCalicoSelector>;
  let byPod: ReturnType<typeof parseCalicoSelector>;
  try {
    byNamespace = parseCalicoSelector(selectors.namespaceSelector ?? 'all()');
    byPod = parseCalicoSelector(selectors.selector ?? 'all()');
  } catch (error) {
    return { via: 'none', reason: `egress selector does not parse (${(error as Error).message}): Calico drops the traffic` };
  }
  const chosen = input.gatewayPods
    .filter((p) => p.running && p.ip !== '')
    .filter((p) => byNamespace({ ...(input.namespaceLabels[p.namespace] ?? {}), 'projectcalico.org/name': p.namespace }) && byPod(p.labels))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))[0];
  return chosen
    ? { via: 'gateway', source: chosen.ip, gateway: `${chosen.namespace}/${chosen.name}` }
    : { via: 'none', reason: `steered to a gateway (${selectors.selector ?? 'all()'}) with no Running pod: Calico drops the traffic` };
}

/** The source address the first hop outside the cluster sees for a connection to `destinationIp`. */
export function routeFor(input: DatapathInput, destinationIp: string): Route {
  const node = (reason: string): Route => ({ via: 'node', source: input.nodeIp, reason });
  if (input.felixEgressIpSupport !== 'EnabledPerNamespace' && input.felixEgressIpSupport !== 'EnabledPerNamespaceOrPerPod')
    return node(`Felix egressIPSupport is ${input.felixEgressIpSupport ?? 'Disabled'}: egress annotations are ignored`);
  const a = input.namespaceAnnotations;
  const policyName = a['egress.projectcalico.org/egressGatewayPolicy'];
  if (policyName !== undefined) {
    const rules = input.policy(policyName);
    if (!rules) return { via: 'none', reason: `EgressGatewayPolicy ${policyName} does not exist: Calico drops the traffic` };
    const rule = rules.find((r) => cidrContains(r.cidr ?? '0.0.0.0/0', destinationIp));
    if (!rule) return node(`no rule of EgressGatewayPolicy ${policyName} matches ${destinationIp}`);
    if (!rule.gateway) return node(`EgressGatewayPolicy ${policyName}: ${rule.cidr ?? '0.0.0.0/0'} is routed without a gateway`);
    return throughGateway(input, rule.gateway);
  }
  const namespaceSelector = a['egress.projectcalico.org/namespaceSelector'];
  const selector = a['egress.projectcalico.org/selector'];
  if (namespaceSelector === undefined && selector === undefined) return node('the namespace is not steered to an egress gateway');
  return throughGateway(input, { ...(namespaceSelector !== undefined ? { namespaceSelector } : {}), ...(selector !== undefined ? { selector } : {}) });
}
