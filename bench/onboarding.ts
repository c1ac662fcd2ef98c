/**
 * Onboarding at scale against the sandbox, with the emulators' latency knobs set as in Azure-ish
 * conditions (firewall write 2 s, route propagation 3 s). Prints, from one run:
 * - firewall policy writes for N concurrent onboardings, against the naive count (one per tenant);
 * - wall time of N concurrent onboardings divided by the wall time of one.
 * Usage: npm run bench -- onboarding [N]   (default N = 100)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../local/sandbox/sandbox';

const n = Number(process.argv[2] ?? 100);

const spec = (name: string) => ({
  name, cluster: 'spoke1-aks', namespaces: [], gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'web', fqdns: [`${name}.example.com`], protocols: ['Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
});

async function call(sandbox: Sandbox, method: string, route: string, body?: unknown): Promise<{ status: number; body: { phase?: string; error?: string } }> {
  const res = await fetch(`${sandbox.info.apiBaseUrl}${route}`, {
    method, headers: { 'x-functions-key': sandbox.info.functionKey, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as { phase?: string; error?: string } };
}

async function onboard(sandbox: Sandbox, names: string[]): Promise<number> {
  const started = performance.now();
  const posted = await Promise.all(names.map((name) => call(sandbox, 'POST', '/tenants', spec(name))));
  const refused = posted.filter((r) => r.status !== 202);
  if (refused.length > 0) throw new Error(`POST refused: ${JSON.stringify(refused[0])}`);
  const pending = new Set(names);
  while (pending.size > 0) {
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([...pending].map(async (name) => {
      const { body } = await call(sandbox, 'GET', `/tenants/spoke1-aks/${name}`);
      if (body.phase === 'Failed') throw new Error(`${name} failed: ${body.error}`);
      if (body.phase === 'Ready') pending.delete(name);
    }));
  }
  return performance.now() - started;
}

const policyWrites = (sandbox: Sandbox): number => Object.values(sandbox.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-bench-'));
  const sandbox = await startSandbox({
    dir, reset: true, reusePorts: false,
    armTimings: { firewallUpdateMs: 2000, routePropagationMs: 3000 },
    kubeTimings: { gatewayPodReadyMs: 1000 },
    appSettings: { ROUTE_POLL_INITIAL_SECONDS: '2', ROUTE_POLL_MAX_SECONDS: '4', ROUTE_WAIT_DEADLINE_SECONDS: '600' },
  });
  try {
    const w0 = policyWrites(sandbox);
    const one = await onboard(sandbox, ['solo']);
    const w1 = policyWrites(sandbox);
    const many = await onboard(sandbox, Array.from({ length: n }, (_, i) => `bulk${i}`));
    const wN = policyWrites(sandbox);
    console.log(`onboarding benchmark (firewall write 2 s, route propagation 3 s, gateway pods ready 1 s)`);
    console.log(`  1 onboarding:                 ${(one / 1000).toFixed(1)} s, ${w1 - w0} firewall policy write(s)`);
    console.log(`  ${n} concurrent onboardings:   ${(many / 1000).toFixed(1)} s, ${wN - w1} firewall policy writes (naive: ${n})`);
    console.log(`  policy writes per tenant:     ${((wN - w1) / n).toFixed(3)} (naive 1.000)`);
    console.log(`  wall time ${n} / wall time 1: ${(many / one).toFixed(2)}`);
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
