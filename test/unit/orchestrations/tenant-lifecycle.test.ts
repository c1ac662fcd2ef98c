import type { OrchestrationContext } from 'durable-functions';
import type { FirewallProgress, LifecycleInput, RouteProgress, WithdrawalProgress } from '../../../orchestrations/lifecycle-input';

// The module registers itself with df.app; registration is a no-op outside a Functions host.
jest.mock('durable-functions', () => {
  const actual = jest.requireActual('durable-functions');
  return { ...actual, app: { ...actual.app, orchestration: jest.fn(), activity: jest.fn() } };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tenantLifecycle } = require('../../../orchestrations/tenant-lifecycle') as typeof import('../../../orchestrations/tenant-lifecycle');

type Timer = { timer: string; waitMs: number; cancel: () => void };
type Action = { activity: string; input: unknown } | Timer | { any: [Timer, { event: string }] };

/**
 * Drives the orchestrator generator the way the replay executor does, answering each activity
 * from `answer` and firing timers by moving the clock. Pins the order of actions.
 */
function run(input: LifecycleInput, answer: (activity: string, input: unknown) => unknown, opts: { wakeByEvent?: boolean } = {}) {
  let now = new Date('2026-01-01T00:00:00Z');
  const actions: Action[] = [];
  const statuses: unknown[] = [];
  const cancelled: string[] = [];
  const context = {
    df: {
      instanceId: 'tenant:spoke1-aks:tenant0',
      get currentUtcDateTime() { return now; },
      getInput: () => input,
      setCustomStatus: (s: unknown) => { statuses.push(s); },
      callActivityWithRetry: (activity: string, _retry: unknown, activityInput: unknown) => ({ activity, input: activityInput }),
      createTimer: (at: Date): Timer => ({ timer: at.toISOString(), waitMs: at.getTime() - now.getTime(), cancel: () => { cancelled.push(at.toISOString()); } }),
      waitForExternalEvent: (event: string) => ({ event }),
      Task: { any: (tasks: [Timer, { event: string }]) => ({ any: tasks }) },
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
    } else if ('any' in action) {
      // The event wins at once when asked (a round carried the change), else the timer fires.
      if (opts.wakeByEvent) next = generator.next(action.any[1]);
      else { now = new Date(action.any[0].timer); next = generator.next(action.any[0]); }
    } else {
      now = new Date(now.getTime() + 1000);
      next = generator.next(answer(action.activity, action.input));
    }
  }
  return { actions, statuses, cancelled, result: next.value as { phase: string; error?: string } };
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
const bookkeeping = new Set(['recordTenantProgress', 'beginTenantLifecycle']);
const activities = (actions: Action[]) => actions.flatMap((a) => ('activity' in a && !bookkeeping.has(a.activity) ? [a.activity] : []));
/** The firewall calls with the state asked for: `requestTenantFirewall:open`. */
const firewallCalls = (actions: Action[]) => actions.flatMap((a) => ('activity' in a && a.activity === 'requestTenantFirewall' ? [`requestTenantFirewall:${(a.input as { state: string }).state}`] : []));
const applied: FirewallProgress = { complete: true, detail: 'done', placement: { ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['tenant-spoke1-aks.tenant0-app'] } };
const withdrawn: WithdrawalProgress = { remaining: {}, complete: true };
/** Answers every activity of a lifecycle that works, unless `over` says otherwise. */
function cloud(over: Record<string, (input: unknown) => unknown> = {}) {
  return (activity: string, activityInput: unknown): unknown => {
    const custom = over[activity];
    if (custom) return custom(activityInput);
    switch (activity) {
      case 'beginTenantLifecycle': return ok({ run: 7 });
      case 'allocateTenantCidr': return ok({ cidr: '10.99.0.0/29' });
      case 'checkTenantCapacity': return ok({ problems: [] });
      case 'applyTenantGateway': return ok({ objects: 5 });
      case 'readTenantRoutes': return ok(routes(true));
      case 'requestTenantFirewall': return ok({ version: 1 });
      case 'advanceTenantFirewall': return ok(applied);
      case 'readTenantWithdrawal': return ok(withdrawn);
      case 'restoreServingSpec': return ok({ restored: true, droppedNamespaces: ['new-ns'] });
      case 'removeTenantGateway': return ok({ clusterGone: false });
      default: return ok();
    }
  };
}
const failed = (error: string) => () => ({ ok: false, error });
/** The phase and `serving` of every progress record, in order. */
const records = (actions: Action[]) => actions.flatMap((a) => ('activity' in a && a.activity === 'recordTenantProgress' ? [a.input as { phase: string; serving?: string; run: number; error?: string }] : []));


describe('tenantLifecycle orchestrator', () => {
  it('onboards in the walkthrough order, polling routes with backoff until both instances learned them', () => {
    let polls = 0;
    const { actions, result } = run(input(), cloud({ readTenantRoutes: () => ok(routes(++polls >= 3)) }));
    expect(result).toEqual({ phase: 'Ready' });
    expect(activities(actions)).toEqual([
      'allocateTenantCidr', 'checkTenantCapacity', 'applyTenantGateway',
      'readTenantRoutes', 'readTenantRoutes', 'readTenantRoutes', 'requestTenantFirewall', 'advanceTenantFirewall', 'publishTenantEvent',
    ]);
    const timers = actions.filter((a): a is Timer => 'timer' in a);
    // 5 s then 10 s: the poll interval doubles.
    expect(timers.map((t) => t.waitMs)).toEqual([5000, 10000]);
    // Every effect carries the run the lifecycle took first; Ready marks the spec as serving.
    expect((actions[0] as { activity: string }).activity).toBe('beginTenantLifecycle');
    for (const a of actions) if ('activity' in a && ['allocateTenantCidr', 'applyTenantGateway', 'requestTenantFirewall'].includes(a.activity)) expect(a.input).toMatchObject({ run: 7 });
    expect(records(actions).at(-1)).toMatchObject({ phase: 'Ready', serving: 'spec', run: 7 });
  });

  it('waits for the firewall writer with durable timers, never inside one long activity', () => {
    let advances = 0;
    const { actions, result } = run(input(), cloud({ advanceTenantFirewall: () => ok(++advances < 3 ? { complete: false, detail: 'queued behind the writer' } : applied) }));
    expect(result.phase).toBe('Ready');
    expect(activities(actions).filter((a) => a === 'advanceTenantFirewall')).toHaveLength(3);
    // Each sleep is a durable timer raced with the writer's "round carried" event.
    const sleeps = actions.flatMap((a) => ('any' in a ? [a.any] : []));
    expect(sleeps.map(([timer, event]) => [timer.waitMs, event.event])).toEqual([[5000, 'FirewallRoundCarried'], [10000, 'FirewallRoundCarried']]);
  });

  it('asks the writer again as soon as a round says it carried the change, cancelling the timer', () => {
    let advances = 0;
    const answer = cloud({ advanceTenantFirewall: () => ok(++advances < 3 ? { complete: false, detail: 'queued behind the writer' } : applied) });
    const { actions, result, cancelled } = run(input(), answer, { wakeByEvent: true });
    expect(result.phase).toBe('Ready');
    expect(actions.filter((a) => 'any' in a)).toHaveLength(2);
    expect(cancelled).toHaveLength(2);
  });

  it('fails with the missing /31s per instance when routes never arrive, never opens the firewall, and rolls back', () => {
    const { actions, result } = run(input(), cloud({ readTenantRoutes: () => ok(routes(false)) }));
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('10.99.0.2/31 on RouteServiceRole_IN_0');
    expect(result.error).toContain('rolled back: nothing of the tenant is left');
    // Never opened; closing is asked all the same (rules may be left from an earlier life), before the pool goes.
    expect(firewallCalls(actions)).toEqual(['requestTenantFirewall:closed']);
    expect(activities(actions).slice(-5)).toEqual(['requestTenantFirewall', 'advanceTenantFirewall', 'removeTenantGateway', 'readTenantWithdrawal', 'releaseTenantCidr']);
    expect(records(actions).at(-1)).toMatchObject({ phase: 'Failed', serving: 'none' });
  });

  it('rolls back a failed onboarding whatever step failed: a missing namespace at applyGateway', () => {
    const { actions, result } = run(input(), cloud({ applyTenantGateway: failed('application namespace tenant1-apps does not exist on cluster spoke1-aks') }));
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('tenant1-apps does not exist');
    expect(activities(actions).slice(-6)).toEqual(['applyTenantGateway', 'requestTenantFirewall', 'advanceTenantFirewall', 'removeTenantGateway', 'readTenantWithdrawal', 'releaseTenantCidr']);
  });

  it('closes the rules before anything else when onboarding fails at the firewall', () => {
    let advances = 0;
    const { actions, result } = run(input(), cloud({ advanceTenantFirewall: () => ok(++advances === 1 ? { ...applied, failure: 'no room in 50 rule collection groups' } : applied) }));
    expect(result.phase).toBe('Failed');
    const names = activities(actions);
    // The close is asked for (and waited on) before the Calico objects go, and the CIDR goes last.
    expect(firewallCalls(actions)).toEqual(['requestTenantFirewall:open', 'requestTenantFirewall:closed']);
    const closeAt = actions.findIndex((a) => 'activity' in a && a.activity === 'requestTenantFirewall' && (a.input as { state: string }).state === 'closed');
    const removeAt = actions.findIndex((a) => 'activity' in a && a.activity === 'removeTenantGateway');
    expect(closeAt).toBeGreaterThan(0);
    expect(removeAt).toBeGreaterThan(closeAt);
    expect(names.at(-1)).toBe('releaseTenantCidr');
  });

  it('releases the claim when capacity is short, through the same rollback', () => {
    const { actions, result } = run(input(), cloud({ checkTenantCapacity: () => ok({ problems: ['route budget: 801 > 800 per peer'] }) }));
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('route budget');
    expect(activities(actions)).toEqual(['allocateTenantCidr', 'checkTenantCapacity', 'requestTenantFirewall', 'advanceTenantFirewall', 'readTenantWithdrawal', 'releaseTenantCidr']);
  });

  it('keeps CIDR and Calico objects when configured to, says so, and still closes the rules', () => {
    const keep = run(input({ onRouteFailure: 'keep' }), cloud({ readTenantRoutes: () => ok(routes(false)) }));
    expect(keep.result.error).toContain('kept (ON_ROUTE_FAILURE=keep)');
    expect(activities(keep.actions)).not.toContain('removeTenantGateway');
    expect(activities(keep.actions)).not.toContain('releaseTenantCidr');
    let advances = 0;
    const atFirewall = run(input({ onRouteFailure: 'keep' }), cloud({ advanceTenantFirewall: () => ok(++advances === 1 ? { ...applied, failure: 'no room' } : applied) }));
    expect(firewallCalls(atFirewall.actions)).toEqual(['requestTenantFirewall:open', 'requestTenantFirewall:closed']);
  });

  it('settles Failed, saying how far it got, when the rollback itself fails', () => {
    const { result, actions } = run(input(), cloud({ readTenantRoutes: () => ok(routes(false)), removeTenantGateway: failed('cluster API refused: 403') }));
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('rollback stopped while removing the Calico resources: cluster API refused: 403');
    expect(activities(actions)).not.toContain('releaseTenantCidr');
    expect(records(actions).at(-1)).toMatchObject({ phase: 'Failed' });
  });

  it('returns instead of throwing when even the failure cannot be recorded (a newer run holds the tenant)', () => {
    let recorded = 0;
    const { result } = run(input(), cloud({
      applyTenantGateway: failed('superseded: lifecycle run 8 now holds tenant spoke1-aks/tenant0'),
      removeTenantGateway: failed('superseded'),
      recordTenantProgress: () => (++recorded > 3 ? { ok: false, error: 'superseded' } : ok()),
    }));
    expect(result.phase).toBe('Failed');
    expect(result.error).toContain('not recorded');
  });

  it('re-converges only the firewall for an allowlist-only update', () => {
    const { actions, result } = run(input({ operation: 'update', changes: { gateway: false, firewall: true } }), cloud());
    expect(result.phase).toBe('Ready');
    expect(activities(actions)).toEqual(['requestTenantFirewall', 'advanceTenantFirewall', 'publishTenantEvent']);
  });

  it('a failed update never takes away what works: back to the serving spec, still Ready, the attempt shown', () => {
    const { actions, result } = run(input({ operation: 'update', changes: { gateway: true, firewall: true } }), cloud({ readTenantRoutes: () => ok(routes(false)) }));
    expect(result.phase).toBe('Ready');
    expect(result.error).toContain('keeps serving its previous spec');
    const names = activities(actions);
    // Nothing is torn down or released: the serving spec is restored and its gateway re-applied.
    expect(names).not.toContain('removeTenantGateway');
    expect(names).not.toContain('releaseTenantCidr');
    expect(names).not.toContain('readTenantWithdrawal');
    expect(names.slice(-2)).toEqual(['restoreServingSpec', 'applyTenantGateway']);
    const reapply = actions.filter((a) => 'activity' in a && a.activity === 'applyTenantGateway').at(-1) as { input: unknown };
    expect(reapply.input).toMatchObject({ run: 7, removedNamespaces: ['new-ns'] });
    expect(firewallCalls(actions)).toEqual([]);
    expect(records(actions).at(-1)).toMatchObject({ phase: 'Ready', error: expect.stringContaining('update failed') });
    expect(records(actions).at(-1)?.serving).toBeUndefined();
  });

  it('a failed update ends Ready only once the restored spec is verified again, else Degraded naming what failed', () => {
    const verifying = (ok_: boolean) => () => ok({ ok: ok_, complete: ok_, results: [], problems: ok_ ? [] : ['www.tigera.io:443 refused by the firewall (470)'] });
    const update = input({ operation: 'update', changes: { gateway: true, firewall: true }, egressVerify: { deadlineSeconds: 30 } });
    const proven = run(update, cloud({ readTenantRoutes: () => ok(routes(false)), verifyTenantEgress: verifying(true) }));
    expect(proven.result.phase).toBe('Ready');
    expect(activities(proven.actions).slice(-3)).toEqual(['restoreServingSpec', 'applyTenantGateway', 'verifyTenantEgress']);
    const unproven = run(update, cloud({ readTenantRoutes: () => ok(routes(false)), verifyTenantEgress: verifying(false) }));
    expect(unproven.result.phase).toBe('Degraded');
    expect(unproven.result.error).toMatch(/keeps serving its previous spec, but egress verification failed after 30s: www\.tigera\.io:443 refused by the firewall \(470\)/);
    expect(records(unproven.actions).at(-1)).toMatchObject({ phase: 'Degraded' });
    expect(activities(unproven.actions)).not.toContain('removeTenantGateway');
  });

  it('a failed allowlist update puts the previous rules back', () => {
    const { actions, result } = run(input({ operation: 'update', changes: { gateway: false, firewall: true } }), cloud({
      advanceTenantFirewall: (() => { let n = 0; return () => ok(++n === 1 ? { ...applied, failure: 'no room' } : applied); })(),
    }));
    expect(result.phase).toBe('Ready');
    expect(firewallCalls(actions)).toEqual(['requestTenantFirewall:open', 'requestTenantFirewall:open']);
    expect(activities(actions)).toContain('restoreServingSpec');
  });

  it('offboards: firewall closed before Calico is removed, CIDR released only after withdrawal', () => {
    let polls = 0;
    const { actions, result } = run(input({ operation: 'offboard' }), cloud({
      readTenantWithdrawal: () => ok({ remaining: { RouteServiceRole_IN_0: ++polls < 2 ? ['10.99.0.0/31'] : [] }, complete: polls >= 2 }),
    }));
    expect(result.phase).toBe('Deleted');
    expect(activities(actions)).toEqual(['requestTenantFirewall', 'advanceTenantFirewall', 'removeTenantGateway', 'readTenantWithdrawal', 'readTenantWithdrawal', 'releaseTenantCidr']);
    expect(firewallCalls(actions)).toEqual(['requestTenantFirewall:closed']);
    expect(records(actions).at(-1)).toMatchObject({ phase: 'Deleted', serving: 'none' });
  });

  it('offboards a tenant whose AKS cluster was deleted, down to the released CIDR', () => {
    const { actions, result } = run(input({ operation: 'offboard' }), cloud({ removeTenantGateway: () => ok({ clusterGone: true }) }));
    expect(result.phase).toBe('Deleted');
    expect(activities(actions).at(-1)).toBe('releaseTenantCidr');
  });

  it('a lifecycle the resume sweep started does nothing when the tenant moved on since the sweep read it', () => {
    const resumeOf = { phase: 'Deleting', updatedAt: '2026-01-01T00:00:00.000Z' };
    const { actions, result } = run(input({ operation: 'offboard', resumeOf }), cloud({ beginTenantLifecycle: () => ok({ skipped: 'resume skipped: the tenant moved on' }) }));
    expect(result).toEqual({ skipped: 'resume skipped: the tenant moved on' });
    expect(actions).toHaveLength(1);
    expect((actions[0] as { input: unknown }).input).toMatchObject({ cluster: 'spoke1-aks', name: 'tenant0', resumeOf });
  });
});
