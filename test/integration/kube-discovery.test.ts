import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { connectCluster } from '../../lib/adapters/kubernetes/cluster-client';
import { DiscoveryCache } from '../../lib/adapters/kubernetes/discovery-cache';
import { createCertificateAuthority } from '../../local/emulators/shared/tls';

/**
 * Discovery (`GET /apis/<group>/<version>`) is read once per endpoint and group-version, not once per client:
 * a drift check connects per activity, and each new client re-discovered every group it touched. The cache
 * must still see a kind installed later, a kind removed, and a cluster whose endpoint changed.
 */
describe('Kubernetes discovery shared by the clients of one endpoint', () => {
  let server: https.Server;
  let port: number;
  const ca = createCertificateAuthority();
  const caData = Buffer.from(ca.caCertPem).toString('base64');
  const seen: string[] = [];
  let served: Array<{ kind: string; name: string }> = [];
  beforeAll(async () => {
    const { certPem, keyPem } = ca.issue(['localhost'], ['127.0.0.1']);
    server = https.createServer({ cert: certPem, key: keyPem }, (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push(`${req.method} ${req.url?.split('?')[0]}`);
      const path = req.url?.split('?')[0] ?? '';
      const json = (code: number, body: unknown): void => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (path === '/apis/projectcalico.org/v3') {
        json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'projectcalico.org/v3', resources: served.map((r) => ({ ...r, singularName: '', namespaced: false, verbs: ['list', 'get'] })) });
      } else if (served.some((r) => path === `/apis/projectcalico.org/v3/${r.name}`)) {
        json(200, { kind: 'List', apiVersion: 'projectcalico.org/v3', metadata: {}, items: [] });
      } else {
        json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
  beforeEach(() => { seen.length = 0; served = [{ kind: 'IPPool', name: 'ippools' }]; });

  const credential = { getToken: async () => ({ token: 'token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const retry = { attempts: 1, baseMs: 1, maxMs: 1 };
  const client = (cache: DiscoveryCache, host = '127.0.0.1') => connectCluster({ cluster: 'c1', server: `https://${host}:${port}`, certificateAuthorityData: caData }, credential, 'aks', retry, cache);
  const discoveries = (): number => seen.filter((s) => s === 'GET /apis/projectcalico.org/v3').length;

  it('a second client of the same endpoint does not discover again', async () => {
    const cache = new DiscoveryCache();
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    expect(seen).toEqual(['GET /apis/projectcalico.org/v3', 'GET /apis/projectcalico.org/v3/ippools', 'GET /apis/projectcalico.org/v3/ippools']);
  });

  it('a kind installed after the group was cached is discovered at once', async () => {
    const cache = new DiscoveryCache();
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    served.push({ kind: 'BGPFilter', name: 'bgpfilters' });
    await (await client(cache)).listObjects('projectcalico.org/v3', 'BGPFilter');
    expect(discoveries()).toBe(2);
    expect(seen.at(-1)).toBe('GET /apis/projectcalico.org/v3/bgpfilters');
  });

  it('a 404 (kind removed) drops the cached group-version, so the next call discovers afresh', async () => {
    const cache = new DiscoveryCache();
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    served = [];
    await expect((await client(cache)).listObjects('projectcalico.org/v3', 'IPPool')).rejects.toBeDefined();
    const error = await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool').catch((e: unknown) => e);
    expect(discoveries()).toBe(2);
    expect(String(error)).toMatch(/Unrecognized API version and kind/);
  });

  it('another endpoint (a recreated cluster) discovers for itself', async () => {
    const cache = new DiscoveryCache();
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    await (await client(cache, 'localhost')).listObjects('projectcalico.org/v3', 'IPPool');
    expect(discoveries()).toBe(2);
  });

  it('is read again once older than its maximum age', async () => {
    let now = 0;
    const cache = new DiscoveryCache(60_000, () => now);
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    now = 59_000;
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    expect(discoveries()).toBe(1);
    now = 61_000;
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    expect(discoveries()).toBe(2);
  });

  it('servesKind asks the API server, not the cache', async () => {
    const cache = new DiscoveryCache();
    await (await client(cache)).listObjects('projectcalico.org/v3', 'IPPool');
    served = [];
    expect(await (await client(cache)).servesKind('projectcalico.org/v3', 'IPPool')).toBe(false);
    expect(discoveries()).toBe(2);
  });
});
