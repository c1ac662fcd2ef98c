import { backoffMs } from '../domain/lifecycle/failure';
import { describeFailure, PermanentError } from './errors';

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Injected so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

export const defaultRetry: RetryOptions = { attempts: 6, baseMs: 250, maxMs: 8000 };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation`, retrying transient failures (429 honouring Retry-After, busy 409, 412, 5xx,
 * dropped connections) with capped exponential backoff. Permanent failures surface at once as a
 * PermanentError whose message says what the service rejected.
 */
export async function withRetries<T>(label: string, operation: () => Promise<T>, options: RetryOptions = defaultRetry): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      const failure = describeFailure(error);
      if (failure.kind === 'permanent') throw new PermanentError(`${label}: ${failure.reason}: ${failure.message}`, failure.status);
      if (attempt >= options.attempts) throw new Error(`${label}: still failing after ${attempt} attempts: ${failure.reason}: ${failure.message}`);
      const waitMs = backoffMs(attempt, options, failure.retryAfterMs);
      options.onRetry?.({ attempt, waitMs, reason: failure.reason });
      await sleep(waitMs);
    }
  }
}
