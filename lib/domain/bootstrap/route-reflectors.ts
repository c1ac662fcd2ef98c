import { parseIpv4Cidr, formatPrefix } from '../ipv4';
import { routeServerConnectionName } from '../names';

export interface NodeFacts {
  name: string;
  ip: string;
  zone?: string;
  ready: boolean;
  /** Already labelled route-reflector=true. */
  reflector: boolean;
}

/** Route reflectors per cluster (the walkthrough's "first two nodes"): two Route Server peers per cluster. */
export const ROUTE_REFLECTORS_PER_CLUSTER = 2;

/**
 * Which nodes act as route reflectors: the ones that already do (stable peering) as long as they
 * are ready, topped up with ready nodes from zones not yet covered, then by name. Pure and stable.
 */
export function chooseRouteReflectors(nodes: readonly NodeFacts[], count = ROUTE_REFLECTORS_PER_CLUSTER): NodeFacts[] {
  const ready = [...nodes].filter((n) => n.ready).sort((a, b) => a.name.localeCompare(b.name));
  const chosen = ready.filter((n) => n.reflector).slice(0, count);
  while (chosen.length < count) {
    const rest = ready.filter((n) => !chosen.includes(n));
    if (rest.length === 0) break;
    const zones = new Set(chosen.map((n) => n.zone));
    chosen.push(rest.find((n) => !zones.has(n.zone)) ?? rest[0]!);
  }
  return chosen;
}

/** Azure's subnet gateway: the first host address of the subnet (e.g. 10.1.0.1 for 10.1.0.0/24). */
export function subnetGateway(subnetCidr: string): string {
  const prefix = parseIpv4Cidr(subnetCidr);
  if (!prefix || prefix.length > 29) throw new Error(`subnet "${subnetCidr}" is not an IPv4 subnet Azure allows (/29 or larger)`);
  return formatPrefix({ base: prefix.base + 1, length: 32 }).replace(/\/32$/, '');
}

export interface ConnectionFacts {
  name: string;
  peerIp: string;
}

/** A Route Server BGP connection as listed, with whether its session is up (it carries routes). */
export interface PeerFacts extends ConnectionFacts {
  connected: boolean;
}

export type PeeringStep = { kind: 'create'; name: string; peerIp: string } | { kind: 'remove'; name: string };

export type PeeringPlan =
  | {
    ok: true;
    /** In this order; between two steps Route Server never has more than `maxPeers` peers. */
    steps: PeeringStep[];
    /**
     * More steps remain, held back until the connections created so far are Connected: the next
     * one would remove this cluster's last healthy session. Plan again once they are.
     */
    waitForNewSessions: boolean;
  }
  | { ok: false; reason: string };

/** This cluster's connections are exactly the ones whose name it would give that peer IP. */
export function isClustersConnection(cluster: string, name: string): boolean {
  const ip = /-rr-(\d+)-(\d+)-(\d+)-(\d+)$/.exec(name)?.slice(1).join('.');
  return ip !== undefined && routeServerConnectionName(cluster, ip) === name;
}

/**
 * Orders the Route Server changes that make exactly the route reflectors peer. Connections of other
 * clusters are never touched but count toward the peer limit (8, all peers together).
 *
 * Make before break while there is room: new connections first, stale ones after. At the limit a
 * stale connection must go before a new one can come: down ones first, then up ones, and never this
 * cluster's last up session while a new connection is not up yet (the plan stops there and asks to
 * wait). The trade-off: at the limit a stale session that still carries routes may
 * be removed before its replacement is up, which withdraws what only that reflector advertised until
 * the new session is Connected; when it is the cluster's last one, this happens only if nothing else
 * can make room, since waiting would never free a peer.
 */
export function planRouteServerPeering(cluster: string, reflectorIps: readonly string[], existing: readonly PeerFacts[], maxPeers: number): PeeringPlan {
  const wanted = new Map(reflectorIps.map((ip) => [routeServerConnectionName(cluster, ip), ip]));
  const ours = existing.filter((c) => isClustersConnection(cluster, c.name));
  const creates = [...wanted].filter(([name, ip]) => !existing.some((c) => c.name === name && c.peerIp === ip)).map(([name, peerIp]) => ({ name, peerIp }));
  const stale = ours.filter((c) => !wanted.has(c.name))
    .sort((a, b) => Number(a.connected) - Number(b.connected) || a.name.localeCompare(b.name));
  const after = existing.length - stale.length + creates.length;
  if (after > maxPeers) {
    return { ok: false, reason: `Route Server would have ${after} BGP peers after peering ${reflectorIps.length} route reflectors of ${cluster} (${existing.length - ours.length} peers belong to others); it allows ${maxPeers}` };
  }
  const steps: PeeringStep[] = [];
  let peers = existing.length;
  let up = ours.filter((c) => c.connected).length;
  // A wanted connection that is not up yet, made by an earlier round or in this plan.
  const newNotUp = (): boolean => ours.some((c) => wanted.has(c.name) && !c.connected) || steps.some((s) => s.kind === 'create');
  const held = (): PeeringPlan => ({ ok: true, steps, waitForNewSessions: true });
  const remove = (c: PeerFacts): boolean => {
    if (c.connected && up === 1 && newNotUp()) return false;
    steps.push({ kind: 'remove', name: c.name });
    peers -= 1;
    if (c.connected) up -= 1;
    return true;
  };
  for (const c of creates) {
    while (peers >= maxPeers) {
      if (!remove(stale.shift()!)) return held();
    }
    steps.push({ kind: 'create', ...c });
    peers += 1;
  }
  for (const c of stale) {
    if (!remove(c)) return held();
  }
  return { ok: true, steps, waitForNewSessions: false };
}
