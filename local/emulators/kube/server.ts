/**
 * The HTTP(S) pipeline of one emulated cluster: count → control paths → fault/latency injection →
 * authenticate → discovery / OpenAPI / resource routing → one error middleware writing Status objects.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ClusterApi, type ApiResponse } from './api';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, EMULATED_VERSION, OPENAPI_V2_PROTOBUF, openApiV2, openApiV2Protobuf, openApiV3Document, openApiV3Index } from './discovery';
import { kubeErrors, StatusError } from './errors';
import type { FaultBook } from './faults';
import type { JsonObject } from './json';
import { resourceKey, type ResourceType } from './resources';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { metadataOf, type StoreEvent } from './store';

export type Authenticate = (bearerToken: string) => Promise<{ ok: true; user: string } | { ok: false; reason: string }>;
export type ControlHandler = (method: string, path: string, query: URLSearchParams, body: string) => Promise<ApiResponse>;

export interface ServerOptions {
  api: ClusterApi;
  faults: FaultBook;
  control: ControlHandler;
  authenticate?: Authenticate;
  /** RBAC (authorization.ts): throws a 403 Status when the authenticated user may not make the request. */
  authorize?: (user: string, request: { method: string; path: string; query: URLSearchParams; contentType: string }) => void;
  /** When set, /_emulator/* requires `Authorization: Bearer <controlToken>`. */
  controlToken?: string;
  /** `GET .../pods/{name}/log` as text; undefined = no such pod (egress-probe/). */
  podLog?: (namespace: string, name: string) => string | undefined;
  tls?: { certPem: string; keyPem: string };
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const CONTROL_PREFIX = '/_emulator/';

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, r: ApiResponse): void {
  const body = JSON.stringify(r.body);
  res.writeHead(r.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private', ...(r.headers ?? {}) });
  res.end(body);
}

function bearer(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1]?.trim();
}

export class ClusterServer {
  private server?: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<() => void>();
  url = '';

  constructor(private readonly options: ServerOptions) {}

  async listen(host: string, port: number): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: kubeErrors.internal((e as Error).message).status });
        else res.end();
      });
    };
    const server = this.options.tls ? https.createServer({ cert: this.options.tls.certPem, key: this.options.tls.keyPem }, handler) : http.createServer(handler);
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    this.url = `${this.options.tls ? 'https' : 'http'}://${host}:${addr.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const stop of [...this.watches]) stop();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (path.startsWith(CONTROL_PREFIX)) {
        if (this.options.controlToken && bearer(req) !== this.options.controlToken) throw kubeErrors.unauthorized('control token required');
        send(res, await this.options.control(method, path, url.searchParams, (await readBody(req)).toString('utf8')));
        return;
      }
      const decision = this.options.faults.decide(method, path);
      if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
      if (decision.error) throw decision.error;
      if (this.options.authenticate && !PUBLIC_PATHS.has(path)) {
        const token = bearer(req);
        if (!token) throw kubeErrors.unauthorized();
        const result = await this.options.authenticate(token);
        if (!result.ok) throw kubeErrors.unauthorized(`Unauthorized: ${result.reason}`);
        this.options.authorize?.(result.user, { method, path, query: url.searchParams, contentType: req.headers['content-type'] ?? '' });
      }
      const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      this.route(req, res, method, path, url.searchParams, body);
    } catch (e) {
      if (e instanceof StatusError) send(res, { status: e.status.code, body: e.status, headers: e.headers });
      else if (e instanceof Error && e.name === 'ZodError') send(res, { status: 400, body: kubeErrors.badRequest(e.message).status });
      else throw e;
    }
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, query: URLSearchParams, body: Buffer): void {
    const { api } = this.options;
    const registry = api.registry;
    const ok = (b: unknown): void => send(res, { status: 200, body: b });
    if (path === '/version') return ok(EMULATED_VERSION);
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/api') return ok(apiVersions(req.headers.host ?? ''));
    if (path === '/apis') return ok(apiGroupList(registry));
    if (path === '/openapi/v3') return ok(openApiV3Index(registry));
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiV3Document(registry, path.slice('/openapi/v3/'.length));
      if (!doc) throw kubeErrors.pathNotFound(path);
      return ok(doc);
    }
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      const accept = req.headers.accept ?? '*/*';
      if (path === '/swagger-2.0.0.pb-v1' || (accept.includes(OPENAPI_V2_PROTOBUF) && !/^application\/json/.test(accept))) {
        const body = openApiV2Protobuf();
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
        return;
      }
      return ok(openApiV2(registry));
    }
    const segs = path.split('/').slice(1).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) {
      group = '';
      version = segs[1] ?? '';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 2) {
      group = segs[1] ?? '';
      if (segs.length === 2) {
        const doc = apiGroupDoc(registry, group);
        if (!doc) throw kubeErrors.pathNotFound(path);
        return ok(doc);
      }
      version = segs[2] ?? '';
      rest = segs.slice(3);
    } else throw kubeErrors.pathNotFound(path);

    if (rest.length === 0) {
      const list = apiResourceList(registry, group, version);
      if (!list) throw kubeErrors.pathNotFound(path);
      return ok(list);
    }
    let namespace: string | undefined;
    let watch = query.get('watch') === 'true' || query.get('watch') === '1';
    if (rest[0] === 'watch') {
      watch = true;
      rest = rest.slice(1);
    }
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const resource = registry.byResource(group, version, rest[0] ?? '');
    if (!resource) throw kubeErrors.pathNotFound(path);
    if (resource.namespaced === false && namespace !== undefined) throw kubeErrors.pathNotFound(path);
    const name = rest[1];
    const subresource = rest[2];
    if (rest.length > 3) throw kubeErrors.pathNotFound(path);
    if (resource.namespaced && name !== undefined && namespace === undefined) throw kubeErrors.pathNotFound(path);
    if (watch && method === 'GET' && name === undefined) return this.watch(req, res, resource, namespace, query);
    if (method === 'GET' && resource.kind === 'Pod' && subresource === 'log' && namespace !== undefined && name !== undefined && this.options.podLog) {
      const text = this.options.podLog(namespace, name);
      if (text === undefined) throw kubeErrors.notFound(resource.plural, resource.group, name);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
      res.end(text);
      return;
    }
    send(res, api.handle({
      method, resource, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}), query,
      contentType: req.headers['content-type'] ?? '', ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}), body: body.toString('utf8'), rawBody: body,
    }));
  }

  /** Streams watch events (one JSON object per line) until the client leaves or timeoutSeconds passes. */
  private watch(req: http.IncomingMessage, res: http.ServerResponse, resource: ResourceType, namespace: string | undefined, query: URLSearchParams): void {
    const { api } = this.options;
    const byLabel = parseLabelSelector(query.get('labelSelector'));
    const byField = parseFieldSelector(query.get('fieldSelector'));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const write = (type: string, object: JsonObject): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const rv = query.get('resourceVersion');
    if (!rv || rv === '0') for (const o of api.select({ resource, ...(namespace !== undefined ? { namespace } : {}), query })) write('ADDED', o);
    const key = resourceKey(resource);
    const off = api.store.on((e: StoreEvent) => {
      if (resourceKey(e.resource) !== key) return;
      if (namespace !== undefined && metadataOf(e.object).namespace !== namespace) return;
      if (!byLabel(e.object) || !byField(e.object)) return;
      write(e.type, e.object);
    });
    const stop = (): void => {
      off();
      clearTimeout(timer);
      this.watches.delete(stop);
      if (!res.writableEnded) res.end();
    };
    const timeout = Number(query.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(stop, Math.max(1, timeout) * 1000);
    this.watches.add(stop);
    req.on('close', stop);
  }
}
