/**
 * One tenant's Azure Firewall Policy filter rule collections (Allow), typed with @azure/arm-network's models
 * (the SDK's flattened form: no `properties` wrappers). Every rule's only source is the tenant CIDR: that source
 * address is the tenant's identity at the firewall.
 * A filter rule collection holds ONE rule type (reference/azure/NOTES.md §4), so application rules and network
 * rules go to two collections: `tenant-<cluster>.<name>-app` and `-net`.
 * Priorities are left at 0 here; packing (firewall-packing.ts) assigns them within a group.
 */
import type { ApplicationRule, FirewallPolicyFilterRuleCollection, NetworkRule } from '@azure/arm-network';
import { parseApplicationProtocol, parseDestination, parseNetworkProtocol } from './allowlist-syntax';
import { parseIpv4Cidr } from './ipv4';
import { tenantNames } from './names';
import type { TenantSpec } from './tenant-spec';

/** A filter collection as egress-pilot writes it: always named, prioritised and holding rules of one type. */
export type TenantRuleCollection = Omit<FirewallPolicyFilterRuleCollection, 'name' | 'priority' | 'rules'> & {
  name: string;
  priority: number;
  rules: ApplicationRule[] | NetworkRule[];
};

export interface TenantFirewallInput {
  spec: Pick<TenantSpec, 'name' | 'cluster' | 'allow'>;
  /** The tenant's allocated CIDR: the source of every rule. */
  cidr: string;
}

const must = <T>(parsed: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!parsed.ok) throw new Error(`invalid allowlist entry (validate the spec first): ${parsed.reason}`);
  return parsed.value;
};

function applicationRules(input: TenantFirewallInput): ApplicationRule[] {
  return input.spec.allow.applications.map((rule) => ({
    ruleType: 'ApplicationRule',
    name: rule.name,
    sourceAddresses: [input.cidr],
    protocols: rule.protocols.map((text) => must(parseApplicationProtocol(text))),
    targetFqdns: [...rule.fqdns],
  }));
}

/**
 * Network rules. A rule naming both addresses and FQDNs is split in two (`<name>` and `<name>.fqdns`) because the
 * portal models a rule's destination as one type; `.` cannot occur in a spec rule name, so names stay unique.
 * FQDN destinations in network rules need the firewall's DNS proxy enabled (a policy setting, not ours).
 */
function networkRules(input: TenantFirewallInput): NetworkRule[] {
  return input.spec.allow.networks.flatMap((rule) => {
    const destinations = rule.destinations.map((text) => must(parseDestination(text)));
    const addresses = destinations.filter((d) => d.kind !== 'fqdn').map((d) => d.text);
    const fqdns = destinations.filter((d) => d.kind === 'fqdn').map((d) => d.text);
    const common = {
      ruleType: 'NetworkRule' as const,
      sourceAddresses: [input.cidr],
      ipProtocols: rule.protocols.map((text) => must(parseNetworkProtocol(text))),
      destinationPorts: [...rule.ports],
    };
    const out: NetworkRule[] = [];
    if (addresses.length > 0) out.push({ ...common, name: rule.name, destinationAddresses: addresses });
    if (fqdns.length > 0) out.push({ ...common, name: addresses.length > 0 ? `${rule.name}.fqdns` : rule.name, destinationFqdns: fqdns });
    return out;
  });
}

/** 0, 1 or 2 collections (application, network), in that order; empty allowlists produce no collection. */
export function renderTenantRuleCollections(input: TenantFirewallInput): TenantRuleCollection[] {
  if (!parseIpv4Cidr(input.cidr)) throw new Error(`cidr: "${input.cidr}" is not an aligned IPv4 CIDR`);
  const names = tenantNames(input.spec);
  const collection = (name: string, rules: ApplicationRule[] | NetworkRule[]): TenantRuleCollection => ({
    ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
    name,
    priority: 0,
    action: { type: 'Allow' },
    rules,
  });
  const out: TenantRuleCollection[] = [];
  const apps = applicationRules(input);
  if (apps.length > 0) out.push(collection(names.firewallApplicationCollection, apps));
  const nets = networkRules(input);
  if (nets.length > 0) out.push(collection(names.firewallNetworkCollection, nets));
  return out;
}

/** Azure's "sources × destinations" count for network rules (limit 20,000 per policy); FQDNs count one each. */
export function networkRulePairs(collections: ReadonlyArray<TenantRuleCollection>): number {
  let pairs = 0;
  for (const collection of collections)
    for (const rule of collection.rules)
      if (rule.ruleType === 'NetworkRule') {
        const sources = (rule.sourceAddresses?.length ?? 0) + (rule.sourceIpGroups?.length ?? 0);
        const destinations = (rule.destinationAddresses?.length ?? 0) + (rule.destinationFqdns?.length ?? 0) + (rule.destinationIpGroups?.length ?? 0);
        pairs += sources * destinations;
      }
  return pairs;
}
