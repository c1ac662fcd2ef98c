import { nextRetry, type RetryBound } from '../domain/lifecycle/failure';
import { describeFailure, PermanentError, RetriesExhausted } from './errors';

/**
 * The one retry layer for everything the adapters ask of ARM and Kubernetes (see README
 * "Retries"): the SDK pipelines do not retry (lib/adapters/azure/clients.ts), and what this layer
 * gives up on is permanent for the durable layer.
 */
export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Total time per operation, waits included; defaults to defaultRetry's. */
  budgetMs?: number;
  /** Injected so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

/** 6 requests at most, within 60 s: waits 0.25, 0.5, 1, 2, 4 s unless Retry-After asks for longer. */
export const defaultRetry: Required<Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'budgetMs'>> = { attempts: 6, baseMs: 250, maxMs: 8000, budgetMs: 60_000 };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation`, retrying transient failures (429 honouring Retry-After, busy 409, 412, 5xx,
 * dropped connections) with capped exponential backoff, at most `attempts` times within
 * `budgetMs`. Permanent failures surface at once as a PermanentError whose message says what the
 * service rejected; giving up surfaces as RetriesExhausted (also permanent).
 */
export async function withRetries<T>(label: string, operation: () => Promise<T>, options: RetryOptions = defaultRetry): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const bound: RetryBound = { attempts: options.attempts, baseMs: options.baseMs, maxMs: options.maxMs, budgetMs: options.budgetMs ?? defaultRetry.budgetMs };
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      const failure = describeFailure(error);
      const decision = nextRetry(attempt, now() - started, failure, bound);
      if (!decision.retry) {
        if (failure.kind === 'permanent') throw new PermanentError(`${label}: ${failure.reason}: ${failure.message}`, failure.status, failure.code);
        throw new RetriesExhausted(`${label}: ${decision.why}: ${failure.message}`, failure.status, attempt);
      }
      options.onRetry?.({ attempt, waitMs: decision.waitMs, reason: failure.reason });
      await sleep(decision.waitMs);
    }
  }
}
