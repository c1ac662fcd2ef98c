import { SETTLED_PHASES as DOMAIN_SETTLED } from '../../../lib/domain/lifecycle/admission';
import { SETTLED_PHASES, firewallState, isSettled, learnedPerInstance, planTenantReads, refreshDelayMs, routeServerInstances } from '../../../lib/console/tenant-status.mjs';
import { tenant } from './fixtures';

describe('tenant status at a glance', () => {
  it('the console settles on exactly the phases the lifecycle settles on', () => {
    expect([...SETTLED_PHASES].sort()).toEqual([...DOMAIN_SETTLED].sort());
  });

  it('a running step means a lifecycle runs, whatever the phase says', () => {
    expect(isSettled(tenant('a'))).toBe(true);
    expect(isSettled(tenant('a', { phase: 'WaitingForRoutes' }))).toBe(false);
    expect(isSettled(tenant('a', { phase: 'Degraded' }))).toBe(true);
    const running = tenant('a');
    running.steps[4] = { name: 'openFirewall', state: 'Running' };
    expect(isSettled(running)).toBe(false);
  });

  it('polls fast while any lifecycle runs and slowly once all settled', () => {
    expect(refreshDelayMs([tenant('a'), tenant('b')])).toBe(10_000);
    expect(refreshDelayMs([tenant('a'), tenant('b', { phase: 'Deleting', steps: [{ name: 'closeFirewall', state: 'Running' }] })])).toBe(2_000);
    expect(refreshDelayMs([])).toBe(10_000);
  });

  it('firewall state follows the steps: waiting, writing, open with its placement, closing, closed', () => {
    const steps = (openState: string) => tenant('a').steps.map((s) => (s.name === 'openFirewall' ? { name: s.name, state: openState, detail: 'queued behind 1 tenant' } : s));
    expect(firewallState({ ...tenant('a', { phase: 'WaitingForRoutes', firewall: null }), steps: steps('Pending') }).label).toBe('waiting for routes');
    expect(firewallState({ ...tenant('a', { phase: 'OpeningFirewall', firewall: null }), steps: steps('Running') })).toEqual({ label: 'writing', tone: 'busy', detail: 'queued behind 1 tenant' });
    expect(firewallState(tenant('a'))).toEqual({ label: 'open', tone: 'ok', detail: 'egress-pilot-0: tenant-spoke1-aks.a-app, tenant-spoke1-aks.a-net' });
    expect(firewallState(tenant('a', { phase: 'Deleting', operation: 'offboard', steps: [{ name: 'closeFirewall', state: 'Running' }] })).label).toBe('closing');
    expect(firewallState(tenant('a', { phase: 'Deleted', operation: 'offboard', steps: [{ name: 'closeFirewall', state: 'Succeeded' }] })).label).toBe('closed');
    expect(firewallState({ ...tenant('a', { phase: 'Failed', firewall: null }), steps: steps('Failed') }).tone).toBe('bad');
  });

  it('counts /31s learned per Route Server instance against those expected', () => {
    const t = tenant('a', { routes: { expected: ['10.99.0.0/31', '10.99.0.2/31'], learned: { RouteServiceRole_IN_0: 2, RouteServiceRole_IN_1: 1 } } });
    const instances = routeServerInstances([t]);
    expect(instances).toEqual(['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']);
    expect(learnedPerInstance(t, instances)).toEqual([
      { instance: 'RouteServiceRole_IN_0', learned: 2, expected: 2, complete: true },
      { instance: 'RouteServiceRole_IN_1', learned: 1, expected: 2, complete: false },
    ]);
  });

  it('reads the whole list every 10 s, and in between only the tenants whose lifecycle runs', () => {
    const tenants = [tenant('a'), tenant('b', { phase: 'WaitingForRoutes' }), tenant('c', { cluster: 'spoke2-aks', phase: 'Deleting' })];
    expect(planTenantReads(undefined, 0)).toEqual({ kind: 'all' });
    expect(planTenantReads({ readAt: 1_000, tenants }, 11_000)).toEqual({ kind: 'all' });
    expect(planTenantReads({ readAt: 1_000, tenants }, 3_000)).toEqual({ kind: 'some', tenants: [{ cluster: 'spoke1-aks', name: 'b' }, { cluster: 'spoke2-aks', name: 'c' }] });
    expect(planTenantReads({ readAt: 1_000, tenants: [tenant('a')] }, 3_000)).toEqual({ kind: 'some', tenants: [] });
  });
});
