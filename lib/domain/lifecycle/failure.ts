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
