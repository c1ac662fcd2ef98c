import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpRouteFeed, parseSessionsResponse } from '../../../local/emulators/arm';
import { createCertificateAuthority } from '../../../local/emulators/shared/tls';
import { eventually, type Harness, HUB_RG, startHarness } from './support';

/**
 * The contract with the Kubernetes emulator: `GET <clusterUrl>/_emulator/bgp/sessions`. A stand-in
 * cluster serves it over HTTPS with a certificate from a shared CA; the ARM emulator's default feed
 * polls it (no in-memory feed here).
 */
describe('ARM emulator: BGP sessions from the Kubernetes twin over HTTP', () => {
  const ca = createCertificateAuthority();
  const leaf = ca.issue(['localhost'], ['127.0.0.1']);
  let advertised: { prefix: string; nextHop: string; asPath: string }[] = [];
  let cluster: https.Server;
  let clusterUrl = '';
  let h: Harness;

  beforeAll(async () => {
    cluster = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      if (req.url !== '/_emulator/bgp/sessions') { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        cluster: 'spoke1-aks', localAsn: 63400,
        sessions: ['10.0.1.4', '10.0.1.5'].map((peerIp) => ({ nodeName: 'aks-node-0', nodeIp: '10.1.0.4', peerIp, peerAsn: 65515, routes: advertised })),
      }));
    });
    await new Promise<void>((resolve) => cluster.listen(0, '127.0.0.1', resolve));
    clusterUrl = `https://127.0.0.1:${(cluster.address() as AddressInfo).port}`;
    // No routeFeed: the emulator polls the clusters' URLs, trusting the CA it was given.
    h = await startHarness({ ca, routeFeed: undefined, clusters: { 'spoke1-aks': { url: clusterUrl, caCertPem: ca.caCertPem } } });
  });
  afterAll(async () => {
    await h.stop();
    await new Promise((resolve) => { cluster.closeAllConnections(); cluster.close(resolve); });
  });

  it('parses the feed and names the bad field', async () => {
    const feed = createHttpRouteFeed({ clusterUrls: () => [clusterUrl], caCertPem: ca.caCertPem });
    advertised = [{ prefix: '10.99.0.2/31', nextHop: '10.1.0.5', asPath: '63400' }];
    expect(await feed.sessions()).toEqual([
      { cluster: 'spoke1-aks', localAsn: 63400, nodeName: 'aks-node-0', nodeIp: '10.1.0.4', peerIp: '10.0.1.4', peerAsn: 65515, routes: advertised },
      { cluster: 'spoke1-aks', localAsn: 63400, nodeName: 'aks-node-0', nodeIp: '10.1.0.4', peerIp: '10.0.1.5', peerAsn: 65515, routes: advertised },
    ]);
    expect(() => parseSessionsResponse({ cluster: 'c', localAsn: 1, sessions: [{ nodeName: 'n', nodeIp: '1.1.1.1', peerIp: '2.2.2.2', peerAsn: 'x', routes: [] }] }))
      .toThrow(/sessions\.0\.peerAsn/);
    const errors: string[] = [];
    const untrusted = createHttpRouteFeed({ clusterUrls: () => [clusterUrl], onError: (_u, e) => errors.push(e.message) });
    expect(await untrusted.sessions()).toEqual([]);
    expect(errors[0]).toMatch(/certificate/i);
  });

  it('connects the BGP connection and learns the twin\'s routes, then loses them when withdrawn', async () => {
    h.arm.control.setTimings({ routePropagationMs: 100, routeFeedPollMs: 25 });
    advertised = [{ prefix: '10.99.0.2/31', nextHop: '10.1.0.5', asPath: '63400' }];
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', 'rr-0', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    expect((await h.network.virtualHubBgpConnection.get(HUB_RG, 'hub-rs', 'rr-0')).connectionState).toBe('Connected');
    const learned = async (): Promise<string[]> =>
      ((await h.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, 'hub-rs', 'rr-0', h.lro)).RouteServiceRole_IN_1 ?? []).map((r) => r.network ?? '');
    await eventually(async () => (await learned()).length === 1);
    expect(await learned()).toEqual(['10.99.0.2/31']);
    advertised = [];
    await eventually(async () => (await learned()).length === 0);
  });
});
