import type { AdvertisedRoute, BgpSession } from '../routeFeed';

/**
 * Route Server's side of the BGP sessions, rebuilt from samples of the route feed. Each sample is
 * compared with the last one: new prefixes are learned at the sample time, missing ones are
 * withdrawn at the sample time, and both take effect after the propagation delay. Pure state, the
 * clock comes in as an argument.
 *
 * Route limit (Azure docs: "If your NVA advertises more routes than the limit, the BGP session gets
 * dropped"; the count during an update is routes already learnt + routes in the update): when
 * held + newly advertised > limit, the session is reset: NotConnected, every route from it gone at
 * once. It comes back (routes learned afresh) at the first sample whose advertisement fits the limit.
 */
interface TrackedRoute {
  route: AdvertisedRoute;
  since: number;
  withdrawnAt?: number;
  /** This route's propagation delay, fixed when it was advertised (drawn, or the timing then in force). */
  delayMs?: number;
  /** Its withdrawal's propagation delay, fixed when it was withdrawn. */
  withdrawDelayMs?: number;
  /** Set when propagation sped up while this route was still on its way: learned by then at the latest. */
  learnBy?: number;
  /** Likewise for a withdrawal on its way: gone by then at the latest. */
  goneBy?: number;
}

/**
 * Propagation is fixed when a change happens, never re-read afterwards: a route Route Server learned stays
 * learned and a withdrawal that took effect stays in effect whatever the timings do later (a retroactive
 * delay made learned routes vanish and withdrawn ones come back when a test slowed propagation). Entries
 * written before these fields existed fall back to the timing in force.
 */
const delayOf = (r: TrackedRoute, timings: TwinTimings): number => r.delayMs ?? timings.routePropagationMs;
const withdrawDelayOf = (r: TrackedRoute, timings: TwinTimings): number => r.withdrawDelayMs ?? delayOf(r, timings);
/** When Route Server learns the route: after the session is established and the route propagated, or sooner if sped up. */
const learnedAt = (r: TrackedRoute, t: { upSince?: number }, timings: TwinTimings): number =>
  Math.min(r.learnBy ?? Number.POSITIVE_INFINITY, Math.max(r.since, (t.upSince ?? r.since) + timings.sessionEstablishMs) + delayOf(r, timings));
/** A withdrawal's delay is the propagation in force when it happens (the route's own draw when delays are spread). */
function withdraw(r: TrackedRoute, now: number, timings: TwinTimings, spread: boolean): void {
  r.withdrawnAt = now;
  r.withdrawDelayMs = spread ? delayOf(r, timings) : timings.routePropagationMs;
}
const goneAt = (r: TrackedRoute, timings: TwinTimings): number =>
  r.withdrawnAt === undefined ? Number.POSITIVE_INFINITY : Math.min(r.goneBy ?? Number.POSITIVE_INFINITY, r.withdrawnAt + withdrawDelayOf(r, timings));

interface TrackedSession {
  nodeIp: string;
  peerIp: string;
  localAsn: number;
  peerAsn: number;
  cluster: string;
  nodeName: string;
  /** When the session (re)appeared; undefined while down. */
  upSince?: number;
  /** Set while the session is torn down for exceeding the route limit. */
  resetAt?: number;
  routes: Map<string, TrackedRoute>;
}

export type ConnectionState = 'Connected' | 'Connecting' | 'NotConnected';

export interface TwinTimings {
  routePropagationMs: number;
  sessionEstablishMs: number;
}

export interface SessionView {
  cluster: string;
  nodeName: string;
  nodeIp: string;
  peerIp: string;
  localAsn: number;
  peerAsn: number;
  state: 'Established' | 'Establishing' | 'Down' | 'ResetRouteLimit';
  heldRoutes: number;
  visibleRoutes: number;
  resets: number;
}

const key = (nodeIp: string, peerIp: string): string => `${nodeIp}|${peerIp}`;

/** The twin as JSON, for a restart: every session with its routes and their learn/withdraw times. */
export interface BgpTwinState {
  sessions: Array<Omit<TrackedSession, 'routes'> & { routes: TrackedRoute[] }>;
  resets: Record<string, number>;
}

export class BgpTwin {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly resetCounts = new Map<string, number>();

  /** `drawDelay`: a spread propagation delay per newly advertised prefix (absent: the fixed timing). */
  observe(sample: BgpSession[], now: number, routeLimit: number, timings: TwinTimings, drawDelay?: (prefix: string) => number): void {
    const seen = new Set<string>();
    for (const s of sample) {
      const k = key(s.nodeIp, s.peerIp);
      seen.add(k);
      let tracked = this.sessions.get(k);
      if (tracked === undefined) {
        tracked = { nodeIp: s.nodeIp, peerIp: s.peerIp, localAsn: s.localAsn, peerAsn: s.peerAsn, cluster: s.cluster, nodeName: s.nodeName, routes: new Map() };
        this.sessions.set(k, tracked);
      }
      if (tracked.upSince === undefined || tracked.localAsn !== s.localAsn || tracked.peerAsn !== s.peerAsn) {
        // A new session (or one re-established with other parameters) starts with nothing learned.
        if (tracked.upSince !== undefined) tracked.routes.clear();
        tracked.upSince = now;
      }
      Object.assign(tracked, { localAsn: s.localAsn, peerAsn: s.peerAsn, cluster: s.cluster, nodeName: s.nodeName });
      const advertised = new Map(s.routes.map((r) => [r.prefix, r]));
      if (tracked.resetAt !== undefined) {
        if (advertised.size > routeLimit) continue; // still over the limit: the session keeps being torn down
        tracked.resetAt = undefined;
        tracked.upSince = now;
        tracked.routes.clear();
      }
      const held = [...tracked.routes.values()].filter((r) => r.withdrawnAt === undefined).length;
      const added = [...advertised.keys()].filter((p) => tracked.routes.get(p)?.withdrawnAt !== undefined || !tracked.routes.has(p)).length;
      if (held + added > routeLimit) {
        tracked.resetAt = now;
        tracked.routes.clear();
        this.resetCounts.set(k, (this.resetCounts.get(k) ?? 0) + 1);
        continue;
      }
      for (const [prefix, route] of advertised) {
        const current = tracked.routes.get(prefix);
        if (current === undefined || current.withdrawnAt !== undefined) {
          tracked.routes.set(prefix, { route, since: now, delayMs: drawDelay?.(prefix) ?? timings.routePropagationMs });
        } else {
          current.route = route; // attribute change (next hop, AS path): no new propagation modelled
        }
      }
      for (const [prefix, current] of tracked.routes) {
        if (!advertised.has(prefix) && current.withdrawnAt === undefined) withdraw(current, now, timings, drawDelay !== undefined);
      }
    }
    for (const [k, tracked] of this.sessions) {
      if (seen.has(k) || tracked.upSince === undefined) continue;
      // The speaker is gone: its session drops and its routes are withdrawn.
      tracked.upSince = undefined;
      tracked.resetAt = undefined;
      for (const r of tracked.routes.values()) if (r.withdrawnAt === undefined) withdraw(r, now, timings, drawDelay !== undefined);
    }
    this.prune(now, timings);
  }

  private prune(now: number, timings: TwinTimings): void {
    for (const [k, tracked] of this.sessions) {
      for (const [prefix, r] of tracked.routes) {
        if (goneAt(r, timings) <= now) tracked.routes.delete(prefix);
      }
      if (tracked.upSince === undefined && tracked.routes.size === 0) this.sessions.delete(k);
    }
  }

  private established(t: TrackedSession | undefined, now: number, timings: TwinTimings): boolean {
    return t !== undefined && t.upSince !== undefined && t.resetAt === undefined && t.upSince + timings.sessionEstablishMs <= now;
  }

  /**
   * State of a bgpConnection (peerIp, peerAsn) on a Route Server (instance IPs, ASN): Connected when
   * every instance has an established session from that speaker with matching ASNs on both sides,
   * Connecting when only some have (or are still establishing), NotConnected otherwise.
   */
  connectionState(peerIp: string, peerAsn: number, instanceIps: readonly string[], routerAsn: number, now: number, timings: TwinTimings): ConnectionState {
    if (instanceIps.length === 0) return 'NotConnected';
    let up = 0;
    let pending = 0;
    for (const ip of instanceIps) {
      const t = this.sessions.get(key(peerIp, ip));
      if (t === undefined || t.upSince === undefined || t.resetAt !== undefined || t.localAsn !== peerAsn || t.peerAsn !== routerAsn) continue;
      if (this.established(t, now, timings)) up += 1;
      else pending += 1;
    }
    if (up === instanceIps.length) return 'Connected';
    return up + pending > 0 ? 'Connecting' : 'NotConnected';
  }

  /** Routes Route Server instance `instanceIp` has learned from the speaker `peerIp` at `now`. */
  learned(peerIp: string, peerAsn: number, instanceIp: string, routerAsn: number, now: number, timings: TwinTimings): AdvertisedRoute[] {
    const t = this.sessions.get(key(peerIp, instanceIp));
    if (t === undefined || t.resetAt !== undefined || t.localAsn !== peerAsn || t.peerAsn !== routerAsn) return [];
    const visible: AdvertisedRoute[] = [];
    for (const r of t.routes.values()) {
      if (learnedAt(r, t, timings) <= now && goneAt(r, timings) > now) visible.push(r.route);
    }
    return visible.sort((a, b) => a.prefix.localeCompare(b.prefix, 'en', { numeric: true }));
  }

  view(now: number, timings: TwinTimings, routerAsnFor: (peerIp: string) => number | undefined): SessionView[] {
    return [...this.sessions.entries()].map(([k, t]) => {
      const routerAsn = routerAsnFor(t.peerIp) ?? t.peerAsn;
      const state: SessionView['state'] = t.resetAt !== undefined ? 'ResetRouteLimit'
        : t.upSince === undefined ? 'Down'
          : this.established(t, now, timings) ? 'Established' : 'Establishing';
      return {
        cluster: t.cluster, nodeName: t.nodeName, nodeIp: t.nodeIp, peerIp: t.peerIp, localAsn: t.localAsn, peerAsn: t.peerAsn, state,
        heldRoutes: [...t.routes.values()].filter((r) => r.withdrawnAt === undefined).length,
        visibleRoutes: this.learned(t.nodeIp, t.localAsn, t.peerIp, routerAsn, now, timings).length,
        resets: this.resetCounts.get(k) ?? 0,
      };
    });
  }

  /**
   * Propagation became `propagationMs` at `now`: routes and withdrawals still on their way arrive by
   * `now + propagationMs` at the latest (a recovered network delivers what it held back); nothing that
   * already took effect changes, and a slower propagation only applies to what happens from now on.
   */
  retime(now: number, propagationMs: number, timings: TwinTimings): void {
    const by = now + propagationMs;
    for (const t of this.sessions.values()) {
      for (const r of t.routes.values()) {
        if (learnedAt(r, t, timings) > by) r.learnBy = by;
        if (r.withdrawnAt !== undefined && goneAt(r, timings) > by) r.goneBy = by;
      }
    }
  }

  clear(): void {
    this.sessions.clear();
    this.resetCounts.clear();
  }

  snapshot(): BgpTwinState {
    return {
      sessions: [...this.sessions.values()].map((t) => ({ ...t, routes: [...t.routes.values()] })),
      resets: Object.fromEntries(this.resetCounts),
    };
  }

  /**
   * Puts back a snapshot. Times are wall-clock, so a route that was propagating when the emulator
   * stopped is learned when its time comes, counting the downtime (Route Server kept running).
   */
  restore(state: BgpTwinState): void {
    this.clear();
    for (const s of state.sessions) {
      this.sessions.set(key(s.nodeIp, s.peerIp), { ...s, routes: new Map(s.routes.map((r) => [r.route.prefix, r])) });
    }
    for (const [k, n] of Object.entries(state.resets)) this.resetCounts.set(k, n);
  }
}
