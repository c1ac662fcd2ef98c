import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, loadCertificateAuthority, trustCertificateAuthority } from '../../../local/emulators/shared/tls';

function get(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
  });
}

describe('shared TLS certificate authority', () => {
  const ca = createCertificateAuthority();
  const leaf = ca.issue(['localhost'], ['127.0.0.1']);
  let server: https.Server;
  let port = 0;

  beforeAll(async () => {
    server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => { res.end('ok'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

  it('issues a leaf that Node verifies against the CA, for both the IP and the hostname', async () => {
    expect(await get(`https://127.0.0.1:${port}/`, ca.caCertPem)).toBe(200);
    expect(await get(`https://localhost:${port}/`, ca.caCertPem)).toBe(200);
    const x509 = new X509Certificate(leaf.certPem);
    expect(x509.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
  });

  it('is refused by a client that does not trust the CA (verification stays on)', async () => {
    await expect(get(`https://127.0.0.1:${port}/`)).rejects.toThrow(/self-signed|unable to get local issuer|certificate/i);
  });

  it('is refused by a client that trusts another CA', async () => {
    const other = createCertificateAuthority();
    await expect(get(`https://127.0.0.1:${port}/`, other.caCertPem)).rejects.toThrow(/certificate|signature/i);
  });

  it('trustCertificateAuthority adds the CA to this process\'s default roots (no ca option needed afterwards)', async () => {
    const own = createCertificateAuthority();
    const ownLeaf = own.issue(['localhost'], ['127.0.0.1']);
    const other = https.createServer({ cert: ownLeaf.certPem, key: ownLeaf.keyPem }, (_req, res) => { res.end('ok'); });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(other.address() as AddressInfo).port}/`;
      await expect(get(url)).rejects.toThrow(/certificate|issuer/i);
      trustCertificateAuthority(own.caCertPem);
      expect(await get(url)).toBe(200);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a CA re-opened from its PEMs issues certificates the original CA certificate verifies', () => {
    const again = loadCertificateAuthority({ caCertPem: ca.caCertPem, caKeyPem: ca.caKeyPem });
    const issued = new X509Certificate(again.issue(['kube.local']).certPem);
    expect(issued.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
    expect(() => ca.issue([])).toThrow(/at least one hostname/);
  });
});
