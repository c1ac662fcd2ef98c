import type { OrchestrationContext, Task } from 'durable-functions';
import { callStep } from './activity-outcome';

export interface PollOptions<T> {
  activity: string;
  input: unknown;
  deadlineSeconds: number;
  initialSeconds: number;
  maxSeconds: number;
  /** Told each result that is not complete yet, before the orchestrator sleeps (progress in custom status). */
  onWaiting?: (progress: T) => void;
  /**
   * An external event that ends a sleep early: whoever completes the awaited work raises it, so the waiter asks
   * again at once instead of at its next backed-off timer. A stale event only costs one early poll.
   */
  wakeOn?: string;
}

/**
 * Calls `activity` until it reports `complete` or the deadline passes, sleeping on durable timers
 * whose interval doubles up to `maxSeconds`. Returns the last result either way: the caller
 * decides what an incomplete one means. Deterministic: time is currentUtcDateTime.
 */
export function* pollWithBackoff<T extends { complete: boolean }>(context: OrchestrationContext, options: PollOptions<T>): Generator<Task, T, unknown> {
  const deadline = context.df.currentUtcDateTime.getTime() + options.deadlineSeconds * 1000;
  let intervalMs = options.initialSeconds * 1000;
  for (;;) {
    const progress = yield* callStep<T>(context, options.activity, options.input);
    const nowMs = context.df.currentUtcDateTime.getTime();
    if (progress.complete || nowMs >= deadline) return progress;
    options.onWaiting?.(progress);
    const timer = context.df.createTimer(new Date(Math.min(deadline, nowMs + intervalMs)));
    if (options.wakeOn === undefined) {
      yield timer;
    } else {
      const woken = context.df.waitForExternalEvent(options.wakeOn);
      const winner: unknown = yield context.df.Task.any([timer, woken]);
      if (winner === woken) timer.cancel();
    }
    intervalMs = Math.min(intervalMs * 2, options.maxSeconds * 1000);
  }
}
