/**
 * Crash safety and single-host ownership of a task hub: SIGKILL in the middle of an orchestration, restart,
 * and the activities' own side effects show that no completed activity ran twice; a second host on the same
 * hub is refused; a clean stop releases the lease; a timer occurrence missed while down fires with isPastDue.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../support/azurite';
import { baseEnv, keys, launchHost, startHost, waitFor, type HostProcess } from './hostProcess';

let azurite: Azurite;
let logDir: string;
const hub = 'RestartHub';
const hosts: HostProcess[] = [];

const lines = (name: string): Record<string, unknown>[] => {
  const file = path.join(logDir, `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
};

async function status(host: HostProcess, id: string): Promise<{ runtimeStatus: string; output: unknown }> {
  const r = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${keys.master}`);
  return await r.json() as { runtimeStatus: string; output: unknown };
}

async function startOrchestration(host: HostProcess, name: string, id: string, input: unknown): Promise<void> {
  const r = await fetch(`${host.baseUrl}/api/orchestrators/${name}/${id}?code=${keys.function}`, { method: 'POST', body: JSON.stringify(input) });
  expect(r.status).toBe(202);
}

beforeAll(async () => {
  azurite = await startAzurite();
  logDir = mkdtempSync(path.join(tmpdir(), 'host-restart-'));
}, 30000);

afterAll(async () => {
  for (const h of hosts) await h.stop('SIGKILL');
  await azurite?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

it('finishes after SIGKILL + restart without re-running completed activities; refuses a second host', async () => {
  const env = baseEnv(azurite.connectionString, hub, logDir);
  const first = await startHost({ env });
  hosts.push(first);
  await startOrchestration(first, 'sequence', 'crash-seq', { count: 6, tag: 'k', delayMs: 600 });
  await startOrchestration(first, 'sleeper', 'crash-sleep', { ms: 2500 });
  // k-3 starting means k-0..k-2 completed and their completions were committed (the episode scheduling k-3 consumed them)
  await waitFor('k-3 to start', async () => (lines('activities').some((l) => l['key'] === 'k-3' && l['phase'] === 'start') ? true : undefined));
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  expect(first.child.signalCode).toBe('SIGKILL');
  const beforeRestart = lines('activities');
  expect(beforeRestart.filter((l) => l['phase'] === 'done').map((l) => l['key'])).toEqual(['k-0', 'k-1', 'k-2']);

  const second = await startHost({ env });
  hosts.push(second);
  const done = await waitFor('crash-seq to complete', async () => {
    const s = await status(second, 'crash-seq');
    return s.runtimeStatus === 'Completed' ? s : undefined;
  }, 20000);
  expect(done.output).toEqual(['k-0-ok', 'k-1-ok', 'k-2-ok', 'k-3-ok', 'k-4-ok', 'k-5-ok']);
  const all = lines('activities');
  const count = (key: string, phase: string): number => all.filter((l) => l['key'] === key && l['phase'] === phase).length;
  for (const key of ['k-0', 'k-1', 'k-2']) {
    expect(count(key, 'start')).toBe(1);
    expect(count(key, 'done')).toBe(1);
  }
  for (const key of ['k-3', 'k-4', 'k-5']) expect(count(key, 'done')).toBe(1);
  const slept = await waitFor('crash-sleep', async () => {
    const s = await status(second, 'crash-sleep');
    return s.runtimeStatus === 'Completed' ? s : undefined;
  }, 20000);
  expect((slept.output as { slept: number }).slept).toBeGreaterThanOrEqual(2500);

  // a second host on the same hub is refused with a clear message, and the first keeps serving
  const rival = await launchHost({ env });
  expect(rival.host).toBeUndefined();
  expect(rival.exitCode).toBe(3);
  expect(rival.errorLine?.message).toMatch(/Task hub "RestartHub" is already in use by another host: host pid \d+/);
  expect((await fetch(`${second.baseUrl}/api/hello`)).status).toBe(200);

  // a clean stop releases the lease at once and runs appTerminate hooks
  expect(await second.stop()).toBe(0);
  expect(lines('hooks').filter((l) => l['hook'] === 'appTerminate')).toHaveLength(1);

  // the host records each timer's next occurrence at start; one missed while the host was down fires once with isPastDue
  const leases = TableClient.fromConnectionString(azurite.connectionString, `${hub}Leases`, { allowInsecureConnection: true });
  const recorded = await leases.getEntity<{ next: string }>('timer', 'nightly');
  expect(recorded.next).toMatch(/T03:00:00\.000Z$/);
  const past = new Date(Date.now() - 3600_000).toISOString();
  await leases.upsertEntity({ partitionKey: 'timer', rowKey: 'nightly', last: past, next: past, lastUpdated: past }, 'Replace');
  const third = await startHost({ env });
  hosts.push(third);
  const missed = await waitFor('past-due timer', async () => lines('timers').find((l) => l['fn'] === 'nightly'));
  expect(missed).toEqual({ fn: 'nightly', isPastDue: true, hasStatus: true });
  // The host records the next occurrence after the past-due run finishes: wait for it rather than race it.
  const stored = await waitFor('next occurrence recorded', async () => {
    const row = await leases.getEntity<{ next: string }>('timer', 'nightly');
    return new Date(row.next).getTime() > Date.now() ? row : undefined;
  });
  expect(stored.next).toMatch(/T03:00:00\.000Z$/);
  expect(await third.stop()).toBe(0);
}, 90000);
