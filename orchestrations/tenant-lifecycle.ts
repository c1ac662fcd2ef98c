import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import {
  currentStep, failStep, initialSteps, phaseOfStep, startStep, succeedStep, noteStep,
  type Phase, type Step,
} from '../lib/domain/lifecycle/progress';
import { callStep, StepFailed } from './activity-outcome';
import { convergeTenantFirewall } from './firewall-converge';
import { pollWithBackoff } from './polling';
import type { FirewallProgress, LifecycleInput, RouteProgress, TenantRef, WithdrawalProgress } from './lifecycle-input';
import type { FirewallPlacement } from './activities/contracts';
import type { EgressAttempt } from './activities/egress-steps';
import type { EgressVerification } from '../lib/domain/egress-verification';
import type { ProgressInput } from './activities/registry-steps';

type Gen<T> = Generator<Task, T, unknown>;

/** Default wait for the firewall writer: rounds take minutes in Azure and are serialized per policy. */
const FIREWALL_DEADLINE_SECONDS = 30 * 60;

/**
 * One tenant's lifecycle: onboarding, update or offboarding, read top to bottom like the manual
 * walkthrough. Deterministic: time comes from currentUtcDateTime, every effect from an activity.
 *
 * What a failure leaves (README "Lifecycle guarantees"):
 * - a failed onboarding holds nothing: rules closed first, Calico objects removed, the CIDR released
 *   once its routes are withdrawn (ON_ROUTE_FAILURE=keep keeps CIDR and Calico objects, never rules);
 * - a failed update goes back to the serving spec and stays Ready, showing the failed attempt;
 * - whatever throws, the registry ends in a settled phase that accepts the next request.
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
  if (!input.egressVerify) skipped.add('verifyEgress');
  let steps: Step[] = initialSteps(input.operation, skipped);
  let routes: RouteProgress | undefined;
  let firewall: FirewallPlacement | undefined;
  let egress: EgressVerification | undefined;
  let phase: Phase = input.operation === 'onboard' ? 'Pending' : input.operation === 'update' ? 'Updating' : 'Deleting';
  /** Steps that started, so a failure undoes exactly what may exist. */
  const reached = new Set<string>();

  const call = <T>(activity: string, activityInput: unknown): Gen<T> => callStep<T>(context, activity, activityInput);

  // Takes the tenant: from here on, activities of an older (terminated) lifecycle change nothing.
  const begun = yield* call<{ run: number } | { skipped: string }>('beginTenantLifecycle', { ...tenant, resumeOf: input.resumeOf });
  if ('skipped' in begun) return { skipped: begun.skipped };
  const { run } = begun;
  const owned = { ...tenant, run };

  function* record(error?: string, serving?: ProgressInput['serving']): Gen<void> {
    const progress: ProgressInput = {
      tenant, run, operation: input.operation, phase, steps,
      routes: routes ? { expected: routes.expected, learned: routes.learned } : undefined,
      firewall, error, instanceId: context.df.instanceId, serving, ...(egress ? { egress } : {}),
    };
    context.df.setCustomStatus({ phase, step: currentStep(steps), steps, routes: progress.routes, error });
    yield* call<void>('recordTenantProgress', progress);
  }

  function* begin(step: string, detail?: string): Gen<void> {
    reached.add(step);
    phase = phaseOfStep(input.operation, step);
    steps = startStep(steps, step, now(), detail);
    yield* record();
  }

  const done = (step: string, detail?: string): void => { steps = succeedStep(steps, step, now(), detail); };

  /** Says how a waiting step is doing, in the progress the API shows. */
  const note = (step: string, detail: string): void => {
    steps = noteStep(steps, step, detail);
    context.df.setCustomStatus({ phase, step, steps, routes: routes ? { expected: routes.expected, learned: routes.learned } : undefined });
  };

  /** Polls an activity with backing-off durable timers until complete or the deadline. */
  function* pollUntil<T extends { complete: boolean }>(step: string, activity: string, activityInput: unknown, deadlineSeconds: number, describe: (p: T) => string, onProgress: (p: T) => void = () => undefined): Gen<T> {
    const last = yield* pollWithBackoff<T>(context, {
      activity, input: activityInput,
      deadlineSeconds, initialSeconds: input.timing.pollInitialSeconds, maxSeconds: input.timing.pollMaxSeconds,
      onWaiting: (progress) => {
        onProgress(progress);
        note(step, describe(progress));
      },
    });
    onProgress(last);
    return last;
  }

  function* waitForRoutes(): Gen<void> {
    yield* begin('waitForRoutes');
    const result = yield* pollUntil<RouteProgress>('waitForRoutes', 'readTenantRoutes', tenant, input.timing.routeDeadlineSeconds, (p) => p.detail, (p) => { routes = p; });
    if (!result.complete) throw new StepFailed(`routes not learned within ${input.timing.routeDeadlineSeconds}s: ${result.detail}`);
    done('waitForRoutes', `${result.expected.length} /31 learned on ${Object.keys(result.learned).length} Route Server instances`);
  }

  /** Records the wanted firewall state, then waits (durable timers) until the policy's single writer carried it. */
  function* convergeFirewall(step: string, state: 'open' | 'closed'): Gen<FirewallProgress> {
    const { progress, problem } = yield* convergeTenantFirewall(context, owned, state, {
      deadlineSeconds: input.timing.firewallDeadlineSeconds ?? FIREWALL_DEADLINE_SECONDS,
      initialSeconds: input.timing.pollInitialSeconds, maxSeconds: input.timing.pollMaxSeconds,
      onWaiting: (p) => note(step, p.detail),
    });
    if (problem) throw new StepFailed(problem);
    return progress;
  }

  /**
   * Proves the egress with a probe Job, retried with backoff until the deadline. Returns why it failed
   * (naming target and outcome), or undefined when it passed or there was nothing to probe. Never throws
   * for a failed probe: the rules and the gateway stay whatever it finds.
   */
  function* verifyEgress(): Gen<string | undefined> {
    yield* begin('verifyEgress');
    const deadlineSeconds = input.egressVerify?.deadlineSeconds ?? 0;
    const last = yield* pollUntil<EgressAttempt>('verifyEgress', 'verifyTenantEgress', owned, deadlineSeconds,
      (p) => `not verified yet, retrying: ${p.problems.join('; ')}`, ({ complete: _complete, ...verification }) => { egress = verification; });
    if (last.complete) {
      done('verifyEgress', last.skipped ?? describeVerified(last));
      return undefined;
    }
    const reason = `egress verification failed after ${deadlineSeconds}s: ${last.problems.join('; ')}`;
    steps = failStep(steps, 'verifyEgress', now(), reason);
    return reason;
  }

  function* waitForWithdrawal(step: string, deadlineSeconds: number): Gen<WithdrawalProgress> {
    return yield* pollUntil<WithdrawalProgress>(step, 'readTenantWithdrawal', tenant, deadlineSeconds, describeWithdrawal);
  }

  function* offboard(): Gen<void> {
    yield* begin('closeFirewall');
    yield* convergeFirewall('closeFirewall', 'closed');
    firewall = undefined;
    done('closeFirewall');
    yield* begin('removeGateway');
    const removed = yield* call<{ clusterGone: boolean }>('removeTenantGateway', { ...owned, namespaces: input.removedNamespaces });
    done('removeGateway', removed.clusterGone ? `AKS cluster ${tenant.cluster} no longer exists: nothing left on it` : undefined);
    yield* begin('waitForWithdrawal');
    const withdrawal = yield* waitForWithdrawal('waitForWithdrawal', input.timing.routeDeadlineSeconds);
    if (!withdrawal.complete) throw new StepFailed(`routes still learned after ${input.timing.routeDeadlineSeconds}s: ${describeWithdrawal(withdrawal)}; the CIDR stays claimed (DELETE again to retry)`);
    done('waitForWithdrawal', 'no route of the tenant left on Route Server');
    yield* begin('releaseCidr');
    yield* call<void>('releaseTenantCidr', owned);
    done('releaseCidr', 'CIDR released after its routes were withdrawn');
    phase = 'Deleted';
    yield* record(undefined, 'none');
  }

  function* onboard(): Gen<void> {
    yield* begin('allocateCidr');
    const { cidr } = yield* call<{ cidr: string }>('allocateTenantCidr', owned);
    done('allocateCidr', cidr);
    yield* begin('checkCapacity');
    const capacity = yield* call<{ problems: string[] }>('checkTenantCapacity', tenant);
    if (capacity.problems.length > 0) throw new StepFailed(`capacity: ${capacity.problems.join('; ')}`);
    done('checkCapacity', 'pool, route budget and firewall limits have room');
    yield* converge();
  }

  /** The steps onboarding and update share: gateway and routes, then the firewall. */
  function* converge(): Gen<void> {
    if (!skipped.has('applyGateway')) {
      yield* begin('applyGateway');
      const applied = yield* call<{ objects: number; createdNamespaces?: string[] }>('applyTenantGateway', { ...owned, removedNamespaces: input.removedNamespaces });
      const created = applied.createdNamespaces?.length ? `; created namespaces ${applied.createdNamespaces.join(', ')}` : '';
      done('applyGateway', `${applied.objects} objects applied by server-side apply${created}`);
      yield* waitForRoutes();
    }
    if (!skipped.has('openFirewall')) {
      yield* begin('openFirewall');
      const opened = yield* convergeFirewall('openFirewall', 'open');
      firewall = opened.placement;
      done('openFirewall', firewall ? `${firewall.ruleCollections.join(', ')} in ${firewall.ruleCollectionGroup}` : opened.detail);
    }
    if (!skipped.has('verifyEgress')) {
      const failure = yield* verifyEgress();
      if (failure !== undefined) {
        // Everything stays in place (rules, gateway, routes): the spec serves, but unproven. Never Ready.
        phase = 'Degraded';
        yield* record(failure, 'spec');
        return;
      }
    }
    yield* begin('publishReady');
    yield* call<void>('publishTenantEvent', { tenant, eventType: input.operation === 'onboard' ? 'EgressPilot.TenantReady' : 'EgressPilot.TenantUpdated' });
    done('publishReady');
    phase = 'Ready';
    yield* record(undefined, 'spec');
  }

  /**
   * A failed onboarding holds nothing: rules closed before anything else, Calico objects removed,
   * CIDR released only once Route Server learns none of its routes. Never throws: it says how far it got.
   */
  function* rollBackOnboarding(reason: string): Gen<string> {
    let stage = 'closing the firewall';
    try {
      // A Failed tenant's rules are never kept, not even with ON_ROUTE_FAILURE=keep. Closed whatever step
      // failed: rules may be open from an earlier life of the tenant (a failed update, then a new POST), and
      // the pool must never go while a rule for its CIDR is still in the policy.
      yield* convergeFirewall(currentStep(steps) ?? 'allocateCidr', 'closed');
      if (input.onRouteFailure === 'keep') return `${reason}; CIDR and Calico resources kept (ON_ROUTE_FAILURE=keep), firewall rules closed`;
      stage = 'removing the Calico resources';
      if (reached.has('applyGateway')) yield* call<unknown>('removeTenantGateway', { ...owned, namespaces: input.removedNamespaces });
      stage = 'waiting for the routes to be withdrawn';
      const withdrawal = yield* waitForWithdrawal(currentStep(steps) ?? 'allocateCidr', input.timing.routeDeadlineSeconds);
      if (!withdrawal.complete) return `${reason}; Calico resources removed, CIDR kept claimed until its routes are withdrawn (${describeWithdrawal(withdrawal)}): DELETE the tenant to finish`;
      stage = 'releasing the CIDR';
      yield* call<void>('releaseTenantCidr', owned);
      return `${reason}; rolled back: nothing of the tenant is left`;
    } catch (error) {
      return `${reason}; rollback stopped while ${stage}: ${messageOf(error)} (DELETE the tenant to finish the clean-up)`;
    }
  }

  /**
   * A failed update gives back what worked: the serving spec is restored and re-converged (the
   * gateway if it was touched, the rules if they were). Ready again, with the failed attempt shown.
   */
  function* revertUpdate(reason: string): Gen<{ phase: Phase; reason: string }> {
    let restoredSpec = false;
    try {
      const restored = yield* call<{ restored: boolean; droppedNamespaces: string[] }>('restoreServingSpec', owned);
      if (reached.has('applyGateway')) yield* call<unknown>('applyTenantGateway', { ...owned, removedNamespaces: restored.droppedNamespaces });
      if (reached.has('openFirewall')) yield* convergeFirewall(currentStep(steps) ?? 'openFirewall', 'open');
      restoredSpec = true;
      // Ready only with proof: the tenant may have been Degraded before this update, or the re-apply may not
      // have brought its egress back. Verified again on the restored spec; unproven, it is Degraded.
      const unverified = skipped.has('verifyEgress') ? undefined : yield* verifyEgress();
      if (unverified !== undefined) return { phase: 'Degraded', reason: `update failed: ${reason}; the tenant keeps serving its previous spec, but ${unverified}` };
      return { phase: 'Ready', reason: `update failed: ${reason}; the tenant keeps serving its previous spec` };
    } catch (error) {
      if (restoredSpec) return { phase: 'Degraded', reason: `update failed: ${reason}; the tenant keeps serving its previous spec, but its egress could not be verified: ${messageOf(error)}` };
      return { phase: 'Failed', reason: `update failed: ${reason}; going back to the previous spec failed too: ${messageOf(error)}; its pool, gateway and CIDR stay, its rules are closed (PUT to try again, or DELETE the tenant to finish)` };
    }
  }

  try {
    if (input.operation === 'offboard') yield* offboard();
    else if (input.operation === 'onboard') yield* onboard();
    else yield* converge();
    return { phase };
  } catch (error) {
    let reason = messageOf(error);
    const failedStep = currentStep(steps) ?? 'unknown';
    steps = failStep(steps, failedStep, now(), reason);
    let serving: ProgressInput['serving'];
    if (input.operation === 'onboard') {
      reason = yield* rollBackOnboarding(reason);
      phase = 'Failed';
      serving = 'none';
    } else if (input.operation === 'update') {
      ({ phase, reason } = yield* revertUpdate(reason));
    } else {
      // An offboarding that stopped keeps what it had not removed yet (never its rules: a Failed tenant's
      // intent is not written); the status says that a DELETE finishes it.
      phase = 'Failed';
      reason = `${reason}; offboarding stopped at ${failedStep}, what it had not removed stays until a DELETE finishes it (DELETE the tenant to finish)`;
    }
    steps = failStep(steps, failedStep, now(), reason);
    try {
      yield* record(reason, serving);
    } catch (recordError) {
      // Superseded (a newer lifecycle holds the tenant) or the registry is unreachable: the newer
      // lifecycle, or admission of the next request, owns the tenant's phase from here.
      return { phase, error: `${reason}; not recorded: ${messageOf(recordError)}` };
    }
    return { phase, error: reason };
  }
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeVerified(v: EgressVerification): string {
  const counted = (outcome: string): number => v.results.filter((r) => r.outcome === outcome).length;
  const source = v.sourceSeen !== undefined ? `; source seen ${v.sourceSeen}` : '';
  return `${counted('allowed')} allowed, ${counted('refused')} refused as expected, ${counted('skipped')} not observable${source}`;
}

function describeWithdrawal(p: WithdrawalProgress): string {
  const left = Object.entries(p.remaining).filter(([, r]) => r.length > 0).map(([instance, r]) => `${instance}: ${r.join(', ')}`);
  return left.length === 0 ? 'withdrawn' : `still learned ${left.join('; ')}`;
}

df.app.orchestration('tenantLifecycle', tenantLifecycle);
