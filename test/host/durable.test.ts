/**
 * Durable Functions through local/host, driven over HTTP (the app's starter function, the management API whose
 * URLs createCheckStatusResponse hands out) and through a durable-functions DurableClient in the test process.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { startAzurite, type Azurite } from '../support/azurite';
import { durableClientData } from '../../local/host/durable/clientData';
import { baseEnv, keys, startHost, waitFor, type HostProcess } from './hostProcess';

let azurite: Azurite;
let host: HostProcess;
let logDir: string;
const hub = 'DurableHub';

interface Status { name: string; instanceId: string; runtimeStatus: string; input: unknown; output: unknown; customStatus: unknown; createdTime: string; lastUpdatedTime: string; historyEvents?: Record<string, unknown>[] }
interface Links { id: string; statusQueryGetUri: string; sendEventPostUri: string; terminatePostUri: string; purgeHistoryDeleteUri: string; suspendPostUri: string; resumePostUri: string }

const lines = (name: string): Record<string, unknown>[] => {
  const file = path.join(logDir, `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
};

/** Starts through the app's own HTTP starter (durable client binding + createCheckStatusResponse). */
async function start(name: string, id: string, input?: unknown): Promise<Links> {
  const r = await fetch(`${host.baseUrl}/api/orchestrators/${name}/${id}`, {
    method: 'POST', headers: { 'x-functions-key': keys.function }, body: input === undefined ? '' : JSON.stringify(input),
  });
  expect(r.status).toBe(202);
  const links = await r.json() as Links;
  expect(r.headers.get('location')).toBe(links.statusQueryGetUri);
  return links;
}

async function status(id: string, query = ''): Promise<Status> {
  const r = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${keys.master}${query}`);
  expect([200, 202]).toContain(r.status);
  return await r.json() as Status;
}

async function until(id: string, wanted: string[] = ['Completed', 'Failed', 'Terminated'], timeoutMs = 15000): Promise<Status> {
  return waitFor(`${id} to reach ${wanted.join('/')}`, async () => {
    const s = await status(id);
    return wanted.includes(s.runtimeStatus) ? s : undefined;
  }, timeoutMs);
}

function client(): df.DurableClient {
  process.env['WEBSITE_HOSTNAME'] = `127.0.0.1:${host.port}`;
  const binding = df.input.durableClient();
  const ctx = new InvocationContext({ functionName: 'test', options: { extraInputs: [binding] } });
  ctx.extraInputs.set(binding, durableClientData(host.baseUrl, hub, keys.master));
  return df.getClient(ctx);
}

beforeAll(async () => {
  azurite = await startAzurite();
  logDir = mkdtempSync(path.join(tmpdir(), 'host-durable-'));
  host = await startHost({ env: baseEnv(azurite.connectionString, hub, logDir) });
}, 60000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
  await azurite?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

describe('orchestrations and activities', () => {
  it('runs a fan-out/fan-in and serves status through the createCheckStatusResponse URL', async () => {
    const links = await start('fanOut', 'fan-1', { count: 20 });
    const done = await waitFor('fan-1', async () => {
      const r = await fetch(links.statusQueryGetUri);
      const body = await r.json() as Status;
      if (body.runtimeStatus === 'Completed') { expect(r.status).toBe(200); return body; }
      expect(r.status).toBe(202);
      return undefined;
    });
    expect(done).toMatchObject({ name: 'fanOut', instanceId: 'fan-1', input: { count: 20 }, output: 420, customStatus: null });
    expect(done.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('runs activities in sequence, honouring maxConcurrentActivityFunctions for parallel ones', async () => {
    await start('sequence', 'seq-1', { count: 3, tag: 'seq', delayMs: 5 });
    expect((await until('seq-1')).output).toEqual(['seq-0-ok', 'seq-1-ok', 'seq-2-ok']);
    await start('fanRecord', 'par-1', { count: 24, tag: 'par', delayMs: 100 });
    expect((await until('par-1')).output).toBe(24);
    let running = 0;
    let peak = 0;
    for (const l of lines('activities').filter((x) => String(x['key']).startsWith('par-'))) {
      running += l['phase'] === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(8);
  });

  it('retries activities per RetryOptions and surfaces the final failure', async () => {
    await start('retrying', 'retry-ok', { key: 'retry-ok', failTimes: 2, maxAttempts: 3 });
    expect((await until('retry-ok')).output).toEqual({ attempts: 3 });
    expect(lines('flaky').filter((l) => l['key'] === 'retry-ok').map((l) => l['attempt'])).toEqual([1, 2, 3]);
    await start('retrying', 'retry-no', { key: 'retry-no', failTimes: 9, maxAttempts: 2 });
    const s = await until('retry-no');
    expect(s.output).toEqual({ error: expect.stringContaining("Activity function 'flaky' failed: flaky attempt 2 failed") as unknown });
    expect(lines('flaky').filter((l) => l['key'] === 'retry-no')).toHaveLength(2);
  });

  it('fails the task of a throwing activity with its message and details', async () => {
    await start('activityFails', 'act-catch', 'catch');
    const caught = (await until('act-catch')).output as { caught: string };
    expect(caught.caught).toContain("Activity function 'boom' failed: activity exploded");
    expect(caught.caught).toContain('durable.js');
    await start('activityFails', 'act-throw', 'throw');
    const failed = await until('act-throw');
    expect(failed.runtimeStatus).toBe('Failed');
    expect(failed.output).toEqual(expect.stringContaining("Orchestrator function 'activityFails' failed: Activity function 'boom' failed: activity exploded"));
  });

  it('ends a throwing orchestrator Failed with the error in its status', async () => {
    await start('orchestratorThrows', 'orch-throw');
    const s = await until('orch-throw');
    expect(s).toMatchObject({ runtimeStatus: 'Failed', output: "Orchestrator function 'orchestratorThrows' failed: orchestrator boom" });
  });

  it('runs sub-orchestrations (success and failure)', async () => {
    await start('parent', 'par-sub', { n: 21 });
    const s = await until('par-sub');
    expect(s.output).toEqual({ child: { doubled: 42, parent: 'par-sub' }, failure: expect.stringContaining('orchestrator boom') as unknown });
    expect((await status('par-sub-bad')).runtimeStatus).toBe('Failed');
  });

  it('continues as new with the new input', async () => {
    await start('counter', 'ctr-1', 0);
    const s = await until('ctr-1');
    expect(s).toMatchObject({ runtimeStatus: 'Completed', input: 3, output: { final: 3 } });
  });

  it('replays deterministically (currentUtcDateTime, newGuid) and decodes string inputs once', async () => {
    await start('deterministic', 'det-1');
    expect((await until('det-1')).output).toEqual({ sameTime: true, sameGuid: true, advanced: true, isString: 'string' });
  });

  it('stores large inputs and results (over table property limits)', async () => {
    const blob = 'y'.repeat(150_000);
    await start('bigData', 'big-1', { parts: 10, size: 100_000, blob });
    const s = await until('big-1', undefined, 30000);
    expect(s.output).toEqual({ total: 1_000_000, inputLength: 150_000 });
    expect((s.input as { blob: string }).blob).toHaveLength(150_000);
    // one 2.5 MB activity result: more than a table entity (1 MiB) and an entity-group transaction (4 MB) hold
    await start('bigData', 'big-2', { parts: 1, size: 2_500_000, blob: '' });
    expect((await until('big-2', undefined, 30000)).output).toEqual({ total: 2_500_000, inputLength: 0 });
  }, 60000);
});

describe('timers, events, custom status', () => {
  it('durable timers fire and Task.any picks the timer', async () => {
    await start('sleeper', 'sleep-1', { ms: 600 });
    const s = await until('sleep-1');
    expect((s.output as { slept: number }).slept).toBeGreaterThanOrEqual(600);
    await start('approval', 'appr-timeout', { timeoutMs: 300 });
    expect(await until('appr-timeout')).toMatchObject({ output: { approved: false }, customStatus: { stage: 'timed out' } });
  });

  it('raises an external event through sendEventPostUri; custom status is visible while waiting', async () => {
    const links = await start('approval', 'appr-1', { timeoutMs: 60000 });
    const waiting = await waitFor('custom status', async () => {
      const s = await status('appr-1');
      return s.runtimeStatus === 'Running' ? s : undefined;
    });
    expect(waiting.customStatus).toEqual({ stage: 'waiting' });
    const r = await fetch(links.sendEventPostUri.replace('{eventName}', 'Approve'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'alice' }) });
    expect(r.status).toBe(202);
    expect(await until('appr-1')).toMatchObject({ output: { approved: { by: 'alice' } }, customStatus: { stage: 'approved' } });
    const late = await fetch(links.sendEventPostUri.replace('{eventName}', 'Approve'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '1' });
    expect(late.status).toBe(410);
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/none/raiseEvent/x?code=${keys.master}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '1' })).status).toBe(404);
  });

  it('raises events and waits through the durable client binding inside the app', async () => {
    await start('waiter', 'wait-1');
    const r = await fetch(`${host.baseUrl}/api/client/raise/wait-1?code=${keys.function}`, { method: 'POST', body: JSON.stringify({ name: 'Go', data: { x: 1 } }) });
    expect(r.status).toBe(202);
    const w = await fetch(`${host.baseUrl}/api/client/wait/wait-1?code=${keys.function}`, { method: 'POST' });
    expect(w.status).toBe(200);
    expect(await w.json()).toEqual({ got: { x: 1 } });
  });
});

describe('other triggers with the durable client binding', () => {
  it('an Event Grid function starts an orchestration through df.getClient', async () => {
    const r = await fetch(`${host.baseUrl}/runtime/webhooks/eventgrid?functionName=gridStarter`, {
      method: 'POST', headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([{ id: 'g1', eventType: 'Demo.Created', subject: 's', data: { count: 3 }, eventTime: new Date().toISOString(), dataVersion: '1' }]),
    });
    expect(r.status).toBe(202);
    expect(await until('eg-g1')).toMatchObject({ name: 'fanOut', output: 12 });
  });
});

describe('management API', () => {
  it('reports (does not duplicate) a start with the id of a running instance', async () => {
    await start('waiter', 'dup-1');
    const again = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/waiter/dup-1?code=${keys.master}`, { method: 'POST', body: '' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("An instance with ID 'dup-1' already exists");
    const viaApp = await fetch(`${host.baseUrl}/api/orchestrators/waiter/dup-1?code=${keys.function}`, { method: 'POST', body: '' });
    expect(viaApp.status).toBe(500);
    const bad = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/nonexistent?code=${keys.master}`, { method: 'POST', body: '' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/waiter?code=wrong`, { method: 'POST' })).status).toBe(401);
  });

  it('terminates, then a finished id can be started again', async () => {
    const links = await start('waiter', 'term-1');
    const r = await fetch(links.terminatePostUri.replace('{text}', 'enough'), { method: 'POST' });
    expect(r.status).toBe(202);
    expect(await until('term-1')).toMatchObject({ runtimeStatus: 'Terminated', output: 'enough' });
    expect((await fetch(links.terminatePostUri.replace('{text}', 'again'), { method: 'POST' })).status).toBe(410);
    await start('sequence', 'term-1', { count: 1, tag: 'again', delayMs: 0 });
    expect(await until('term-1')).toMatchObject({ name: 'sequence', output: ['again-0-ok'] });
  });

  it('suspends and resumes', async () => {
    const links = await start('waiter', 'susp-1');
    await waitFor('running', async () => ((await status('susp-1')).runtimeStatus === 'Running' ? true : undefined));
    expect((await fetch(links.suspendPostUri.replace('{text}', 'pause'), { method: 'POST' })).status).toBe(202);
    await waitFor('suspended', async () => ((await status('susp-1')).runtimeStatus === 'Suspended' ? true : undefined));
    await fetch(links.sendEventPostUri.replace('{eventName}', 'Go'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '"late"' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await status('susp-1')).runtimeStatus).toBe('Suspended');
    expect((await fetch(links.resumePostUri.replace('{text}', 'go on'), { method: 'POST' })).status).toBe(202);
    expect(await until('susp-1')).toMatchObject({ runtimeStatus: 'Completed', output: { got: 'late' } });
  });

  it('shows history (with outputs on request) through the API and the durable client', async () => {
    await start('fanOut', 'hist-1', { count: 2 });
    await until('hist-1');
    const s = await status('hist-1', '&showHistory=true&showHistoryOutput=true&showInput=false');
    expect(s.input).toBeNull();
    const types = s.historyEvents!.map((e) => e['EventType']);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionCompleted');
    expect(s.historyEvents!.filter((e) => e['EventType'] === 'TaskCompleted')).toEqual([
      expect.objectContaining({ FunctionName: 'double', Result: 2, TaskScheduledId: 0 }),
      expect.objectContaining({ FunctionName: 'double', Result: 4, TaskScheduledId: 1 }),
    ]);
    const viaApp = await (await fetch(`${host.baseUrl}/api/client/status/hist-1?code=${keys.function}`, { method: 'POST' })).json() as Status;
    expect(viaApp).toMatchObject({ instanceId: 'hist-1', runtimeStatus: 'Completed', output: 6 });
    const direct = await client().getStatus('hist-1');
    expect(direct).toMatchObject({ name: 'fanOut', runtimeStatus: 'Completed', output: 6, input: { count: 2 } });
    await expect(client().getStatus('no-such-instance')).rejects.toThrow();
  });

  it('lists with filters and pages with x-ms-continuation-token', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) await start('fanOut', id, { count: 1 });
    for (const id of ['list-a', 'list-b', 'list-c']) await until(id);
    const base = `${host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${keys.master}&instanceIdPrefix=list-&runtimeStatus=Completed&top=2`;
    const first = await fetch(base);
    expect(first.status).toBe(200);
    const page1 = await first.json() as Status[];
    const token = first.headers.get('x-ms-continuation-token');
    expect(page1).toHaveLength(2);
    expect(token).toBeTruthy();
    const second = await fetch(base, { headers: { 'x-ms-continuation-token': token! } });
    const page2 = await second.json() as Status[];
    expect([...page1, ...page2].map((s) => s.instanceId).sort()).toEqual(['list-a', 'list-b', 'list-c']);
    const running = await (await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${keys.master}&instanceIdPrefix=list-&runtimeStatus=Running`)).json() as Status[];
    expect(running).toEqual([]);
    const all = await client().getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Completed] });
    expect(all.map((s) => s.instanceId)).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'fan-1']));
    const future = await client().getStatusBy({ createdTimeFrom: new Date(Date.now() + 3600_000) });
    expect(future).toEqual([]);
  });

  it('purges one instance and by filter', async () => {
    await start('fanOut', 'purge-1', { count: 1 });
    await until('purge-1');
    const links = await start('waiter', 'purge-running');
    expect((await fetch(links.purgeHistoryDeleteUri, { method: 'DELETE' })).status).toBe(404);
    const del = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/purge-1?code=${keys.master}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ instancesDeleted: 1 });
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/purge-1?code=${keys.master}`)).status).toBe(404);
    expect(await client().purgeInstanceHistory('purge-1')).toEqual({ instancesDeleted: 0 });
    const byFilter = await client().purgeInstanceHistoryBy({ createdTimeFrom: new Date(Date.now() - 3600_000), runtimeStatus: [df.OrchestrationRuntimeStatus.Terminated] });
    expect(byFilter.instancesDeleted).toBeGreaterThanOrEqual(0);
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${keys.master}`, { method: 'DELETE' })).status).toBe(400);
    expect((await status('purge-running')).runtimeStatus).toBe('Running');
  });
});
