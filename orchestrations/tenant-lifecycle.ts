import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import {
  currentStep, failStep, initialSteps, phaseOfStep, startStep, succeedStep, noteStep,
  type Phase, type Step,
} from '../lib/domain/lifecycle/progress';
import { callStep, StepFailed } from './activity-outcome';
import { pollWithBackoff } from './polling';
import type { LifecycleInput, RouteProgress, TenantRef, WithdrawalProgress } from './lifecycle-input';
import type { FirewallPlacement, TenantProgressRecord } from './activities/contracts';

type Gen<T> = Generator<Task, T, unknown>;

/**
 * One tenant's lifecycle: onboarding, update or offboarding, read top to bottom like the manual
 * walkthrough. Deterministic: time comes from currentUtcDateTime, every effect from an activity.
 */
export const tenantLifecycle: OrchestrationHandler = function* (context: OrchestrationContext): Gen<unknown> {
  const input = context.df.getInput<LifecycleInput>();
  const tenant: TenantRef = { cluster: input.cluster, name: input.name };
  const now = (): string => context.df.currentUtcDateTime.toISOString();

  const skipped = new Set<string>();
  if (input.operation === 'update' && input.changes) {
    if (!input.changes.gateway) skipped.add('applyGateway').add('waitForRoutes');
    if (!input.changes.firewall) skipped.add('openFirewall');
  }
  let steps: Step[] = initialSteps(input.operation, skipped);
  let routes: RouteProgress | undefined;
  let firewall: FirewallPlacement | undefined;
  let phase: Phase = input.operation === 'onboard' ? 'Pending' : input.operation === 'update' ? 'Updating' : 'Deleting';

  const call = <T>(activity: string, activityInput: unknown): Gen<T> => callStep<T>(context, activity, activityInput);

  function* record(error?: string, extra: Partial<TenantProgressRecord> = {}): Gen<void> {
    const progress: TenantProgressRecord = {
      tenant, operation: input.operation, phase, steps,
      routes: routes ? { expected: routes.expected, learned: routes.learned } : undefined,
      firewall, error, instanceId: context.df.instanceId, ...extra,
    };
    context.df.setCustomStatus({ phase, step: currentStep(steps), steps, routes: progress.routes, error });
    yield* call<void>('recordTenantProgress', progress);
  }

  function* begin(step: string, detail?: string): Gen<void> {
    phase = phaseOfStep(input.operation, step);
    steps = startStep(steps, step, now(), detail);
    yield* record();
  }

  const done = (step: string, detail?: string): void => { steps = succeedStep(steps, step, now(), detail); };

  /** Polls an activity with backing-off durable timers until complete or the route deadline. */
  function* pollUntil<T extends { complete: boolean }>(step: string, activity: string, describe: (p: T) => string, onProgress: (p: T) => void): Gen<T> {
    const last = yield* pollWithBackoff<T>(context, {
      activity, input: tenant,
      deadlineSeconds: input.timing.routeDeadlineSeconds, initialSeconds: input.timing.pollInitialSeconds, maxSeconds: input.timing.pollMaxSeconds,
      onWaiting: (progress) => {
        onProgress(progress);
        steps = noteStep(steps, step, describe(progress));
        context.df.setCustomStatus({ phase, step, steps, routes: routes ? { expected: routes.expected, learned: routes.learned } : undefined });
      },
    });
    onProgress(last);
    return last;
  }

  function* waitForRoutes(): Gen<void> {
    yield* begin('waitForRoutes');
    const result = yield* pollUntil<RouteProgress>('waitForRoutes', 'readTenantRoutes', (p) => p.detail, (p) => { routes = p; });
    if (!result.complete) throw new RoutesNeverArrived(`routes not learned within ${input.timing.routeDeadlineSeconds}s: ${result.detail}`);
    done('waitForRoutes', `${result.expected.length} /31 learned on ${Object.keys(result.learned).length} Route Server instances`);
  }

  function* waitForWithdrawal(): Gen<void> {
    yield* begin('waitForWithdrawal');
    const result = yield* pollUntil<WithdrawalProgress>('waitForWithdrawal', 'readTenantWithdrawal', describeWithdrawal, () => undefined);
    if (!result.complete) throw new StepFailed(`routes still learned after ${input.timing.routeDeadlineSeconds}s: ${describeWithdrawal(result)}; the CIDR stays quarantined`);
    done('waitForWithdrawal', 'no route of the tenant left on Route Server');
  }

  function* offboard(): Gen<void> {
    yield* begin('closeFirewall');
    yield* call<void>('closeTenantFirewall', tenant);
    firewall = undefined;
    done('closeFirewall');
    yield* begin('removeGateway');
    yield* call<void>('removeTenantGateway', { ...tenant, namespaces: input.removedNamespaces });
    done('removeGateway');
    yield* waitForWithdrawal();
    yield* begin('releaseCidr');
    yield* call<void>('releaseTenantCidr', tenant);
    done('releaseCidr', 'CIDR released after its routes were withdrawn');
    phase = 'Deleted';
    yield* record();
  }

  /** After routes never arrived: undo the gateway and the claim, or keep them, as configured. */
  function* afterRouteFailure(reason: string): Gen<string> {
    if (input.onRouteFailure === 'keep') return `${reason}; Calico resources and CIDR kept (ON_ROUTE_FAILURE=keep)`;
    yield* call<void>('removeTenantGateway', { ...tenant, namespaces: input.removedNamespaces });
    // Some /31s may have been learned: the CIDR is freed only once none is left on Route Server.
    const withdrawal = yield* pollUntil<WithdrawalProgress>('waitForRoutes', 'readTenantWithdrawal', describeWithdrawal, () => undefined);
    if (!withdrawal.complete) return `${reason}; Calico resources removed, CIDR kept in quarantine (${describeWithdrawal(withdrawal)})`;
    yield* call<void>('releaseTenantCidr', tenant);
    return `${reason}; Calico resources removed and CIDR released (ON_ROUTE_FAILURE=rollback)`;
  }

  try {
    if (input.operation === 'offboard') {
      yield* offboard();
      return { phase };
    }
    if (input.operation === 'onboard') {
      yield* begin('allocateCidr');
      const { cidr } = yield* call<{ cidr: string }>('allocateTenantCidr', tenant);
      done('allocateCidr', cidr);
      yield* begin('checkCapacity');
      const capacity = yield* call<{ problems: string[] }>('checkTenantCapacity', tenant);
      if (capacity.problems.length > 0) {
        yield* call<void>('releaseTenantCidr', tenant);
        throw new StepFailed(`capacity: ${capacity.problems.join('; ')}; CIDR released, nothing was changed`);
      }
      done('checkCapacity', 'pool, route budget and firewall limits have room');
    }
    if (!skipped.has('applyGateway')) {
      yield* begin('applyGateway');
      const applied = yield* call<{ objects: number }>('applyTenantGateway', { ...tenant, removedNamespaces: input.removedNamespaces });
      done('applyGateway', `${applied.objects} objects applied by server-side apply`);
      yield* waitForRoutes();
    }
    if (!skipped.has('openFirewall')) {
      yield* begin('openFirewall');
      firewall = yield* call<FirewallPlacement>('openTenantFirewall', tenant);
      done('openFirewall', `${firewall.ruleCollections.join(', ')} in ${firewall.ruleCollectionGroup}`);
    }
    yield* begin('publishReady');
    yield* call<void>('publishTenantEvent', { tenant, eventType: input.operation === 'onboard' ? 'EgressPilot.TenantReady' : 'EgressPilot.TenantUpdated' });
    done('publishReady');
    phase = 'Ready';
    yield* record();
    return { phase };
  } catch (error) {
    let reason = error instanceof Error ? error.message : String(error);
    const failedStep = currentStep(steps) ?? 'unknown';
    if (error instanceof RoutesNeverArrived) reason = yield* afterRouteFailure(reason);
    steps = failStep(steps, failedStep, now(), reason);
    phase = 'Failed';
    yield* record(reason);
    return { phase, error: reason };
  }
};

class RoutesNeverArrived extends StepFailed {}

function describeWithdrawal(p: WithdrawalProgress): string {
  const left = Object.entries(p.remaining).filter(([, r]) => r.length > 0).map(([instance, r]) => `${instance}: ${r.join(', ')}`);
  return left.length === 0 ? 'withdrawn' : `still learned ${left.join('; ')}`;
}

df.app.orchestration('tenantLifecycle', tenantLifecycle);
