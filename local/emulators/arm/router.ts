import type { IncomingHttpHeaders } from 'node:http';

/** What a handler sees of a request: matched path parameters, query, headers, parsed JSON body. */
export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  body: unknown;
  apiVersion: string;
  /** The emulator's own base URL (https://127.0.0.1:port), for Location / Azure-AsyncOperation URLs. */
  baseUrl: string;
  operation: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ArmRequest) => Promise<ArmResponse> | ArmResponse;

export type ApiFamily = 'network' | 'containerService' | 'resources';

export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD' | 'PATCH';
  /** ARM path template, e.g. `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/...`; literals match case-insensitively. */
  pattern: string;
  /** `<sdk operation group>.<method>`, used by latency, faults and counters. */
  operation: string;
  api: ApiFamily;
  /** Resource type named in api-version errors. */
  resourceType: string;
  handler: Handler;
}

interface CompiledRoute extends Route {
  segments: { literal?: string; param?: string }[];
}

export type RouteMatch =
  | { kind: 'matched'; route: Route; params: Record<string, string> }
  | { kind: 'methodNotSupported'; allowed: string[] }
  | { kind: 'noRoute' };

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): void {
    for (const r of routes) {
      this.routes.push({
        ...r,
        segments: split(r.pattern).map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s.toLowerCase() })),
      });
    }
  }

  match(method: string, path: string): RouteMatch {
    const parts = split(path);
    const allowed: string[] = [];
    for (const r of this.routes) {
      if (r.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i += 1) {
        const seg = r.segments[i];
        const part = decodeURIComponent(parts[i] ?? '');
        if (seg?.param !== undefined) params[seg.param] = part;
        else ok = seg?.literal === part.toLowerCase();
      }
      if (!ok) continue;
      if (r.method === method) return { kind: 'matched', route: r, params };
      allowed.push(r.method);
    }
    return allowed.length > 0 ? { kind: 'methodNotSupported', allowed } : { kind: 'noRoute' };
  }

  operations(): string[] {
    return [...new Set(this.routes.map((r) => r.operation))].sort();
  }
}
