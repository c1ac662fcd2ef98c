import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSandboxProcess, type SandboxProcess, type SandboxProcessOptions } from '../../local/sandbox/sandbox';
import { cloudReader } from '../support/cloud-state';
import { apiClient, tenantSpec, waitForPhase } from './support';

/**
 * The sandbox survives a crash as Azure would (issue 11, point 5): `npm start` runs as its own process
 * group, which is SIGKILLed while a tenant waits for its routes, then started again on the same folder.
 * The emulated cloud comes back from its state files, the app carries on from its task hub (no repair
 * pass at start), and a bad state file is named without stopping the start.
 */
describe('sandbox restart on a kept folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-restart-'));
  // Slow route propagation: the tenant stays WaitingForRoutes long enough to be crashed in.
  const options: SandboxProcessOptions['options'] = {
    armTimings: { firewallUpdateMs: 150, routePropagationMs: 20_000, routeFeedPollMs: 100, lroRetryAfterSeconds: 0 },
    kubeTimings: { gatewayPodReadyMs: 100 },
    appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '2', ROUTE_WAIT_DEADLINE_SECONDS: '180' },
    stateDebounceMs: 50,
  };
  const echo = process.env.E2E_VERBOSE === '1';
  const startedAt = Date.now();
  let sandbox: SandboxProcess | undefined;
  afterAll(async () => {
    await sandbox?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const tenantCloud = async (s: SandboxProcess, cidr: string) => {
    const observed = await (await cloudReader(s.info)).observe('rollback');
    const prefix = cidr.split('.').slice(0, 3).join('.');
    return {
      pools: observed.clusters['spoke1-aks']!.pools.filter((p) => p.name.startsWith('crash')),
      gateways: observed.clusters['spoke1-aks']!.gateways.filter((g) => g.namespace.startsWith('crash')),
      collections: observed.collections.filter((c) => c.rules.some((r) => r.sourceAddresses?.includes(cidr))),
      // Every route reflector advertises each /31: one entry per prefix and instance.
      learned: Object.fromEntries(Object.entries(observed.learned).map(([i, l]) => [i, [...new Set(l.filter((p) => p.startsWith(`${prefix}.`) && p.endsWith('/31')))].sort()])),
    };
  };

  it('SIGKILL of the whole sandbox while a tenant waits for its routes: it starts again and the tenant reaches Ready', async () => {
    const first = await spawnSandboxProcess({ dir, args: ['--reset'], options, echo });
    sandbox = first;
    const api = apiClient(first);
    expect((await api('POST', '/tenants', tenantSpec('crash', { namespaces: [] }))).status).toBe(202);
    const waiting = await waitForPhase(api, 'spoke1-aks', 'crash', ['WaitingForRoutes', 'Ready', 'Failed']);
    expect(waiting.phase).toBe('WaitingForRoutes');
    // Azurite saves its tables every 5 s: the crash comes after the lifecycle's last writes are on disk.
    await new Promise((r) => setTimeout(r, 6000));
    expect((await waitForPhase(api, 'spoke1-aks', 'crash', ['WaitingForRoutes', 'Ready', 'Failed'])).phase).toBe('WaitingForRoutes');
    const before = await tenantCloud(first, waiting.cidr!);
    expect(before.pools).toEqual([{ name: 'crash-pool', cidr: waiting.cidr }]);
    expect(before.gateways).toHaveLength(1);
    await first.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const second = await spawnSandboxProcess({ dir, options, echo });
    sandbox = second;
    expect(second.output().filter((l) => l.startsWith('could not restore'))).toEqual([]);
    expect(second.info.apiBaseUrl).toBe(first.info.apiBaseUrl);
    // The Kubernetes API shows the pool and gateway as they were, right after the start.
    const restored = await tenantCloud(second, waiting.cidr!);
    expect({ pools: restored.pools, gateways: restored.gateways }).toEqual({ pools: before.pools, gateways: before.gateways });
    // The lifecycle resumes from the task hub: routes learned, firewall opened, Ready.
    const ready = await waitForPhase(apiClient(second), 'spoke1-aks', 'crash', ['Ready', 'Failed'], 150_000);
    expect(ready).toMatchObject({ phase: 'Ready', cidr: waiting.cidr });
    const after = await tenantCloud(second, waiting.cidr!);
    expect(after.collections.length).toBeGreaterThan(0);
    expect(Object.values(after.learned).map((l) => l.length)).toEqual([2, 2]);
  }, 420_000);

  it('a clean stop and start brings back every rule collection group and learned route, with no drift check', async () => {
    const api = apiClient(sandbox!);
    const tenant = await waitForPhase(api, 'spoke1-aks', 'crash', ['Ready']);
    const before = await tenantCloud(sandbox!, tenant.cidr!);
    await sandbox!.kill('SIGTERM');
    expect(await sandbox!.exited).toBe(0);

    const again = await spawnSandboxProcess({ dir, options, echo });
    sandbox = again;
    expect(again.output().filter((l) => l.startsWith('could not restore'))).toEqual([]);
    // Read at once: nothing had to be re-created or re-learned (propagation takes 20 s here).
    expect(await tenantCloud(again, tenant.cidr!)).toEqual(before);
    expect((await waitForPhase(apiClient(again), 'spoke1-aks', 'crash', ['Ready'])).cidr).toBe(tenant.cidr);
    const hostBaseUrl = again.info.apiBaseUrl.replace(/\/api$/, '');
    const drift = await fetch(`${hostBaseUrl}/runtime/webhooks/durabletask/instances/drift-check?code=${encodeURIComponent(again.info.masterKey)}`);
    await drift.body?.cancel();
    // The drift timer runs on the quarter hour of the wall clock ('0 */15 * * * *', and once past due at a
    // start when one was missed while stopped): an instance is explained only when such a moment fell
    // inside this test's run (the first start wiped the task hub); otherwise the restart started it.
    const scheduleFell = Math.floor(Date.now() / 900_000) > Math.floor(startedAt / 900_000);
    expect({ driftCheck: drift.status, scheduleFell }).toEqual({ driftCheck: scheduleFell ? drift.status : 404, scheduleFell });
  }, 300_000);

  it('a corrupt state file is named and the sandbox still starts (that cluster empty, bootstrapped again)', async () => {
    await sandbox!.kill('SIGTERM');
    const file = path.join(dir, 'cloud', 'kube-spoke2-aks.json');
    writeFileSync(file, '{"format":"egress-pilot/kube-emulator-cluster","version":1,"state":{"sto');
    const again = await spawnSandboxProcess({ dir, options, echo });
    sandbox = again;
    expect(again.output().filter((l) => l.startsWith('could not restore'))).toEqual([
      expect.stringMatching(new RegExp(`^could not restore cluster spoke2-aks \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): not JSON .*; starting it empty$`)),
    ]);
    // spoke1 came back as it was; spoke2 is a fresh cluster the app bootstrapped (its BGP peers are back).
    const observed = await (await cloudReader(again.info)).observe('rollback');
    expect(observed.clusters['spoke1-aks']!.pools.map((p) => p.name)).toContain('crash-pool');
    expect((await waitForPhase(apiClient(again), 'spoke1-aks', 'crash', ['Ready'])).phase).toBe('Ready');
  }, 300_000);
});
