import { classifyFailure, type Failure } from '../domain/lifecycle/failure';

/**
 * Reads status, code and Retry-After from whatever the SDKs throw: @azure RestError
 * (`statusCode`, `code`, `response.headers`), @kubernetes/client-node ApiException (`code` is the
 * HTTP status, `body` a Status), and plain Node socket errors (`code` like ECONNRESET).
 */
export function describeFailure(error: unknown): Failure & { message: string; status?: number } {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof error !== 'object' || error === null) return { ...classifyFailure({}), message };
  const e = error as Record<string, unknown>;
  let status: number | undefined;
  let code: string | undefined;
  let retryAfter: string | undefined;
  if (typeof e.statusCode === 'number') {
    status = e.statusCode;
    code = typeof e.code === 'string' ? e.code : undefined;
    const response = e.response as { headers?: { get?: (name: string) => string | undefined } } | undefined;
    retryAfter = response?.headers?.get?.('retry-after');
  } else if (typeof e.code === 'number') {
    status = e.code;
    const body = parseBody(e.body);
    code = typeof body?.reason === 'string' ? body.reason : undefined;
    const headers = e.headers as Record<string, string> | undefined;
    retryAfter = headers?.['retry-after'] ?? headers?.['Retry-After'];
  } else if (typeof e.code === 'string') {
    code = e.code;
  }
  const cause = e.cause as { code?: unknown } | undefined;
  if (status === undefined && code === undefined && typeof cause?.code === 'string') code = cause.code;
  const retryAfterSeconds = retryAfter !== undefined && retryAfter !== '' ? Number(retryAfter) : undefined;
  return { ...classifyFailure({ status, code, retryAfterSeconds }), message, ...(status !== undefined ? { status } : {}) };
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** An error the caller should not retry: the message says what was wrong; `status` is the HTTP status, if any. */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** True for a failure the service answered with 404 (the thing does not exist). */
export const isNotFound = (error: unknown): boolean =>
  (error instanceof PermanentError ? error.status : describeFailure(error).status) === 404;

/**
 * The one retry layer gave up on a transient failure (throttling, busy, 5xx, dropped connection).
 * Permanent on purpose: the retries were spent here, so the activity fails with this reason instead
 * of being retried again by the durable layer (which would multiply the attempts).
 */
export class RetriesExhausted extends PermanentError {
  override readonly name = 'RetriesExhausted';
  constructor(message: string, status: number | undefined, readonly attempts: number) {
    super(message, status);
  }
}
