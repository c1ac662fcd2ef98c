import type { TenantView } from '../../../cli/api-types';
import { changeLines, currentRun, firewallStage, formatDuration, liveBlock, routesSummary } from '../../../cli/progress';

const base: TenantView = {
  name: 't1', cluster: 'spoke1-aks', cidr: null, phase: 'Pending', operation: 'onboard',
  steps: ['allocateCidr', 'checkCapacity', 'applyGateway', 'waitForRoutes', 'openFirewall', 'publishReady'].map((name) => ({ name, state: 'Pending' })),
  routes: { expected: [], learned: {} }, firewall: null,
};
type StepPatch = { state: string; startedAt?: string; endedAt?: string; detail?: string };
const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
function next(view: TenantView, change: Partial<TenantView> & { step?: [string, StepPatch] }): TenantView {
  const { step, ...rest } = change;
  return { ...view, ...rest, steps: view.steps.map((s) => (step && s.name === step[0] ? { name: s.name, ...step[1] } : s)) };
}

describe('changeLines (--wait off a terminal)', () => {
  it('says each change once, in the lifecycle\'s order, with durations and the firewall write stage', () => {
    const views: TenantView[] = [base];
    let v = next(base, { phase: 'Allocating', step: ['allocateCidr', { state: 'Running', startedAt: at(0) }] }); views.push(v);
    v = next(v, { cidr: '10.99.0.0/29', step: ['allocateCidr', { state: 'Succeeded', startedAt: at(0), endedAt: at(1), detail: '10.99.0.0/29' }] }); views.push(v);
    v = next(v, { phase: 'WaitingForRoutes', step: ['waitForRoutes', { state: 'Running', startedAt: at(2) }], routes: { expected: ['10.99.0.0/31', '10.99.0.2/31'], learned: { IN_0: 0, IN_1: 0 } } }); views.push(v);
    v = next(v, { step: ['waitForRoutes', { state: 'Running', startedAt: at(2), detail: 'missing 10.99.0.2/31 on IN_1' }], routes: { expected: ['10.99.0.0/31', '10.99.0.2/31'], learned: { IN_0: 2, IN_1: 1 } } }); views.push(v);
    views.push(v); // nothing changed: no line
    v = next(v, { step: ['waitForRoutes', { state: 'Succeeded', startedAt: at(2), endedAt: at(14), detail: '2 /31 learned' }], routes: { expected: ['10.99.0.0/31', '10.99.0.2/31'], learned: { IN_0: 2, IN_1: 2 } } }); views.push(v);
    v = next(v, { phase: 'OpeningFirewall', step: ['openFirewall', { state: 'Running', startedAt: at(15) }] }); views.push(v);
    v = next(v, { step: ['openFirewall', { state: 'Running', startedAt: at(15), detail: 'queued: waiting for the writer held by x' }] }); views.push(v);
    v = next(v, { step: ['openFirewall', { state: 'Running', startedAt: at(15), detail: 'writing: a round carried 2 change(s) in 1 group write(s)' }] }); views.push(v);
    v = next(v, { phase: 'Ready', step: ['openFirewall', { state: 'Succeeded', startedAt: at(15), endedAt: at(135), detail: 'tenant-a-net in egress-pilot-0' }] }); views.push(v);

    const lines = views.flatMap((view, i) => changeLines(i === 0 ? undefined : views[i - 1], view));
    expect(lines).toEqual([
      'tenant spoke1-aks/t1: phase Pending',
      'step allocateCidr: Running',
      'phase Allocating',
      'step allocateCidr: Succeeded in 1.0s - 10.99.0.0/29',
      'CIDR 10.99.0.0/29',
      'step waitForRoutes: Running',
      'phase WaitingForRoutes',
      'routes learned IN_0 0/2, IN_1 0/2',
      'step waitForRoutes: missing 10.99.0.2/31 on IN_1',
      'routes learned IN_0 2/2, IN_1 1/2',
      'step waitForRoutes: Succeeded in 12s - 2 /31 learned',
      'routes learned IN_0 2/2, IN_1 2/2',
      'step openFirewall: Running',
      'firewall requested',
      'phase OpeningFirewall',
      'firewall queued: waiting for the writer held by x',
      'firewall writing: a round carried 2 change(s) in 1 group write(s)',
      'step openFirewall: Succeeded in 2m00s - tenant-a-net in egress-pilot-0',
      'firewall done',
      'phase Ready',
      'spoke1-aks/t1 Ready (10.99.0.0/29)',
    ]);
  });

  it('ends with why a tenant failed, or that a failed update left it on its previous spec', () => {
    expect(changeLines({ ...base, phase: 'Allocating' }, { ...base, phase: 'Failed', error: 'capacity: pool full' }).at(-1)).toBe('spoke1-aks/t1 Failed: capacity: pool full');
    expect(changeLines({ ...base, phase: 'Updating' }, { ...base, phase: 'Ready', lastAttempt: { step: 'waitForRoutes', error: 'routes not learned', at: at(1) } }).at(-1))
      .toBe('spoke1-aks/t1 Ready on its previous spec; the update failed at waitForRoutes: routes not learned');
  });
});

describe('firewallStage', () => {
  it('reads the single writer\'s words, and the step state when it has none', () => {
    expect(firewallStage(undefined)).toBeUndefined();
    expect(firewallStage({ name: 'openFirewall', state: 'Pending' })).toBe('waiting');
    expect(firewallStage({ name: 'openFirewall', state: 'Running' })).toBe('requested');
    expect(firewallStage({ name: 'openFirewall', state: 'Running', detail: 'queued: x' })).toBe('queued');
    expect(firewallStage({ name: 'openFirewall', state: 'Running', detail: 'writing: y' })).toBe('writing');
    expect(firewallStage({ name: 'openFirewall', state: 'Succeeded' })).toBe('done');
    expect(firewallStage({ name: 'closeFirewall', state: 'Failed' })).toBe('failed');
  });
});

describe('liveBlock (--wait on a terminal)', () => {
  it('shows every step with state and duration (running ones against now), /31s learned x/y per instance, and the firewall write', () => {
    const view: TenantView = {
      ...base, phase: 'OpeningFirewall', cidr: '10.99.0.0/29',
      steps: [
        { name: 'allocateCidr', state: 'Succeeded', startedAt: at(0), endedAt: at(1) },
        { name: 'waitForRoutes', state: 'Succeeded', startedAt: at(2), endedAt: at(14) },
        { name: 'openFirewall', state: 'Running', startedAt: at(15), detail: 'queued: waiting' },
        { name: 'publishReady', state: 'Pending' },
      ],
      routes: { expected: ['a', 'b'], learned: { IN_1: 1, IN_0: 2 } },
    };
    expect(liveBlock(view, Date.parse(at(45))).split('\n')).toEqual([
      'spoke1-aks/t1  OpeningFirewall (onboard)  10.99.0.0/29',
      '  ✔ allocateCidr   Succeeded   1.0s',
      '  ✔ waitForRoutes  Succeeded    12s',
      '  - openFirewall   Running      30s  queued: waiting',
      '  · publishReady   Pending         ',
      '  /31s learned  IN_0 2/2   IN_1 1/2',
      '  firewall write  queued',
    ]);
    expect(liveBlock({ ...view, routes: { expected: [], learned: { IN_0: 0, IN_1: 0 } } }, 0)).toContain('  /31s learned  none expected yet (no gateway pod ready)');
  });
});

describe('formatting', () => {
  it('formats durations and route counts', () => {
    expect([formatDuration(400), formatDuration(12_400), formatDuration(125_000)]).toEqual(['0.4s', '12s', '2m05s']);
    expect(routesSummary({ expected: ['a'], learned: {} })).toBeUndefined();
    expect(routesSummary({ expected: [], learned: { IN_0: 0 } })).toBeUndefined();
  });
});

describe('currentRun', () => {
  it('hides the steps and routes of a previous run that the first GET after the 202 may still show', () => {
    const old: TenantView = { ...base, phase: 'Deleting', steps: [{ name: 'allocateCidr', state: 'Succeeded', startedAt: at(0), endedAt: at(1) }], routes: { expected: ['a'], learned: { IN_0: 1 } } };
    expect(currentRun(old, Date.parse(at(5)))).toMatchObject({ phase: 'Deleting', steps: [], routes: { expected: [], learned: {} } });
    const fresh: TenantView = { ...old, steps: [{ name: 'closeFirewall', state: 'Running', startedAt: at(6) }, { name: 'removeGateway', state: 'Pending' }], routes: { expected: [], learned: {} } };
    expect(currentRun(fresh, Date.parse(at(5)))).toBe(fresh);
    expect(currentRun(old, undefined)).toBe(old);
    // The delete's lines then start with this run's steps only.
    expect(changeLines(currentRun(old, Date.parse(at(5))), currentRun(fresh, Date.parse(at(5))))).toEqual(['step closeFirewall: Running', 'firewall requested']);
  });
});
