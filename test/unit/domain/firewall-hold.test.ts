import type { Phase } from '../../../lib/domain/lifecycle/progress';
import { APPROACH_WINDOW_HOLDS, decideRoundHold, holdPollMs, tenantsOnTheirWay, type ApproachingTenant } from '../../../lib/domain/firewall-hold';

const NOW = 1_000_000;
const LIMIT = 12_000;
const tenant = (name: string, phase: Phase, agoMs = 1_000): ApproachingTenant & { name: string } => ({ name, phase, sinceMs: NOW - agoMs });
const open = [{ state: 'open' as const }];

describe('decideRoundHold', () => {
  it('holds while a few other tenants are on their way to the firewall step (no more than are ready), and says for how many', () => {
    const d = decideRoundHold({ pending: [...open, ...open], tenants: [tenant('a', 'WaitingForRoutes'), tenant('b', 'ApplyingGateway'), tenant('c', 'OpeningFirewall')], heldMs: 0, nowMs: NOW }, LIMIT);
    expect(d).toEqual({ hold: true, approaching: 2, detail: 'holding the round for 2 tenant(s) about to need the firewall (up to 12 s)' });
  });
  it('does not hold for the crowd: more on their way than ready means another round anyway', () => {
    const d = decideRoundHold({ pending: open, tenants: [tenant('a', 'WaitingForRoutes'), tenant('b', 'Allocating')], heldMs: 0, nowMs: NOW }, LIMIT);
    expect(d).toEqual({ hold: false, approaching: 2, detail: '2 tenant(s) on their way, more than the 1 ready: another round is needed anyway, this one goes at once' });
  });
  it('never holds a lone tenant: nobody else before the firewall step', () => {
    const d = decideRoundHold({ pending: open, tenants: [tenant('c', 'OpeningFirewall'), tenant('d', 'Deleting'), tenant('e', 'Updating')], heldMs: 0, nowMs: NOW }, LIMIT);
    expect(d.hold).toBe(false);
    expect(d.detail).toBe('no other tenant is on its way to the firewall step');
  });
  it('never holds a round that closes rules (offboarding removes access at once)', () => {
    const d = decideRoundHold({ pending: [{ state: 'open' }, { state: 'closed' }], tenants: [tenant('a', 'WaitingForRoutes')], heldMs: 0, nowMs: NOW }, LIMIT);
    expect(d).toMatchObject({ hold: false, detail: 'a change closes rules: written at once' });
  });
  it('stops at the limit, whoever is still on the way', () => {
    const facts = { pending: open, tenants: [tenant('a', 'Allocating')], nowMs: NOW };
    expect(decideRoundHold({ ...facts, heldMs: LIMIT - 1 }, LIMIT).hold).toBe(true);
    const d = decideRoundHold({ ...facts, heldMs: LIMIT }, LIMIT);
    expect(d).toMatchObject({ hold: false, approaching: 1 });
    expect(d.detail).toMatch(/held 12 s, the most allowed; 1 tenant\(s\) still on their way go in the next round/);
  });
  it('is off with a limit of 0', () => {
    expect(decideRoundHold({ pending: open, tenants: [tenant('a', 'Pending')], heldMs: 0, nowMs: NOW }, 0)).toMatchObject({ hold: false, detail: 'holding is off' });
  });
});

describe('tenantsOnTheirWay', () => {
  it('leaves out a tenant stuck in its phase for longer than the approach window (routes that never come)', () => {
    const window = LIMIT * APPROACH_WINDOW_HOLDS;
    const on = tenantsOnTheirWay([tenant('fresh', 'WaitingForRoutes', window), tenant('stuck', 'WaitingForRoutes', window + 1), tenant('ready', 'Ready')], NOW, LIMIT);
    expect(on.map((t) => t.name)).toEqual(['fresh']);
  });
});

describe('holdPollMs', () => {
  it('looks again a dozen times per hold, between 0.5 and 5 s', () => {
    expect(holdPollMs(12_000)).toBe(1_000);
    expect(holdPollMs(1_000)).toBe(500);
    expect(holdPollMs(180_000)).toBe(5_000);
  });
});
