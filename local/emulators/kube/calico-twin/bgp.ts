/**
 * What each BGP session advertises, computed from the Calico resources (pure; no BIRD involved):
 * - sessions: one per (node matching a peerIP BGPPeer's nodeSelector / node, that peer's IP);
 * - a node knows the routes of every node it reaches over iBGP (full mesh when nodeToNodeMeshEnabled,
 *   else BGPPeers with peerSelector: clients ↔ route reflectors), plus its own blocks;
 * - exported: blocks of pools without disableBGPExport, then the peer's BGPFilters (spec.filters, in order;
 *   first matching exportV4 rule decides, no match = accept);
 * - next hop: the hosting node when keepOriginalNextHop / nextHopMode Keep, else the advertising node.
 */
import { parseCalicoSelector } from './selector';
import { cidrContains, parseCidr } from './ipam';

export interface BgpRoute { prefix: string; nextHop: string; asPath: string }
export interface BgpSession { nodeName: string; nodeIp: string; peerIp: string; peerAsn: number; peerName: string; routes: BgpRoute[] }

export interface BgpNode { name: string; ip: string; labels: Record<string, string> }
export interface BgpPeerSpec { name: string; peerIP?: string; asNumber?: number; localASNumber?: number; node?: string; nodeSelector?: string; peerSelector?: string; keepOriginalNextHop?: boolean; nextHopMode?: string; filters?: string[] }
export interface BgpFilterRule { action: string; cidr?: string; matchOperator?: string; prefixLength?: { min?: number; max?: number }; source?: string }
export interface BgpInput {
  asNumber: number;
  nodeToNodeMeshEnabled: boolean;
  nodes: BgpNode[];
  peers: BgpPeerSpec[];
  pools: Array<{ name: string; cidr: string; disableBGPExport: boolean }>;
  blocks: Array<{ cidr: string; pool: string; node: string }>;
  filters: Record<string, BgpFilterRule[]>;
}

export const DEFAULT_AS_NUMBER = 64512;

function selects(selector: string | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === '') return false;
  try { return parseCalicoSelector(selector)(labels); } catch { return false; }
}

function peerNodes(peer: BgpPeerSpec, nodes: BgpNode[]): BgpNode[] {
  if (peer.node) return nodes.filter((n) => n.name === peer.node);
  if (peer.nodeSelector) return nodes.filter((n) => selects(peer.nodeSelector, n.labels));
  return nodes; // a global peer
}

/** Groups of nodes that exchange routes over iBGP (connected components). */
function ibgpComponents(input: BgpInput): Map<string, number> {
  const parent = new Map(input.nodes.map((n) => [n.name, n.name]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    return r;
  };
  const union = (a: string, b: string): void => {
    parent.set(find(a), find(b));
  };
  if (input.nodeToNodeMeshEnabled) for (const n of input.nodes) union(n.name, input.nodes[0]?.name ?? n.name);
  for (const p of input.peers) {
    if (!p.peerSelector) continue;
    const targets = input.nodes.filter((n) => selects(p.peerSelector, n.labels));
    for (const a of peerNodes(p, input.nodes)) for (const b of targets) if (a.name !== b.name) union(a.name, b.name);
  }
  const ids = new Map<string, number>();
  const roots = new Map<string, number>();
  for (const n of input.nodes) {
    const r = find(n.name);
    if (!roots.has(r)) roots.set(r, roots.size);
    ids.set(n.name, roots.get(r) ?? 0);
  }
  return ids;
}

function ruleMatches(rule: BgpFilterRule, prefix: string, learnedFromPeer: boolean): boolean {
  if (rule.source === 'RemotePeers' && !learnedFromPeer) return false;
  if (!rule.cidr) return true;
  const inside = cidrContains(rule.cidr, prefix);
  const len = parseCidr(prefix).prefix;
  if (rule.prefixLength) {
    if (rule.prefixLength.min !== undefined && len < rule.prefixLength.min) return false;
    if (rule.prefixLength.max !== undefined && len > rule.prefixLength.max) return false;
  }
  switch (rule.matchOperator) {
    case 'Equal': return parseCidr(rule.cidr).base === parseCidr(prefix).base && parseCidr(rule.cidr).prefix === len;
    case 'NotEqual': return !(parseCidr(rule.cidr).base === parseCidr(prefix).base && parseCidr(rule.cidr).prefix === len);
    case 'In': return inside;
    case 'NotIn': return !inside;
    default: return inside;
  }
}

function exportAllowed(filters: BgpFilterRule[][], prefix: string, learnedFromPeer: boolean): boolean {
  for (const rules of filters) {
    const hit = rules.find((r) => ruleMatches(r, prefix, learnedFromPeer));
    if (hit) return hit.action === 'Accept';
  }
  return true;
}

export function computeBgpSessions(input: BgpInput): BgpSession[] {
  const component = ibgpComponents(input);
  const poolByName = new Map(input.pools.map((p) => [p.name, p]));
  const ipOf = new Map(input.nodes.map((n) => [n.name, n.ip]));
  const exportable = input.blocks.filter((b) => {
    const pool = poolByName.get(b.pool);
    return pool !== undefined && !pool.disableBGPExport && ipOf.has(b.node);
  });
  const sessions: BgpSession[] = [];
  for (const peer of input.peers) {
    if (!peer.peerIP) continue;
    const peerAsn = peer.asNumber ?? input.asNumber;
    const localAsn = peer.localASNumber ?? input.asNumber;
    const keep = peer.keepOriginalNextHop === true || peer.nextHopMode === 'Keep';
    const filters = (peer.filters ?? []).map((f) => input.filters[f]).filter((f): f is BgpFilterRule[] => f !== undefined);
    for (const node of peerNodes(peer, input.nodes)) {
      const known = exportable.filter((b) => b.node === node.name || component.get(b.node) === component.get(node.name));
      const routes = known
        .filter((b) => exportAllowed(filters, b.cidr, b.node !== node.name))
        .map((b) => ({ prefix: b.cidr, nextHop: keep ? (ipOf.get(b.node) ?? node.ip) : node.ip, asPath: peerAsn === localAsn ? '' : String(localAsn) }))
        .sort((a, b) => parseCidr(a.prefix).base - parseCidr(b.prefix).base || parseCidr(a.prefix).prefix - parseCidr(b.prefix).prefix);
      sessions.push({ nodeName: node.name, nodeIp: node.ip, peerIp: peer.peerIP.split('/')[0] ?? peer.peerIP, peerAsn, peerName: peer.name, routes });
    }
  }
  return sessions.sort((a, b) => (a.peerIp < b.peerIp ? -1 : a.peerIp > b.peerIp ? 1 : a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0));
}
