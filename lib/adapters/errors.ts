import { classifyFailure, type Failure } from '../domain/lifecycle/failure';

/** What describeFailure reads from an error: the retry policy's verdict, plus what the service said. */
export interface DescribedFailure extends Failure {
  /** What went wrong, in the service's words; never a response's headers (they may carry tokens). */
  message: string;
  status?: number;
  /** The service's error code: ARM `error.code`, Kubernetes `Status.reason`, Node `err.code`. */
  code?: string;
}

/**
 * Reads status, code, message and Retry-After from whatever the SDKs throw: @azure RestError
 * (`statusCode`, `code`, `response.headers`), @kubernetes/client-node ApiException (`code` is the
 * HTTP status, `body` the response text, usually a Status), and plain Node socket errors (`code` like
 * ECONNRESET).
 */
export function describeFailure(error: unknown): DescribedFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof error !== 'object' || error === null) return { ...classifyFailure({}), message };
  const e = error as Record<string, unknown>;
  let status: number | undefined;
  let code: string | undefined;
  let retryAfter: string | undefined;
  let said = message;
  if (typeof e.statusCode === 'number') {
    status = e.statusCode;
    code = typeof e.code === 'string' ? e.code : undefined;
    const response = e.response as { headers?: { get?: (name: string) => string | undefined } } | undefined;
    retryAfter = response?.headers?.get?.('retry-after');
  } else if (typeof e.code === 'number') {
    status = e.code;
    const statusBody = kubernetesStatus(e.body);
    code = statusBody.reason;
    said = statusBody.message ?? apiExceptionSummary(message, e.body);
    const headers = e.headers as Record<string, string> | undefined;
    retryAfter = headers?.['retry-after'] ?? headers?.['Retry-After'];
  } else if (typeof e.code === 'string') {
    code = e.code;
  }
  const cause = e.cause as { code?: unknown } | undefined;
  if (status === undefined && code === undefined && typeof cause?.code === 'string') code = cause.code;
  const retryAfterSeconds = retryAfter !== undefined && retryAfter !== '' ? Number(retryAfter) : undefined;
  return {
    ...classifyFailure({ status, code, retryAfterSeconds }),
    message: said,
    ...(status !== undefined ? { status } : {}),
    ...(code !== undefined ? { code } : {}),
  };
}

/** Longest service text quoted in a message: a Status message or an error page, not a whole document. */
const MAX_QUOTED = 2000;

/** A Kubernetes `Status` body (`{ kind: 'Status', message, reason, code }`), as object or JSON text. */
function kubernetesStatus(body: unknown): { message?: string; reason?: string } {
  const parsed = parseBody(body);
  if (parsed === undefined) return {};
  const message = typeof parsed.message === 'string' && parsed.message.trim() !== '' ? clip(parsed.message.trim()) : undefined;
  const reason = typeof parsed.reason === 'string' && parsed.reason !== '' ? parsed.reason : undefined;
  return { ...(message !== undefined ? { message } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/**
 * An ApiException without a Status message: client-node's own words (the `Message:` line of its
 * "HTTP-Code / Message / Body / Headers" text) and the body if it is text, never the Headers line.
 */
function apiExceptionSummary(text: string, body: unknown): string {
  const words = /^Message: (.*)$/m.exec(text)?.[1]?.trim() || 'request failed';
  const bodyText = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim() : '';
  return bodyText === '' ? words : `${words}: ${clip(bodyText)}`;
}

const clip = (text: string): string => (text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);

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

/**
 * The paged lists of the TypeSpec-generated ARM SDKs (@azure/arm-containerservice 25) throw "Pagination
 * failed with unexpected statusCode 403": their paging helper checks the status before the deserializer
 * reads ARM's `{ error: { code, message } }`, so the sentence naming action and scope is lost. Pass
 * `onResponse` to the list call and `restore` what it throws: the same error, with ARM's message and code.
 */
export function armPageErrors(): { onResponse: (response: { status: number; parsedBody?: unknown }) => void; restore: (error: unknown) => unknown } {
  let refused: { code?: string; message: string } | undefined;
  return {
    onResponse(response) {
      if (response.status < 400) {
        refused = undefined;
        return;
      }
      const body = parseBody(response.parsedBody);
      const inner = typeof body?.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>) : undefined;
      refused = typeof inner?.message === 'string' ? { message: inner.message, ...(typeof inner.code === 'string' ? { code: inner.code } : {}) } : undefined;
    },
    restore(error) {
      if (refused === undefined || !(error instanceof Error) || typeof (error as { statusCode?: unknown }).statusCode !== 'number') return error;
      const restored = error as Error & { code?: string };
      restored.message = refused.message;
      restored.code ??= refused.code;
      return restored;
    },
  };
}

/**
 * An error the caller should not retry: the message says what was wrong; `status` is the HTTP status and
 * `code` the service's error code (ARM `AuthorizationFailed`, Kubernetes `Forbidden`), if any.
 */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  constructor(message: string, readonly status?: number, readonly code?: string) {
    super(message);
  }
}

/** True for a failure the service answered with 404 (the thing does not exist). */
export const isNotFound = (error: unknown): boolean =>
  (error instanceof PermanentError ? error.status : describeFailure(error).status) === 404;

/** The service that refused, the right it wanted and where, as far as its answer says. */
export interface AuthorizationRefusal {
  /** `arm`: Azure Resource Manager's AuthorizationFailed, whose message names action and scope (read into those fields). */
  service: 'arm' | 'other';
  code?: string;
  /** The ARM action the identity lacks (`Microsoft.ContainerService/managedClusters/read`). */
  action?: string;
  /** The ARM scope it lacks it over (`/subscriptions/…/resourceGroups/…`). */
  scope?: string;
  message: string;
}

/** ARM's AuthorizationFailed text: "… does not have authorization to perform action 'A' over scope 'S' …". */
const armRefusalWords = /perform action '([^']+)' over scope '([^']+)'/;

/**
 * A failure the service answered with 403: the app's identity lacks a right (a role assignment, a
 * Kubernetes RBAC rule), which no retry fixes. Undefined for any other failure.
 */
export function authorizationRefusal(error: unknown): AuthorizationRefusal | undefined {
  const described = describeFailure(error);
  const status = error instanceof PermanentError ? error.status : described.status;
  if (status !== 403) return undefined;
  const code = error instanceof PermanentError ? error.code : described.code;
  const [, action, scope] = (code === 'AuthorizationFailed' ? armRefusalWords.exec(described.message) : null) ?? [];
  return {
    service: code === 'AuthorizationFailed' ? 'arm' : 'other',
    ...(code !== undefined ? { code } : {}),
    ...(action !== undefined && scope !== undefined ? { action, scope } : {}),
    message: described.message,
  };
}

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
