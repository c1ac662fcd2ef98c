import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManagedIdentity, TokenIssuer } from '../shared/token';
import { bump, type Knobs } from './knobs';

/**
 * The App Service / Functions managed-identity endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`),
 * as @azure/identity 4.13 (through MSAL node 5) calls it:
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<scope without /.default>[&client_id|principal_id|mi_res_id=...]
 *   header X-IDENTITY-HEADER: {IDENTITY_HEADER}
 * → 200 { access_token, expires_on (epoch seconds, string), resource, token_type: "Bearer", client_id }.
 * Plain HTTP on 127.0.0.1, like the real endpoint inside an App Service sandbox.
 */
export interface IdentityEndpoint {
  url: string;
  header: string;
  stop(): Promise<void>;
}

const API_VERSION = '2019-08-01';

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startIdentityEndpoint(options: {
  issuer: TokenIssuer;
  identity: () => ManagedIdentity;
  header: string;
  knobs: Knobs;
  port?: number;
}): Promise<IdentityEndpoint> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fail = (status: number, code: string, message: string): void => send(res, status, { statusCode: status, error: { code, message }, message });
    if (req.method !== 'GET' || url.pathname !== '/msi/token') {
      fail(404, 'NotFound', `${req.method ?? ''} ${url.pathname}: the identity endpoint serves GET /msi/token only.`);
      return;
    }
    if (req.headers['x-identity-header'] !== options.header) {
      fail(401, 'Unauthorized', 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
      return;
    }
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion !== API_VERSION) {
      fail(400, 'BadRequest', `api-version must be ${API_VERSION}, got ${apiVersion ?? '(none)'}.`);
      return;
    }
    const resource = url.searchParams.get('resource');
    if (resource === null || resource.length === 0) {
      fail(400, 'BadRequest', 'The resource query parameter is required.');
      return;
    }
    const identity = options.identity();
    for (const [param, expected] of [['client_id', identity.clientId], ['principal_id', identity.principalId], ['object_id', identity.principalId]] as const) {
      const given = url.searchParams.get(param);
      if (given !== null && given.toLowerCase() !== expected.toLowerCase()) {
        fail(400, 'BadRequest', `No managed identity with ${param} ${given} is assigned to this app (the emulator has ${expected}).`);
        return;
      }
    }
    if (url.searchParams.get('mi_res_id') !== null) {
      fail(400, 'BadRequest', 'mi_res_id: user-assigned identities by resource id are not emulated; use the system-assigned identity or client_id.');
      return;
    }
    const { token, claims } = options.issuer.issue(resource, identity);
    bump(options.knobs.counters.tokensIssued, resource);
    send(res, 200, { access_token: token, expires_on: String(claims.exp), resource, token_type: 'Bearer', client_id: identity.clientId });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/msi/token`,
    header: options.header,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
