import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { isNotFound, RetriesExhausted } from '../../lib/adapters/errors';
import { connectCluster } from '../../lib/adapters/kubernetes/cluster-client';
import { createCertificateAuthority } from '../../local/emulators/shared/tls';

/**
 * The Kubernetes side of the one retry layer: @kubernetes/client-node has no retries of its own,
 * so a lasting 429 costs exactly the layer's attempts, Retry-After is waited, and a 404 is asked once.
 */
describe('Kubernetes calls go through the one retry layer', () => {
  let server: https.Server;
  let url: string;
  const ca = createCertificateAuthority();
  const seen: string[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;
  beforeAll(async () => {
    const { certPem, keyPem } = ca.issue(['localhost'], ['127.0.0.1']);
    server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => { seen.push(`${req.method} ${req.url}`); answer(req, res); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
  beforeEach(() => { seen.length = 0; });

  const status = (res: http.ServerResponse, code: number, reason: string, headers: Record<string, string> = {}): void => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code }));
  };
  const credential = { getToken: async () => ({ token: 'token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const client = (retry = { attempts: 6, baseMs: 5, maxMs: 20 }) => connectCluster({ cluster: 'c1', server: url, certificateAuthorityData: Buffer.from(ca.caCertPem).toString('base64') }, credential, 'aks', retry);

  it('a lasting 429 costs the attempts of the layer, each after the Retry-After', async () => {
    answer = (_req, res) => status(res, 429, 'TooManyRequests', { 'retry-after': '1' });
    const started = Date.now();
    const error = await (await client({ attempts: 3, baseMs: 5, maxMs: 20 })).listNodes().catch((e: unknown) => e);
    console.log(`lasting 429 on list nodes: ${seen.length} requests in ${Date.now() - started} ms (bound 3 here)`);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(seen).toEqual(['GET /api/v1/nodes', 'GET /api/v1/nodes', 'GET /api/v1/nodes']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('asks once for something that does not exist', async () => {
    answer = (_req, res) => status(res, 404, 'NotFound');
    expect(await (await client()).namespaceAnnotations('tenant-apps')).toBeUndefined();
    expect(seen).toEqual(['GET /api/v1/namespaces/tenant-apps']);
    const error = await (await client()).listPods('gone', 'app=x').catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect(seen).toHaveLength(2);
  });
});
