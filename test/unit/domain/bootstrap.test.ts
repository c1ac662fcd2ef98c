import { clusterUsability } from '../../../lib/domain/bootstrap/aks-state';
import { chooseRouteReflectors, planRouteServerPeering, subnetGateway, type PeerFacts, type PeeringStep } from '../../../lib/domain/bootstrap/route-reflectors';
import { ROUTE_SERVER_MAX_PEERS } from '../../../lib/domain/capacity';
import { routeServerConnectionName } from '../../../lib/domain/names';
import fc from 'fast-check';

describe('route reflectors', () => {
  const node = (name: string, zone: string, over: Partial<{ ready: boolean; reflector: boolean }> = {}) => ({ name, ip: `10.1.0.${name.slice(-1)}`, zone, ready: true, reflector: false, ...over });
  it('keeps current reflectors, then fills from uncovered zones', () => {
    const chosen = chooseRouteReflectors([node('n4', '1'), node('n5', '1'), node('n6', '2'), node('n7', '3', { reflector: true })]);
    expect(chosen.map((n) => n.name)).toEqual(['n7', 'n4']);
    expect(chooseRouteReflectors([node('n4', '1'), node('n5', '1'), node('n6', '2')]).map((n) => n.name)).toEqual(['n4', 'n6']);
  });
  it('never picks a node that is not ready', () => {
    expect(chooseRouteReflectors([node('n4', '1', { ready: false, reflector: true }), node('n5', '2')]).map((n) => n.name)).toEqual(['n5']);
  });
  it('computes the subnet gateway Azure uses', () => {
    expect(subnetGateway('10.1.0.0/24')).toBe('10.1.0.1');
    expect(() => subnetGateway('10.1.0.0/31')).toThrow(/subnet/);
  });
  it('plans Route Server connections: creates the missing, removes only this cluster\'s stale ones, new before stale when there is room', () => {
    const plan = planRouteServerPeering('spoke1', ['10.1.0.4', '10.1.0.6'], [
      { name: 'spoke1-rr-10-1-0-4', peerIp: '10.1.0.4', connected: true },
      { name: 'spoke1-rr-10-1-0-5', peerIp: '10.1.0.5', connected: true },
      { name: 'spoke1-aks-rr-10-1-0-9', peerIp: '10.1.0.9', connected: true },
      { name: 'manual-nva', peerIp: '10.2.0.4', connected: true },
    ], ROUTE_SERVER_MAX_PEERS);
    expect(plan).toEqual({ ok: true, waitForNewSessions: false, steps: [
      { kind: 'create', name: 'spoke1-rr-10-1-0-6', peerIp: '10.1.0.6' },
      { kind: 'remove', name: 'spoke1-rr-10-1-0-5' },
    ] });
  });
});

describe('planRouteServerPeering at the peer limit', () => {
  const rr = (cluster: string, ip: string, connected = true): PeerFacts => ({ name: routeServerConnectionName(cluster, ip), peerIp: ip, connected });
  /** Six peers of other clusters (spoke2, spoke3, spoke4), so this cluster's two make eight. */
  const others = ['spoke2', 'spoke3', 'spoke4'].flatMap((c, i) => [rr(c, `10.${i + 2}.0.4`), rr(c, `10.${i + 2}.0.5`)]);
  const names = (steps: PeeringStep[]) => steps.map((s) => `${s.kind} ${s.name.replace(/^spoke1-rr-/, '')}`);

  /** Applies the steps to the peer list and checks the limit after every step. */
  function apply(existing: PeerFacts[], steps: PeeringStep[]): PeerFacts[] {
    let peers = [...existing];
    for (const s of steps) {
      peers = s.kind === 'create' ? [...peers, { name: s.name, peerIp: s.peerIp, connected: false }] : peers.filter((p) => p.name !== s.name);
      expect(peers.length).toBeLessThanOrEqual(ROUTE_SERVER_MAX_PEERS);
    }
    return peers;
  }

  it('a one-node roll at 8 peers: the stale connection goes first, the kept one stays up throughout', () => {
    const existing = [...others, rr('spoke1', '10.1.0.4'), rr('spoke1', '10.1.0.5', false)];
    const plan = planRouteServerPeering('spoke1', ['10.1.0.4', '10.1.0.13'], existing, ROUTE_SERVER_MAX_PEERS);
    expect(plan.ok && names(plan.steps)).toEqual(['remove 10-1-0-5', 'create 10-1-0-13']);
    expect(plan.ok && plan.waitForNewSessions).toBe(false);
    if (plan.ok) expect(apply(existing, plan.steps).map((p) => p.peerIp)).toContain('10.1.0.13');
  });

  it('a full roll at 8 peers with both stale sessions up: removes one, adds one, then waits before removing the last healthy one', () => {
    const existing = [...others, rr('spoke1', '10.1.0.4'), rr('spoke1', '10.1.0.5')];
    const first = planRouteServerPeering('spoke1', ['10.1.0.6', '10.1.0.7'], existing, ROUTE_SERVER_MAX_PEERS);
    expect(first).toMatchObject({ ok: true, waitForNewSessions: true });
    if (!first.ok) return;
    expect(names(first.steps)).toEqual(['remove 10-1-0-4', 'create 10-1-0-6']);
    // The new session came up: the next round may now drop the last old one.
    const between = apply(existing, first.steps).map((p) => (p.peerIp === '10.1.0.6' ? { ...p, connected: true } : p));
    const second = planRouteServerPeering('spoke1', ['10.1.0.6', '10.1.0.7'], between, ROUTE_SERVER_MAX_PEERS);
    expect(second.ok && names(second.steps)).toEqual(['remove 10-1-0-5', 'create 10-1-0-7']);
    expect(second.ok && second.waitForNewSessions).toBe(false);
    if (second.ok) expect(apply(between, second.steps).filter((p) => p.name.startsWith('spoke1-')).map((p) => p.peerIp).sort()).toEqual(['10.1.0.6', '10.1.0.7']);
  });

  it('removes sessions that are down before those that are up', () => {
    const existing = [...others, rr('spoke1', '10.1.0.4'), rr('spoke1', '10.1.0.5', false)];
    const plan = planRouteServerPeering('spoke1', ['10.1.0.6', '10.1.0.7'], existing, ROUTE_SERVER_MAX_PEERS);
    expect(plan.ok && names(plan.steps)).toEqual(['remove 10-1-0-5', 'create 10-1-0-6']);
    expect(plan.ok && plan.waitForNewSessions).toBe(true);
  });

  it('with room, makes before it breaks, and still keeps the last healthy session until a new one is up', () => {
    const existing = [rr('spoke1', '10.1.0.4'), rr('spoke1', '10.1.0.5')];
    const plan = planRouteServerPeering('spoke1', ['10.1.0.6', '10.1.0.7'], existing, ROUTE_SERVER_MAX_PEERS);
    expect(plan).toMatchObject({ ok: true, waitForNewSessions: true });
    expect(plan.ok && names(plan.steps)).toEqual(['create 10-1-0-6', 'create 10-1-0-7', 'remove 10-1-0-4']);
  });

  it('removes the last healthy session first only when nothing else can make room (the stated trade-off)', () => {
    const seven = [...others, rr('spoke5', '10.6.0.4')];
    const existing = [...seven, rr('spoke1', '10.1.0.4')];
    const plan = planRouteServerPeering('spoke1', ['10.1.0.6'], existing, ROUTE_SERVER_MAX_PEERS);
    expect(plan.ok && names(plan.steps)).toEqual(['remove 10-1-0-4', 'create 10-1-0-6']);
  });

  it('refuses, naming the numbers, when the reflectors cannot fit even after the stale ones go', () => {
    const seven = [...others, rr('spoke5', '10.6.0.4')];
    const plan = planRouteServerPeering('spoke1', ['10.1.0.6', '10.1.0.7'], [...seven, rr('spoke1', '10.1.0.4')], ROUTE_SERVER_MAX_PEERS);
    expect(plan).toEqual({ ok: false, reason: 'Route Server would have 9 BGP peers after peering 2 route reflectors of spoke1 (7 peers belong to others); it allows 8' });
  });

  it('never crosses the limit, and ends with exactly the reflectors, whatever the mix (property)', () => {
    const ip = fc.integer({ min: 10, max: 21 }).map((n) => `10.1.0.${n}`);
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 7 }), fc.uniqueArray(fc.tuple(ip, fc.boolean()), { minLength: 1, maxLength: 2, selector: ([a]) => a }), fc.uniqueArray(ip, { minLength: 1, maxLength: 2 }),
      (otherCount, ours, wanted) => {
        fc.pre(otherCount + ours.length <= ROUTE_SERVER_MAX_PEERS); // Route Server never holds more
        const existing = [...[...others, rr('spoke5', '10.6.0.4')].slice(0, otherCount), ...ours.map(([a, up]) => rr('spoke1', a, up))];
        const plan = planRouteServerPeering('spoke1', wanted, existing, ROUTE_SERVER_MAX_PEERS);
        const fits = otherCount + wanted.length <= ROUTE_SERVER_MAX_PEERS;
        expect(plan.ok).toBe(fits);
        if (!plan.ok) return;
        let peers = apply(existing, plan.steps);
        if (plan.waitForNewSessions) {
          // Sessions come up, and the next round finishes without waiting again.
          peers = peers.map((p) => ({ ...p, connected: true }));
          const next = planRouteServerPeering('spoke1', wanted, peers, ROUTE_SERVER_MAX_PEERS);
          expect(next).toMatchObject({ ok: true, waitForNewSessions: false });
          if (next.ok) peers = apply(peers, next.steps);
        }
        expect(peers.filter((p) => p.name.startsWith('spoke1-')).map((p) => p.peerIp).sort()).toEqual([...wanted].sort());
      },
    ), { numRuns: 300 });
  });
});

describe('clusterUsability', () => {
  it('is usable only at Succeeded and running; waits through transitions; gives up on Failed, Canceled or stopped', () => {
    expect(clusterUsability('c', 'Succeeded', 'Running')).toEqual({ kind: 'usable' });
    expect(clusterUsability('c', 'Upgrading', 'Running')).toEqual({ kind: 'wait', reason: 'cluster c is Upgrading; waiting for Succeeded' });
    expect(clusterUsability('c', undefined, undefined)).toMatchObject({ kind: 'wait' });
    expect(clusterUsability('c', 'Failed', 'Running')).toEqual({ kind: 'unusable', reason: 'cluster c is Failed' });
    expect(clusterUsability('c', 'Succeeded', 'Stopped')).toMatchObject({ kind: 'unusable' });
  });
});
