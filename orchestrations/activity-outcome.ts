import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { describeFailure, PermanentError } from '../lib/adapters/errors';
import { activityRetryPolicy } from '../lib/domain/lifecycle/failure';

/**
 * What an activity hands back to its orchestrator. A permanent failure (the service rejected the
 * request, the input can never work, or the adapters' retry layer gave up) is a value, so the
 * orchestrator fails fast with its reason; anything else is thrown, so the durable retry policy at
 * the call site tries again with backoff.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Registers an activity whose PermanentError becomes an `{ ok: false }` outcome. */
export function registerActivity<I, O>(name: string, work: (input: I, context: InvocationContext) => Promise<O>, options: { durableClient?: boolean } = {}): void {
  df.app.activity(name, {
    ...(options.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
    handler: async (input: unknown, context: InvocationContext): Promise<Outcome<O>> => {
      try {
        return { ok: true, value: await work(input as I, context) };
      } catch (error) {
        const settled = settledFailure(error);
        if (settled !== undefined) {
          context.warn(`${name}: ${settled}`);
          return { ok: false, error: settled };
        }
        context.error(`${name} failed (will be retried): ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    },
  });
}

/**
 * Whether a failure is final for the durable layer (its message), or worth another activity attempt
 * (undefined). Final: a PermanentError, and any failure the service answered (it has an HTTP status):
 * answered requests were retried by their own layer already (lib/adapters/retry.ts for ARM and
 * Kubernetes), so retrying the activity would only multiply the attempts.
 */
export function settledFailure(error: unknown): string | undefined {
  if (error instanceof PermanentError) return error.message;
  const failure = describeFailure(error);
  return failure.status !== undefined ? `${failure.reason}: ${failure.message}` : undefined;
}

/**
 * Retries for what is not an answered request (an unexpected throw, a "not yet", a lost worker):
 * few attempts, spaced 2 s, 6 s, 18 s, 54 s (lib/domain/lifecycle/failure.ts activityRetryPolicy).
 */
export function transientRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(activityRetryPolicy.firstIntervalMs, activityRetryPolicy.attempts);
  retry.backoffCoefficient = activityRetryPolicy.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = activityRetryPolicy.maxIntervalMs;
  retry.retryTimeoutInMilliseconds = activityRetryPolicy.timeoutMs;
  return retry;
}

/** A step that cannot succeed; its message is what the status shows. */
export class StepFailed extends Error {}

/**
 * Calls an activity with the transient retry policy and unwraps its outcome: the value, or a
 * StepFailed carrying the activity's reason. For orchestrators (`yield*` it).
 */
export function* callStep<T>(context: OrchestrationContext, activity: string, input?: unknown): Generator<Task, T, unknown> {
  const outcome = (yield context.df.callActivityWithRetry(activity, transientRetry(), input)) as Outcome<T>;
  if (!outcome.ok) throw new StepFailed(outcome.error);
  return outcome.value;
}
