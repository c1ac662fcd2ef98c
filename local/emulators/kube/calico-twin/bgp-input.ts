/** Reads the Calico resources the BGP model needs out of the store (the only I/O side of bgp.ts). */
import { getIn, isObject, stringMap, type JsonObject } from '../json';
import type { ResourceType } from '../resources';
import { metadataOf, type ObjectStore } from '../store';
import { DEFAULT_AS_NUMBER, type BgpFilterRule, type BgpInput, type BgpPeerSpec } from './bgp';
import type { BlockInfo } from './ipam';

export interface BgpKinds { node: ResourceType; pool: ResourceType; bgpConfig: ResourceType; peer: ResourceType; filter: ResourceType }

export function nodeIp(node: JsonObject): string {
  const addresses = getIn(node, ['status', 'addresses']);
  const internal = Array.isArray(addresses) ? addresses.find((a) => isObject(a) && a.type === 'InternalIP') : undefined;
  return isObject(internal) && typeof internal.address === 'string' ? internal.address : '';
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function peerSpec(p: JsonObject): BgpPeerSpec {
  const s = isObject(p.spec) ? p.spec : {};
  return {
    name: String(metadataOf(p).name),
    ...(str(s.peerIP) ? { peerIP: str(s.peerIP) } : {}),
    ...(num(s.asNumber) !== undefined ? { asNumber: num(s.asNumber) } : {}),
    ...(num(s.localASNumber) !== undefined ? { localASNumber: num(s.localASNumber) } : {}),
    ...(str(s.node) ? { node: str(s.node) } : {}),
    ...(str(s.nodeSelector) ? { nodeSelector: str(s.nodeSelector) } : {}),
    ...(str(s.peerSelector) ? { peerSelector: str(s.peerSelector) } : {}),
    ...(s.keepOriginalNextHop === true ? { keepOriginalNextHop: true } : {}),
    ...(str(s.nextHopMode) ? { nextHopMode: str(s.nextHopMode) } : {}),
    ...(Array.isArray(s.filters) ? { filters: s.filters.filter((f): f is string => typeof f === 'string') } : {}),
  };
}

function filterRules(f: JsonObject): BgpFilterRule[] {
  const rules = getIn(f, ['spec', 'exportV4']);
  return (Array.isArray(rules) ? rules : []).filter(isObject).map((r) => {
    const len = isObject(r.prefixLength) ? r.prefixLength : undefined;
    return {
      action: String(r.action ?? ''),
      ...(typeof r.cidr === 'string' ? { cidr: r.cidr } : {}),
      ...(typeof r.matchOperator === 'string' ? { matchOperator: r.matchOperator } : {}),
      ...(len ? { prefixLength: { ...(num(len.min) !== undefined ? { min: num(len.min) } : {}), ...(num(len.max) !== undefined ? { max: num(len.max) } : {}) } } : {}),
      ...(typeof r.source === 'string' ? { source: r.source } : {}),
    };
  });
}

export function readBgpInput(store: ObjectStore, k: BgpKinds, blocks: BlockInfo[]): BgpInput {
  const config = store.get(k.bgpConfig, '', 'default');
  const cspec = config && isObject(config.spec) ? config.spec : {};
  const filters: Record<string, BgpFilterRule[]> = {};
  for (const f of store.list(k.filter)) filters[String(metadataOf(f).name)] = filterRules(f);
  return {
    asNumber: num(cspec.asNumber) ?? DEFAULT_AS_NUMBER,
    nodeToNodeMeshEnabled: cspec.nodeToNodeMeshEnabled !== false,
    nodes: store.list(k.node).map((n) => ({ name: String(metadataOf(n).name), ip: nodeIp(n), labels: stringMap(metadataOf(n).labels) })),
    peers: store.list(k.peer).map(peerSpec),
    pools: store.list(k.pool).map((p) => ({ name: String(metadataOf(p).name), cidr: String(getIn(p, ['spec', 'cidr']) ?? ''), disableBGPExport: getIn(p, ['spec', 'disableBGPExport']) === true })),
    // Borrowed addresses are advertised as /32s by the node whose workload uses them.
    blocks: blocks.flatMap((b) => [{ cidr: b.cidr, pool: b.pool, node: b.node }, ...b.borrowed.map((x) => ({ cidr: `${x.ip}/32`, pool: b.pool, node: x.node }))]),
    filters,
  };
}
