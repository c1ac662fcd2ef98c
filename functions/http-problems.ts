import type { HttpResponseInit } from '@azure/functions';

/** Every API error has one shape: `{ error: { code, message, details? } }`, details naming fields. */
export function problem(status: number, code: string, message: string, details?: Array<{ field: string; reason: string }>, headers?: Record<string, string>): HttpResponseInit {
  return { status, headers, jsonBody: { error: { code, message, ...(details ? { details } : {}) } } };
}
