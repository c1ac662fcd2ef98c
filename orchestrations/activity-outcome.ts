import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { PermanentError } from '../lib/adapters/errors';

/**
 * What an activity hands back to its orchestrator. A permanent failure (the service rejected the
 * request, or the input can never work) is a value, so the orchestrator fails fast with its reason;
 * a transient one is thrown, so the durable retry policy at the call site tries again with backoff.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Registers an activity whose PermanentError becomes an `{ ok: false }` outcome. */
export function registerActivity<I, O>(name: string, work: (input: I, context: InvocationContext) => Promise<O>): void {
  df.app.activity(name, {
    handler: async (input: unknown, context: InvocationContext): Promise<Outcome<O>> => {
      try {
        return { ok: true, value: await work(input as I, context) };
      } catch (error) {
        if (error instanceof PermanentError) {
          context.warn(`${name}: ${error.message}`);
          return { ok: false, error: error.message };
        }
        context.error(`${name} failed (will be retried): ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    },
  });
}

/** Retries for transient activity failures: 2 s, 4 s, 8 s … capped at 60 s, 8 attempts. */
export function transientRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(2000, 8);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
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
