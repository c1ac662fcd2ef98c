/**
 * The firewall decision twin: how Azure Firewall decides one outbound connection from a Firewall Policy's rule
 * collection groups (learn.microsoft.com/azure/firewall/rule-processing, "Rule processing using Firewall Policy"):
 * - every NETWORK rule collection first, then every APPLICATION rule collection, whatever the group priorities
 *   ("application rules are always processed after network rules ... regardless of rule collection group or rule
 *   collection priority");
 * - within each rule type: groups by priority (lowest number first), within a group collections by priority,
 *   within a collection rules in order; rules are terminating: the first match decides (Allow or Deny);
 * - application rules only see HTTP (Host header) and TLS (SNI) connections; anything else that no network rule
 *   matches, and anything no rule matches at all, is denied by default;
 * - a denied HTTP request is answered `470` with the firewall's text, a denied TLS handshake is reset; a connection
 *   denied by a network rule (or the default, outside HTTP/TLS) is dropped.
 * Pure: groups and connection in, decision out.
 *
 * LIMITATIONS (not modelled): DNAT rules (inbound only here), threat intelligence filtering (evaluated before all
 * rules in Azure), TLS inspection and `targetUrls` / `terminateTLS`, FQDN tags, web categories, service tags and IP
 * Groups (a rule naming them never matches here), the infrastructure rule collection, parent/child policies,
 * Mssql application rules, DNS proxy resolution (a network rule's `destinationFqdns` is compared with the name the
 * client connected to). The body of a 470 for an explicit Deny rule is UNVERIFIED (the default-deny text is the one
 * the walkthrough shows).
 */

export interface FirewallConnection {
  /** The address the firewall sees as source (a gateway pod IP, or a node IP when not steered). */
  source: string;
  /** The destination address. */
  destinationIp: string;
  /** The name the client connected to (Host header / SNI), if any. */
  fqdn?: string;
  protocol: 'TCP' | 'UDP' | 'ICMP';
  port: number;
  /** What the client speaks over TCP: application rules see only HTTP and TLS. */
  application?: 'http' | 'tls';
}

export type FirewallOutcome =
  | { kind: 'connected' }
  | { kind: 'http-denied'; status: 470; body: string }
  | { kind: 'tls-reset' }
  | { kind: 'dropped' };

export interface FirewallDecision {
  action: 'Allow' | 'Deny';
  /** Which rule decided; `default` when none matched. */
  matched: { stage: 'network' | 'application'; group: string; collection: string; rule: string } | { stage: 'default' };
  outcome: FirewallOutcome;
}

/** The rule collection groups as the ARM wire shape holds them (`properties.priority`, `properties.ruleCollections`). */
export interface RuleCollectionGroupView {
  name: string;
  properties: { priority?: number; ruleCollections?: unknown[] };
}

/** The text Azure Firewall answers a denied HTTP request with (the walkthrough's curl output). */
export const DEFAULT_DENY_BODY = 'Action: Deny. Reason: No rule matched. Proceeding with default action.';

interface NetworkRule { ruleType: 'NetworkRule'; name: string; ipProtocols?: string[]; sourceAddresses?: string[]; destinationAddresses?: string[]; destinationFqdns?: string[]; destinationPorts?: string[] }
interface ApplicationRule { ruleType: 'ApplicationRule'; name: string; sourceAddresses?: string[]; protocols?: Array<{ protocolType: string; port?: number }>; targetFqdns?: string[] }
interface FilterCollection { name: string; priority: number; action: 'Allow' | 'Deny'; rules: Array<NetworkRule | ApplicationRule | { ruleType: string; name: string }> }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** Filter collections (DNAT ones are inbound and not modelled), each with its group, in processing order. */
function orderedCollections(groups: readonly RuleCollectionGroupView[]): Array<{ group: string; collection: FilterCollection }> {
  const sortedGroups = [...groups].sort((a, b) => (a.properties.priority ?? 65000) - (b.properties.priority ?? 65000) || a.name.localeCompare(b.name));
  return sortedGroups.flatMap((group) => {
    const collections = (group.properties.ruleCollections ?? []).filter(isRecord)
      .filter((c) => c.ruleCollectionType === 'FirewallPolicyFilterRuleCollection')
      .map((c): FilterCollection => ({
        name: String(c.name),
        priority: typeof c.priority === 'number' ? c.priority : 65000,
        action: isRecord(c.action) && c.action.type === 'Deny' ? 'Deny' : 'Allow',
        rules: (Array.isArray(c.rules) ? c.rules : []).filter(isRecord).map((r) => ({
          ...r, ruleType: String(r.ruleType), name: String(r.name),
          sourceAddresses: strings(r.sourceAddresses), destinationAddresses: strings(r.destinationAddresses),
          destinationFqdns: strings(r.destinationFqdns), destinationPorts: strings(r.destinationPorts),
          ipProtocols: strings(r.ipProtocols), targetFqdns: strings(r.targetFqdns),
          protocols: Array.isArray(r.protocols) ? r.protocols.filter(isRecord).map((p) => ({ protocolType: String(p.protocolType), ...(typeof p.port === 'number' ? { port: p.port } : {}) })) : undefined,
        })),
      }))
      .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
    return collections.map((collection) => ({ group: group.name, collection }));
  });
}

function ipNumber(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** "*", an address, a CIDR or an "a-b" range, as Azure accepts them; anything else (service tags) never matches. */
export function addressMatches(entry: string, address: string): boolean {
  if (entry.trim() === '*') return true;
  const ip = ipNumber(address);
  if (ip === undefined) return false;
  const range = /^([^-]+)-([^-]+)$/.exec(entry);
  if (range) {
    const low = ipNumber(range[1]!);
    const high = ipNumber(range[2]!);
    return low !== undefined && high !== undefined && ip >= low && ip <= high;
  }
  const [base, bits] = entry.split('/');
  const start = ipNumber(base ?? '');
  if (start === undefined) return false;
  const length = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(length) || length < 0 || length > 32) return false;
  const size = 2 ** (32 - length);
  const network = Math.floor(start / size) * size;
  return ip >= network && ip < network + size;
}

function portMatches(entry: string, port: number): boolean {
  if (entry.trim() === '*') return true;
  const [low, high] = entry.split('-').map(Number);
  return low !== undefined && port >= low && port <= (high ?? low);
}

/**
 * Azure's FQDN matching: case-insensitive; `*` matches every name; a leading `*.` matches any name below that
 * domain (not the domain itself); a leading `*` without the dot (`*contoso.com`) matches any name ending so.
 */
export function fqdnMatches(pattern: string, fqdn: string): boolean {
  const p = pattern.trim().toLowerCase().replace(/\.$/, '');
  const name = fqdn.trim().toLowerCase().replace(/\.$/, '');
  if (p === '*') return true;
  if (p.startsWith('*.')) return name.endsWith(p.slice(1)) && name.length > p.length - 1;
  if (p.startsWith('*')) return name.endsWith(p.slice(1));
  return p === name;
}

function networkRuleMatches(rule: NetworkRule, c: FirewallConnection): boolean {
  const protocols = rule.ipProtocols ?? [];
  if (!protocols.some((p) => p === 'Any' || p === c.protocol)) return false;
  if (!(rule.sourceAddresses ?? []).some((s) => addressMatches(s, c.source))) return false;
  const byAddress = (rule.destinationAddresses ?? []).some((d) => addressMatches(d, c.destinationIp));
  const byName = c.fqdn !== undefined && (rule.destinationFqdns ?? []).some((d) => fqdnMatches(d, c.fqdn!));
  if (!byAddress && !byName) return false;
  return c.protocol === 'ICMP' || (rule.destinationPorts ?? []).some((p) => portMatches(p, c.port));
}

function applicationRuleMatches(rule: ApplicationRule, c: FirewallConnection): boolean {
  if (c.fqdn === undefined || c.application === undefined) return false;
  const type = c.application === 'http' ? 'Http' : 'Https';
  // Azure's default ports when a protocol omits one: 80 for Http, 443 for Https.
  const protocolOk = (rule.protocols ?? []).some((p) => p.protocolType === type && (p.port ?? (type === 'Http' ? 80 : 443)) === c.port);
  return protocolOk
    && (rule.sourceAddresses ?? []).some((s) => addressMatches(s, c.source))
    && (rule.targetFqdns ?? []).some((f) => fqdnMatches(f, c.fqdn!));
}

function denialOf(c: FirewallConnection, body: string): FirewallOutcome {
  if (c.protocol === 'TCP' && c.application === 'http') return { kind: 'http-denied', status: 470, body };
  if (c.protocol === 'TCP' && c.application === 'tls') return { kind: 'tls-reset' };
  return { kind: 'dropped' };
}

/** Decides one connection as Azure Firewall would with these rule collection groups. */
export function decideConnection(groups: readonly RuleCollectionGroupView[], c: FirewallConnection): FirewallDecision {
  const ordered = orderedCollections(groups);
  for (const stage of ['network', 'application'] as const) {
    // Application rules see only HTTP and TLS over TCP.
    if (stage === 'application' && (c.protocol !== 'TCP' || c.application === undefined)) break;
    for (const { group, collection } of ordered) {
      for (const rule of collection.rules) {
        const hit = stage === 'network'
          ? rule.ruleType === 'NetworkRule' && networkRuleMatches(rule as NetworkRule, c)
          : rule.ruleType === 'ApplicationRule' && applicationRuleMatches(rule as ApplicationRule, c);
        if (!hit) continue;
        const matched = { stage, group, collection: collection.name, rule: rule.name };
        if (collection.action === 'Allow') return { action: 'Allow', matched, outcome: { kind: 'connected' } };
        // A network-rule deny drops the packet before any HTTP is read.
        const outcome = stage === 'network'
          ? { kind: 'dropped' as const }
          : denialOf(c, `Action: Deny. Reason: Rule Collection Group: ${group}. Rule Collection: ${collection.name}. Rule: ${rule.name}.`);
        return { action: 'Deny', matched, outcome };
      }
    }
  }
  return { action: 'Deny', matched: { stage: 'default' }, outcome: denialOf(c, DEFAULT_DENY_BODY) };
}
