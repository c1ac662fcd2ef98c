import type { OrchestrationContext } from 'durable-functions';
import type { LifecycleInput, RouteProgress, WithdrawalProgress } from '../../../orchestrations/lifecycle-input';

// The module registers itself with df.app; registration is a no-op outside a Functions host.
jest.mock('durable-functions', () => {
  const actual = jest.requireActual('durable-functions');
  return { ...actual, app: { ...actual.app, orchestration: jest.fn(), activity: jest.fn() } };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tenantLifecycle } = require('../../../orchestrations/tenant-lifecycle') as typeof import('../../../orchestrations/tenant-lifecycle');

type Action = { activity: string; input: unknown } | { timer: string; waitMs: number };

/**
 * Drives the orchestrator generator the way the replay executor does, answering each activity
 * from `answer` and firing timers by moving the clock. Pins the order of actions.
 */
function run(input: LifecycleInput, answer: (activity: string, input: unknown) => unknown) {
  let now = new Date('2026-01-01T00:00:00Z');
  const actions: Action[] = [];
  const statuses: unknown[] = [];
  const context = {
    df: {
      instanceId: 'tenant:spoke1-aks:tenant0',
      get currentUtcDateTime() { return now; },
      getInput: () => input,
      setCustomStatus: (s: unknown) => { statuses.push(s); },
      callActivityWithRetry: (activity: string, _retry: unknown, activityInput: unknown) => ({ activity, input: activityInput }),
      createTimer: (at: Date) => ({ timer: at.toISOString(), waitMs: at.getTime() - now.getTime() }),
    },
  } as unknown as OrchestrationContext;
  const generator = tenantLifecycle(context) as Generator<unknown, unknown, unknown>;
  let next = generator.next();
  while (!next.done) {
    const action = next.value as Action;
    actions.push(action);
    if ('timer' in action) {
      now = new Date(action.timer);
      next = generator.next(undefined);
    } else {
      now = new Date(now.getTime() + 1000);
      next = generator.next(answer(action.activity, action.input));
    }
  }
  return { actions, statuses, result: next.value as { phase: string; error?: string } };
}

const input = (over: Partial<LifecycleInput> = {}): LifecycleInput => ({
  cluster: 'spoke1-aks', name: 'tenant0', operation: 'onboard',
  timing: { routeDeadlineSeconds: 60, pollInitialSeconds: 5, pollMaxSeconds: 20 }, onRouteFailure: 'rollback', ...over,
});
const ok = (value: unknown = undefined) => ({ ok: true, value });
const routes = (complete: boolean): RouteProgress => ({
  expected: ['10.99.0.0/31', '10.99.0.2/31'], learned: { RouteServiceRole_IN_0: complete ? 2 : 1, RouteServiceRole_IN_1: complete ? 2 : 0 },
  missing: complete ? {} : { RouteServiceRole_IN_0: ['10.99.0.2/31'], RouteServiceRole_IN_1: ['10.99.0.0/31', '10.99.0.2/31'] },
  complete, detail: complete ? 'all learned' : 'missing 10.99.0.2/31 on RouteServiceRole_IN_0; 10.99.0.0/31, 10.99.0.2/31 on RouteServiceRole_IN_1',
});
const activities = (actions: Action[]) => actions.flatMap((a) => ('activity' in a && a.activity !== 'recordTenantProgress' ? [a.activity] : []));

describe('tenantLifecycle orchestrator', () => {
  it('onboards in the walkthrough order, polling routes with backoff until both instances learned them', () => {
    let polls = 0;
    const { actions, result } = run(input(), (activity) => {
      switch (activity) {
        case 'allocateTenantCidr': return ok({ cidr: '10.99.0.0/29' });
        case 'checkTenantCapacity': return ok({ problems: [] });
        case 'applyTenantGateway': return ok({ objects: 5 });
        case 'readTenantRoutes': return ok(routes(++polls >= 3));
        case 'openTenantFirewall': return ok({ ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['tenant-spoke1-aks.tenant0-app'] });
        default: return ok();
      }
    });
    expect(result).toEqual({ phase: 'Ready' });
    expect(activities(actions)).toEqual([
      'allocateTenantCidr', 'checkTenantCapacity', 'applyTenantGateway',
      'readTenantRoutes', 'readTenantRoutes', 'readTenantRoutes', 'openTenantFirewall', 'publishTenantEvent',
    ]);
    const timers = actions.filter((a): a is { timer: string; waitMs: number } => 'timer' in a);
    // 5 s then 10 s: the poll interval doubles.
    expect(timers.map((t) => t.waitMs)).toEqual([5000, 10000]);
  });

  it('fails with the missing /31s per instance when routes never arrive, never opens the firewall, and rolls back', () => {
    const { actions, result } = run(input(), (activity) => {
      switch (activity) {
        case 'allocateTenantCidr': return ok({ cidr: '10.99.0.0/29' });
        case 'checkTenantCapacity': return ok({ problems: [] });
        case 'applyTenantGateway': return ok({ objects: 5 });
        case 'readTenantRoutes': return ok(routes(false));
        case 'readTenantWithdrawal': return ok({ remaining: {}, complete: true } satisfies WithdrawalProgress);
        default: return ok();
      }
    });
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('10.99.0.2/31 on RouteServiceRole_IN_0');
    expect(result.error).toContain('CIDR released (ON_ROUTE_FAILURE=rollback)');
    const names = activities(actions);
    expect(names).not.toContain('openTenantFirewall');
    expect(names.slice(-3)).toEqual(['removeTenantGateway', 'readTenantWithdrawal', 'releaseTenantCidr']);
  });

  it('keeps the gateway and CIDR when configured to, and says so', () => {
    const { actions, result } = run(input({ onRouteFailure: 'keep' }), (activity) =>
      activity === 'readTenantRoutes' ? ok(routes(false)) : activity === 'allocateTenantCidr' ? ok({ cidr: '10.99.0.0/29' }) : activity === 'checkTenantCapacity' ? ok({ problems: [] }) : ok({ objects: 1 }));
    expect(result.error).toContain('kept (ON_ROUTE_FAILURE=keep)');
    expect(activities(actions)).not.toContain('removeTenantGateway');
  });

  it('fails fast on a permanent activity failure, releasing the claim when capacity is short', () => {
    const { actions, result } = run(input(), (activity) =>
      activity === 'allocateTenantCidr' ? ok({ cidr: '10.99.0.0/29' }) : activity === 'checkTenantCapacity' ? ok({ problems: ['route budget: 801 > 800 per peer'] }) : ok());
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('route budget');
    expect(activities(actions)).toEqual(['allocateTenantCidr', 'checkTenantCapacity', 'releaseTenantCidr']);
  });

  it('re-converges only the firewall for an allowlist-only update', () => {
    const { actions, result } = run(input({ operation: 'update', changes: { gateway: false, firewall: true } }), (activity) =>
      activity === 'openTenantFirewall' ? ok({ ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['x'] }) : ok());
    expect(result.phase).toBe('Ready');
    expect(activities(actions)).toEqual(['openTenantFirewall', 'publishTenantEvent']);
  });

  it('offboards: firewall closed before Calico is removed, CIDR released only after withdrawal', () => {
    let polls = 0;
    const { actions, result } = run(input({ operation: 'offboard' }), (activity) =>
      activity === 'readTenantWithdrawal' ? ok({ remaining: { RouteServiceRole_IN_0: ++polls < 2 ? ['10.99.0.0/31'] : [] }, complete: polls >= 2 }) : ok());
    expect(result.phase).toBe('Deleted');
    expect(activities(actions)).toEqual(['closeTenantFirewall', 'removeTenantGateway', 'readTenantWithdrawal', 'readTenantWithdrawal', 'releaseTenantCidr']);
  });
});
