import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenVerification } from '../shared/token';
import { authorizationFailed, type ArmAuthorization } from './authorization';
import { KNOWN_API_VERSIONS } from './config';
import type { EmulatorContext } from './context';
import {
  ArmError, authenticationMalformed, authenticationMissing, internalError, invalidApiVersion, invalidJson, missingApiVersion,
  notImplemented, subscriptionThrottled, throttled, tokenRejected, unsupportedApiVersion, anotherOperationInProgress,
} from './errors';
import { budgetOf, bump, TokenBucket } from './knobs';
import type { ArmResponse, Router } from './router';

/**
 * The one request pipeline of the ARM emulator (Azurite-style):
 * read → route → api-version → bearer token → counters/latency/faults → settle due transitions →
 * handler → one error middleware that writes Azure's envelope `{ "error": { "code", "message" } }`.
 */
export interface PipelineDeps {
  router: Router;
  ctx: EmulatorContext;
  verify: (token: string) => TokenVerification;
  baseUrl: () => string;
  strictApiVersions: boolean;
  /** Azure RBAC: each call checked against role assignments (403 AuthorizationFailed); absent = any valid token may do anything. */
  authorization?: ArmAuthorization;
  /** Handles `/_emulator/...` (test control); returns the response to write. */
  control: (method: string, path: string, query: URLSearchParams, body: unknown) => Promise<ArmResponse>;
}

const API_VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { reject(new ArmError(413, 'RequestEntityTooLarge', `The request body exceeds ${MAX_BODY_BYTES} bytes.`)); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw invalidJson((e as Error).message);
  }
}

function write(req: IncomingMessage, res: ServerResponse, response: ArmResponse): void {
  const requestId = randomUUID();
  const headers: Record<string, string> = {
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': typeof req.headers['x-ms-client-request-id'] === 'string' ? req.headers['x-ms-client-request-id'] : requestId,
    ...response.headers,
  };
  if (response.body === undefined || req.method === 'HEAD') {
    res.writeHead(response.status, { ...headers, 'content-length': '0' });
    res.end();
    return;
  }
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': typeof response.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function createRequestListener(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { router, ctx } = deps;
  const knobs = ctx.knobs;
  const writes = new TokenBucket();
  const reads = new TokenBucket();
  knobs.onReset(() => { writes.reset(); reads.reset(); });

  async function handle(req: IncomingMessage): Promise<{ operation?: string; response?: ArmResponse }> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/_emulator/')) {
      return { response: await deps.control(method, url.pathname, url.searchParams, parseJson(raw)) };
    }

    const match = router.match(method, url.pathname);
    if (match.kind === 'noRoute') throw notImplemented(method, url.pathname, 'no such resource type or action in the ARM emulator');
    if (match.kind === 'methodNotSupported') throw notImplemented(method, url.pathname, `method not emulated for this path (emulated: ${match.allowed.join(', ')})`);
    const { route, params } = match;
    bump(knobs.counters.requests, route.operation);
    const budget = budgetOf(method);
    knobs.counters.armBudget[budget] += 1;
    if (route.operation === 'operations.status' || route.operation === 'operations.result') {
      bump(knobs.counters.lroPolls, ctx.operations.get(params.operationId ?? '')?.startedBy ?? 'unknown');
    }

    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion === null || apiVersion.length === 0) throw missingApiVersion();
    const known = KNOWN_API_VERSIONS[route.api];
    if (!API_VERSION_FORMAT.test(apiVersion)) throw invalidApiVersion(apiVersion, known);
    if (deps.strictApiVersions && !(known as readonly string[]).includes(apiVersion)) throw unsupportedApiVersion(apiVersion, route.resourceType, known);

    const authorization = req.headers.authorization;
    if (authorization === undefined || authorization.length === 0) throw authenticationMissing();
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer?.[1] === undefined) throw authenticationMalformed();
    const verdict = deps.verify(bearer[1]);
    if (!verdict.ok) throw tokenRejected(verdict.code, verdict.message);
    const refused = deps.authorization?.check({ principalId: verdict.claims.oid, method, path: url.pathname, poll: route.operation.startsWith('operations.'), pollOf: ctx.operations.get(params.operationId ?? '')?.resourceId });
    if (refused) { bump(knobs.counters.refusedByRbac, refused.action); throw authorizationFailed(verdict.claims.oid, refused.action, refused.scope); }

    let rateHeaders: Record<string, string> = {};
    const isRead = budget === 'reads';
    const bucketSize = isRead ? ctx.limits.readBucketSize : ctx.limits.writeBucketSize;
    if (bucketSize > 0) {
      const verdict = (isRead ? reads : writes).take(ctx.now(), bucketSize, isRead ? ctx.limits.readRefillPerSecond : ctx.limits.writeRefillPerSecond);
      if (!verdict.ok) {
        knobs.counters.subscriptionThrottled[isRead ? 'reads' : 'writes'] += 1;
        throw subscriptionThrottled(ctx.subscriptionId, verdict.retryAfterSeconds, isRead ? 'read' : 'write');
      }
      rateHeaders = { [`x-ms-ratelimit-remaining-subscription-${budget}`]: String(verdict.remaining) };
    }

    const latency = knobs.latencyFor(route.operation);
    if (latency > 0) await sleep(latency);

    const fault = knobs.takeFault(route.operation, ['throttle', 'conflict', 'serverError', 'drop']);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return { operation: route.operation };
    }
    if (fault?.kind === 'throttle') throw throttled(fault.retryAfterSeconds);
    if (fault?.kind === 'conflict') throw anotherOperationInProgress(url.pathname, 'emulator-fault-injection');
    if (fault?.kind === 'serverError') throw internalError('Internal server error (emulator fault injection).');

    await ctx.operations.settle();
    const body = parseJson(raw);
    const response = await route.handler({
      method, path: url.pathname, query: url.searchParams, headers: req.headers, params, body, apiVersion,
      baseUrl: deps.baseUrl(), operation: route.operation,
    });
    return { operation: route.operation, response: { ...response, headers: { ...rateHeaders, ...response.headers } } };
  }

  return (req, res) => {
    let operation: string | undefined;
    handle(req)
      .then((outcome) => {
        operation = outcome.operation;
        if (outcome.response === undefined) return; // connection dropped on purpose
        if (operation !== undefined) bump(knobs.counters.responses, `${operation} ${outcome.response.status}`);
        write(req, res, outcome.response);
      })
      .catch((e: unknown) => {
        const error = e instanceof ArmError ? e : internalError(e instanceof Error ? e.message : String(e));
        if (error.status === 401) knobs.counters.unauthorized += 1;
        const op = router.match(req.method ?? 'GET', new URL(req.url ?? '/', 'https://emulator.invalid').pathname);
        if (op.kind === 'matched') bump(knobs.counters.responses, `${op.route.operation} ${error.status}`);
        if (!res.headersSent) write(req, res, { status: error.status, body: error.toBody(), headers: error.headers });
      });
  };
}
