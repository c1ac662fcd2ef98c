import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authorizationRefusal } from '../lib/adapters/errors';

/** Every API error has one shape: `{ error: { code, message, details? } }`, details naming fields. */
export function problem(status: number, code: string, message: string, details?: Array<{ field: string; reason: string }>, headers?: Record<string, string>): HttpResponseInit {
  return { status, headers, jsonBody: { error: { code, message, ...(details ? { details } : {}) } } };
}

/**
 * The answer for a failure of a service the app called on the caller's behalf, when it has one: a 403
 * (the app's identity lacks a right) is 502 UpstreamAuthorizationFailed naming the action and scope ARM
 * named, and where infra/ grants the app its rights. 502, not 500: the app worked, the service it needs
 * refused it; not 503 either, since waiting does not help until someone grants the right.
 */
export function upstreamProblem(error: unknown): HttpResponseInit | undefined {
  const refusal = authorizationRefusal(error);
  if (refusal === undefined) return undefined;
  if (refusal.service === 'arm') {
    const what = refusal.action !== undefined ? ` the action '${refusal.action}' over scope '${refusal.scope}'` : ' a right (403 AuthorizationFailed)';
    return problem(502, 'UpstreamAuthorizationFailed',
      `Azure Resource Manager refused the app's identity${what}: the app's role assignments in infra/ (modules/app-access) lack it; grant it there and apply. ARM said: ${refusal.message}`);
  }
  return problem(502, 'UpstreamAuthorizationFailed',
    `a service the app calls refused its identity (403${refusal.code ? ` ${refusal.code}` : ''}): the app's role assignments in infra/ lack the right. The service said: ${refusal.message}`);
}

type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * A handler that answers upstreamProblem's failures with their problem (logged as a warning) and lets
 * every other failure through to the host, so an app bug still shows as one.
 */
export function answeringUpstreamFailures(handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      const answer = upstreamProblem(error);
      if (answer === undefined) throw error;
      context.warn(`${context.functionName}: ${error instanceof Error ? error.message : String(error)}`);
      return answer;
    }
  };
}
