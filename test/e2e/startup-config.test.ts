import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHostProcess } from '../../local/sandbox/host-process';
import { startAzurite, type Azurite } from '../support/azurite';

/** The app validates its whole configuration when it starts and refuses to run with a bad one. */
describe('app start with a bad configuration', () => {
  let azurite: Azurite;
  let dir: string;
  beforeAll(async () => {
    azurite = await startAzurite();
    dir = mkdtempSync(path.join(tmpdir(), 'egress-config-'));
  });
  afterAll(async () => {
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails at start, listing every missing or bad setting', async () => {
    const settingsFile = path.join(dir, 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ Values: { AzureWebJobsStorage: azurite.connectionString, EGRESS_SUPERNET: '10.99.0.0/33', ROUTE_SERVER_NAME: 'hub-rs' } }));
    const appDir = path.resolve(__dirname, '..', '..');
    const started = startHostProcess({ appDir, settingsFile, env: {} });
    await expect(started).rejects.toThrow(/Invalid configuration \(7 problem\(s\)\)/);
    const message = await started.catch((e: Error) => e.message);
    for (const name of ['AZURE_SUBSCRIPTION_ID', 'ROUTE_SERVER_RESOURCE_GROUP', 'FIREWALL_POLICY_NAME', 'AKS_RESOURCE_GROUP', 'REGISTRY_TABLE_ENDPOINT']) expect(message).toContain(name);
    expect(message).toContain('EGRESS_SUPERNET: "10.99.0.0/33" is not an aligned IPv4 CIDR');
    expect(message).not.toContain('ROUTE_SERVER_NAME');
  }, 60_000);
});
