import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../local/sandbox/sandbox';
import { apiClient, cloudClients, tenantRules, tenantSpec, waitForPhase, type TenantView } from './support';

/** A second start on the same folder reuses its ports and keys, and gets its tenants back. */
describe('sandbox restart on a kept folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-restart-'));
  const options: SandboxOptions = {
    dir, echoHostLogs: process.env.E2E_VERBOSE === '1',
    armTimings: { firewallUpdateMs: 150, routePropagationMs: 300, routeFeedPollMs: 100, lroRetryAfterSeconds: 0 },
    kubeTimings: { gatewayPodReadyMs: 100 },
    appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '2' },
  };
  let sandbox: Sandbox | undefined;
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps ports, keys and tenants: the app rebuilds the emulated cloud from its registry', async () => {
    sandbox = await startSandbox({ ...options, reset: true });
    const first = sandbox.info;
    let api = apiClient(sandbox);
    expect((await api('POST', '/tenants', tenantSpec('keep', { namespaces: [] }))).status).toBe(202);
    const before = await waitForPhase(api, 'spoke1-aks', 'keep', ['Ready', 'Failed']);
    expect(before.phase).toBe('Ready');
    await sandbox.stop();

    sandbox = await startSandbox(options);
    api = apiClient(sandbox);
    expect(sandbox.info.apiBaseUrl).toBe(first.apiBaseUrl);
    expect(sandbox.info.functionKey).toBe(first.functionKey);
    expect(sandbox.restored).toEqual(['spoke1-aks/keep']);
    const after = (await api<TenantView>('GET', '/tenants/spoke1-aks/keep')).body;
    expect(after).toMatchObject({ phase: 'Ready', cidr: before.cidr });

    const cloud = cloudClients(sandbox);
    expect(await cloud.exists('projectcalico.org/v3', 'IPPool', 'keep-pool')).toBe(true);
    const { rules } = tenantRules(await cloud.ruleCollectionGroups(), 'spoke1-aks', 'keep');
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.sourceAddresses).toEqual([before.cidr]);
    // The restored gateway's /31s come back on both Route Server instances.
    const prefix = before.cidr!.split('.').slice(0, 3).join('.');
    const deadline = Date.now() + 30_000;
    let learned: Record<string, string[]> = {};
    while (Date.now() < deadline) {
      learned = Object.fromEntries(Object.entries(await cloud.learnedRoutes()).map(([i, r]) => [i, r.map((x) => x.network!).filter((n) => n.startsWith(`${prefix}.`) && n.endsWith('/31'))]));
      if (Object.keys(learned).length === 2 && Object.values(learned).every((l) => new Set(l).size >= 2)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(Object.values(learned).map((l) => new Set(l).size)).toEqual([2, 2]);
  }, 240_000);
});
