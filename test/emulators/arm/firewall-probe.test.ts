/** The firewall's data plane over the control surface: POST /_emulator/firewall/decide against the stored policy. */
import https from 'node:https';
import { HUB_RG, startHarness, type Harness } from './support';

let h: Harness;
const decide = (body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => new Promise((resolve, reject) => {
  const req = https.request(`${h.arm.url}/_emulator/firewall/decide`, { method: 'POST', ca: h.arm.caCertPem, headers: { 'content-type': 'application/json' } }, (res) => {
    let text = '';
    res.on('data', (c: Buffer) => { text += c.toString(); });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
  });
  req.on('error', reject);
  req.end(JSON.stringify(body));
});
const tigera = { source: '10.99.0.2', destinationIp: '198.18.0.9', fqdn: 'www.tigera.io', protocol: 'TCP', port: 80, application: 'http' };

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.stop(); });

describe('POST /_emulator/firewall/decide', () => {
  it('denies with the firewall\'s 470 until a rule allows it, then allows it from the tenant source only', async () => {
    expect(await decide({ connection: tigera })).toMatchObject({ status: 200, json: { action: 'Deny', outcome: { kind: 'http-denied', status: 470 }, firewall: 'hub-fw', policy: 'hub-fw-policy' } });
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'egress-pilot-0', {
      priority: 10000,
      ruleCollections: [{
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'tenant-spoke1-aks.tenant0-app', priority: 1000, action: { type: 'Allow' },
        rules: [{ ruleType: 'ApplicationRule', name: 'tigera', sourceAddresses: ['10.99.0.0/29'], targetFqdns: ['www.tigera.io'], protocols: [{ protocolType: 'Http', port: 80 }] }],
      } as never],
    }, h.lro);
    expect((await decide({ firewall: 'hub-fw', connection: tigera })).json).toMatchObject({ action: 'Allow', matched: { stage: 'application', group: 'egress-pilot-0', rule: 'tigera' } });
    expect((await decide({ connection: { ...tigera, source: '10.1.0.4' } })).json).toMatchObject({ action: 'Deny' });
  });

  it('names the bad field of a malformed request, and an unknown firewall', async () => {
    const bad = await decide({ connection: { ...tigera, port: 'eighty' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('decide.connection.port');
    expect((await decide({ firewall: 'nope', connection: tigera })).status).toBe(404);
  });
});
