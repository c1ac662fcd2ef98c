import { BgpTwin } from '../../../local/emulators/arm/providers/bgpTwin';
import type { BgpSession } from '../../../local/emulators/arm';

/**
 * Route propagation is fixed when a route is advertised or withdrawn. A stand-in that re-read the delay at
 * every look made Route Server forget routes it had learned, and learn again routes it had withdrawn, when a
 * test slowed propagation: the chaos soak then saw rules "opened before their routes" and routes "learned
 * with no claim" that Azure would never show.
 */
describe('BGP twin: propagation fixed at the change', () => {
  const RS = ['10.0.1.4', '10.0.1.5'];
  const session = (prefixes: string[]): BgpSession[] => RS.map((peerIp) => ({
    cluster: 'spoke1-aks', localAsn: 63400, nodeName: 'aks-node-0', nodeIp: '10.1.0.4', peerIp, peerAsn: 65515,
    routes: prefixes.map((prefix) => ({ prefix, nextHop: '10.1.0.10', asPath: '63400' })),
  }));
  const fast = { routePropagationMs: 100, sessionEstablishMs: 0 };
  const slow = { routePropagationMs: 600_000, sessionEstablishMs: 0 };
  const learned = (twin: BgpTwin, now: number, timings: typeof fast): string[] =>
    twin.learned('10.1.0.4', 63400, '10.0.1.4', 65515, now, timings).map((r) => r.prefix);

  it('a learned route stays learned when propagation slows down', () => {
    const twin = new BgpTwin();
    twin.observe(session(['10.99.0.2/31']), 0, 1000, fast);
    expect(learned(twin, 200, fast)).toEqual(['10.99.0.2/31']);
    twin.retime(300, slow.routePropagationMs, slow);
    expect(learned(twin, 300, slow)).toEqual(['10.99.0.2/31']);
    // A route advertised from now on takes the slow propagation.
    twin.observe(session(['10.99.0.2/31', '10.99.0.4/31']), 400, 1000, slow);
    expect(learned(twin, 10_000, slow)).toEqual(['10.99.0.2/31']);
  });

  it('a withdrawal that took effect is not undone when propagation slows down', () => {
    const twin = new BgpTwin();
    twin.observe(session(['10.99.0.2/31']), 0, 1000, fast);
    twin.observe(session([]), 500, 1000, fast);
    expect(learned(twin, 550, fast)).toEqual(['10.99.0.2/31']);
    expect(learned(twin, 650, fast)).toEqual([]);
    // Not pruned yet (no sample since): slowing down must not bring it back.
    twin.retime(660, slow.routePropagationMs, slow);
    expect(learned(twin, 700, slow)).toEqual([]);
  });

  it('what is on its way arrives once propagation speeds up (a recovered network delivers what it held back)', () => {
    const twin = new BgpTwin();
    twin.observe(session(['10.99.0.2/31']), 0, 1000, slow);
    expect(learned(twin, 5_000, slow)).toEqual([]);
    twin.retime(5_000, fast.routePropagationMs, fast);
    expect(learned(twin, 5_050, fast)).toEqual([]);
    expect(learned(twin, 5_100, fast)).toEqual(['10.99.0.2/31']);
    // A withdrawal on its way speeds up too.
    twin.retime(6_000, slow.routePropagationMs, slow);
    twin.observe(session([]), 6_000, 1000, slow);
    expect(learned(twin, 60_000, slow)).toEqual(['10.99.0.2/31']);
    twin.retime(60_000, fast.routePropagationMs, fast);
    expect(learned(twin, 60_100, fast)).toEqual([]);
  });

  it('keeps the fixed times through a snapshot and restore', () => {
    const twin = new BgpTwin();
    twin.observe(session(['10.99.0.2/31']), 0, 1000, fast);
    const restored = new BgpTwin();
    restored.restore(JSON.parse(JSON.stringify(twin.snapshot())) as ReturnType<BgpTwin['snapshot']>);
    expect(learned(restored, 1_000, slow)).toEqual(['10.99.0.2/31']);
  });
});
