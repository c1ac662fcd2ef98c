/**
 * HTTP triggers at /<routePrefix>/<route>: route templates, methods, auth levels, and the request/response
 * round trip through @azure/functions' own HttpRequest/HttpResponse (RPC http typed data, as the worker does).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Invoker } from '../core/invoke';
import type { FunctionRegistry } from '../core/shim';
import type { RegisteredFunction, RpcTypedData } from '../core/types';
import type { Logger } from '../log';
import { flatHeaders, presentedKey, readBody, sendText } from './common';
import { compileRoute, type CompiledRoute } from './routeTemplate';

export interface Keys { functionKeys: Record<string, string>; masterKey: string }

interface HttpRoute { fn: RegisteredFunction; route: CompiledRoute; methods: string[] | undefined; authLevel: string }

export function buildHttpRoutes(registry: FunctionRegistry): HttpRoute[] {
  const routes = registry.byTriggerType('httpTrigger').map((fn) => {
    const t = fn.trigger;
    const methods = Array.isArray(t['methods']) ? (t['methods'] as string[]).map((m) => m.toUpperCase()) : undefined;
    return { fn, route: compileRoute(typeof t['route'] === 'string' && t['route'] ? t['route'] : fn.name), methods, authLevel: String(t['authLevel'] ?? 'anonymous').toLowerCase() };
  });
  // more literal segments first, so "tenants/summary" wins over "tenants/{id}"
  return routes.sort((a, b) => b.route.literalCount - a.route.literalCount);
}

export function authorized(level: string, key: string | undefined, keys: Keys): boolean {
  if (level === 'anonymous') return true;
  if (!key) return false;
  if (key === keys.masterKey) return true;
  return level === 'function' && Object.values(keys.functionKeys).includes(key);
}

export async function handleHttpTrigger(args: {
  req: IncomingMessage; res: ServerResponse; url: URL; subPath: string; routes: HttpRoute[]; keys: Keys;
  invoker: Invoker; logger: Logger; bindingInputs: () => Record<string, RpcTypedData>;
}): Promise<void> {
  const { req, res, url } = args;
  const method = (req.method ?? 'GET').toUpperCase();
  let pathMatched = false;
  for (const r of args.routes) {
    const params = r.route.match(args.subPath);
    if (!params) continue;
    pathMatched = true;
    if (r.methods && !r.methods.includes(method)) continue;
    if (!authorized(r.authLevel, presentedKey(req, url), args.keys)) {
      sendText(res, 401, '');
      return;
    }
    const body = await readBody(req);
    // no `query`: HttpRequest then reads it from the URL, keeping repeated parameters
    const triggerData: RpcTypedData = { http: { method, url: url.toString(), headers: flatHeaders(req), params, body: { bytes: body } } };
    let returnValue: RpcTypedData | null | undefined;
    try {
      returnValue = (await args.invoker.invoke(r.fn, { triggerData, inputsByType: args.bindingInputs() })).returnValue;
    } catch {
      // the invoker logged the failure; the real host answers 500 without details
      sendText(res, 500, '');
      return;
    }
    writeRpcHttp(res, returnValue);
    return;
  }
  sendText(res, pathMatched ? 405 : 404, '');
}

interface RpcCookie { name?: string; value?: string; domain?: { value?: string }; path?: { value?: string }; expires?: { value?: { seconds?: number } }; secure?: { value?: boolean }; httpOnly?: { value?: boolean }; sameSite?: string; maxAge?: { value?: number } }

function cookieHeader(c: RpcCookie): string {
  const parts = [`${c.name ?? ''}=${c.value ?? ''}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  if (c.expires?.value?.seconds !== undefined) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined) parts.push(`Max-Age=${c.maxAge.value}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  if (c.sameSite === 'lax') parts.push('SameSite=Lax');
  if (c.sameSite === 'strict') parts.push('SameSite=Strict');
  if (c.sameSite === 'explicitNone') parts.push('SameSite=None');
  return parts.join('; ');
}

export function writeRpcHttp(res: ServerResponse, value: RpcTypedData | null | undefined): void {
  const http = value?.http;
  if (!http) {
    res.writeHead(204);
    res.end();
    return;
  }
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []) as RpcCookie[];
  if (cookies.length) headers['set-cookie'] = cookies.map(cookieHeader);
  const b = http.body;
  const body = b?.bytes ? Buffer.from(b.bytes) : b?.string !== undefined ? Buffer.from(b.string) : Buffer.alloc(0);
  headers['content-length'] = String(body.length);
  res.writeHead(Number(http.statusCode ?? 200), headers);
  res.end(body);
}
