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

/**
 * Which nodes act as route reflectors: the ones that already do (stable peering) as long as they
 * are ready, topped up with ready nodes from zones not yet covered, then by name. Pure and stable.
 */
export function chooseRouteReflectors(nodes: readonly NodeFacts[], count = 2): NodeFacts[] {
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

/**
 * Route Server BGP connections to create and delete so that exactly the route reflectors peer:
 * names are derived from the cluster and node IP, so connections of other clusters are never touched.
 */
export function planRouteServerConnections(cluster: string, reflectorIps: readonly string[], existing: readonly ConnectionFacts[]): { create: ConnectionFacts[]; remove: string[] } {
  const wanted = new Map(reflectorIps.map((ip) => [routeServerConnectionName(cluster, ip), ip]));
  // A connection is this cluster's when its name is exactly what this cluster would call it.
  const ours = existing.filter((c) => {
    const ip = /-rr-(\d+)-(\d+)-(\d+)-(\d+)$/.exec(c.name)?.slice(1).join('.');
    return ip !== undefined && routeServerConnectionName(cluster, ip) === c.name;
  });
  const create = [...wanted].filter(([name, ip]) => !existing.some((c) => c.name === name && c.peerIp === ip)).map(([name, peerIp]) => ({ name, peerIp }));
  const remove = ours.filter((c) => !wanted.has(c.name)).map((c) => c.name);
  return { create, remove };
}
