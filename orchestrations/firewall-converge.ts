import type { OrchestrationContext, Task } from 'durable-functions';
import { callStep } from './activity-outcome';
import type { FirewallProgress, TenantRef } from './lifecycle-input';
import { FIREWALL_ROUND_CARRIED } from './activities/contracts';
import { pollWithBackoff } from './polling';

export interface FirewallConvergeOptions {
  deadlineSeconds: number;
  initialSeconds: number;
  maxSeconds: number;
  /** Drift repair asks for a write round even when the intent did not change. */
  force?: boolean;
  /** Told each "not yet" answer before the orchestrator sleeps (progress in custom status). */
  onWaiting?: (progress: FirewallProgress) => void;
}

/**
 * Records what run `owned.run` wants in the firewall policy for the tenant, then polls the single writer
 * with durable timers until a round carried it or the deadline passed. Short activities only: no activity
 * outlives the host's timeout. `problem` says why the wanted state is not in the policy, if it is not.
 */
export function* convergeTenantFirewall(
  context: OrchestrationContext,
  owned: TenantRef & { run: number },
  state: 'open' | 'closed',
  options: FirewallConvergeOptions,
): Generator<Task, { progress: FirewallProgress; problem?: string }, unknown> {
  yield* callStep<{ version: number }>(context, 'requestTenantFirewall', { ...owned, state, ...(options.force ? { force: true } : {}) });
  const progress = yield* pollWithBackoff<FirewallProgress>(context, {
    activity: 'advanceTenantFirewall', input: { cluster: owned.cluster, name: owned.name },
    deadlineSeconds: options.deadlineSeconds, initialSeconds: options.initialSeconds, maxSeconds: options.maxSeconds, onWaiting: options.onWaiting,
    // The writer tells the lifecycles a round carried (see advanceTenantFirewall): no backed-off timer to sit out.
    wakeOn: FIREWALL_ROUND_CARRIED,
  });
  if (!progress.complete) return { progress, problem: `firewall change (${state}) not applied within ${options.deadlineSeconds}s: ${progress.detail}` };
  if (progress.failure) return { progress, problem: `firewall: ${progress.failure}` };
  return { progress };
}
