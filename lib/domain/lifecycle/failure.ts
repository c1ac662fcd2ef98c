/**
 * Which failures are worth retrying. Pure: adapters extract status, code and Retry-After from the
 * SDK's error objects and ask here, so ARM, Kubernetes and the registry share one policy.
 */
export type FailureKind = 'transient' | 'permanent';

export interface FailureFacts {
  /** HTTP status, if the failure came from a response. */
  status?: number;
  /** Service error code (ARM `error.code`, Kubernetes `Status.reason`, Node `err.code`). */
  code?: string;
  /** Seconds from a Retry-After header, if any. */
  retryAfterSeconds?: number;
}

export interface Failure {
  kind: FailureKind;
  /** How long to wait before the next attempt, when the service said so. */
  retryAfterMs?: number;
  reason: string;
}

/** ARM codes that mean "someone else holds the resource; try again" (see reference/azure/NOTES.md §4). */
const busyCodes = new Set([
  'AnotherOperationInProgress',
  'RetryableErrorDueToAnotherOperation',
  'FirewallPolicyRuleCollectionGroupDeleteNotAllowedWhenUpdatingOrDeleting',
  'FirewallPolicyUpdateFailed',
  'Conflict', // Kubernetes: stale resourceVersion
]);

/** Socket-level failures raised by Node, undici and core-rest-pipeline. */
const connectionCodes = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);

export function classifyFailure(facts: FailureFacts): Failure {
  const retryAfterMs = facts.retryAfterSeconds !== undefined && Number.isFinite(facts.retryAfterSeconds)
    ? Math.max(0, facts.retryAfterSeconds * 1000)
    : undefined;
  const { status, code } = facts;
  if (code !== undefined && connectionCodes.has(code)) return { kind: 'transient', reason: `connection failed (${code})` };
  if (status === undefined) return { kind: 'permanent', reason: code ? `failed (${code})` : 'failed without a response' };
  if (status === 429) return { kind: 'transient', retryAfterMs, reason: `throttled (429${code ? ` ${code}` : ''})` };
  if (status === 408 || status >= 500) return { kind: 'transient', retryAfterMs, reason: `service error (${status}${code ? ` ${code}` : ''})` };
  if ((status === 409 || status === 412) && (status === 412 || (code !== undefined && busyCodes.has(code)))) {
    return { kind: 'transient', retryAfterMs, reason: status === 412 ? 'changed by someone else (412)' : `busy (409 ${code})` };
  }
  return { kind: 'permanent', reason: `rejected (${status}${code ? ` ${code}` : ''})` };
}

/** Exponential backoff with a cap; `attempt` counts from 1. A service's Retry-After wins when longer. */
export function backoffMs(attempt: number, options: { baseMs: number; maxMs: number }, retryAfterMs?: number): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(exponential, retryAfterMs ?? 0);
}

/**
 * The bound of the one retry layer (lib/adapters/retry.ts): at most `attempts` requests per
 * operation, and no wait that would end past `budgetMs` after the first attempt started.
 */
export interface RetryBound {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Total time an operation may spend retrying, waits included. */
  budgetMs: number;
}

export type RetryDecision = { retry: true; waitMs: number } | { retry: false; why: string };

/**
 * After failed attempt number `attempt` (from 1), `elapsedMs` after the first one started: wait
 * and try again, or stop. A Retry-After that would cross the budget stops at once rather than
 * sleeping into a wait that cannot end in a useful attempt.
 */
export function nextRetry(attempt: number, elapsedMs: number, failure: Failure, bound: RetryBound): RetryDecision {
  if (failure.kind === 'permanent') return { retry: false, why: failure.reason };
  if (attempt >= bound.attempts) return { retry: false, why: `still failing after ${attempt} attempts: ${failure.reason}` };
  const waitMs = backoffMs(attempt, bound, failure.retryAfterMs);
  if (elapsedMs + waitMs > bound.budgetMs) {
    return { retry: false, why: `still failing after ${attempt} attempts in ${Math.round(elapsedMs)} ms; waiting ${waitMs} ms more would pass the ${bound.budgetMs} ms budget: ${failure.reason}` };
  }
  return { retry: true, waitMs };
}

/**
 * The durable retry of an activity (orchestrations/activity-outcome.ts). It only sees what is not
 * an answered request (an unexpected throw, a "not yet" the activity reports by throwing, a worker
 * lost mid-activity), because answered requests were already retried by the adapters' layer.
 */
export interface ActivityRetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  firstIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
  /** Durable's retryTimeout: no new attempt starts later than this after the first failure. */
  timeoutMs: number;
}

export const activityRetryPolicy: ActivityRetryPolicy = {
  attempts: 5, firstIntervalMs: 2000, backoffCoefficient: 3, maxIntervalMs: 60_000, timeoutMs: 120_000,
};

/** The waits between the attempts of a durable retry policy, as the Durable extension spaces them. */
export function activityRetryWaits(policy: ActivityRetryPolicy): number[] {
  return Array.from({ length: Math.max(0, policy.attempts - 1) }, (_, i) =>
    Math.min(policy.maxIntervalMs, policy.firstIntervalMs * policy.backoffCoefficient ** i));
}
