/**
 * local/host over HTTP: HTTP triggers (routes, methods, auth levels, HttpResponse headers/cookies, errors,
 * timeout), hooks, log levels, Event Grid webhook, timers (runOnStartup, admin fire-now), admin API.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, type Azurite } from '../support/azurite';
import { baseEnv, keys, startHost, waitFor, type HostProcess } from './hostProcess';

let azurite: Azurite;
let host: HostProcess;
let logDir: string;

const lines = (name: string): Record<string, unknown>[] => {
  const file = path.join(logDir, `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
};

beforeAll(async () => {
  azurite = await startAzurite();
  logDir = mkdtempSync(path.join(tmpdir(), 'host-http-'));
  host = await startHost({ env: baseEnv(azurite.connectionString, 'HttpHub', logDir) });
}, 60000);

afterAll(async () => {
  const code = await host?.stop();
  expect(code).toBe(0);
  await azurite?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

describe('HTTP triggers', () => {
  it('routes with optional parameters and query, through preInvocation/postInvocation hooks', async () => {
    const r = await fetch(`${host.baseUrl}/api/hello/bob?q=1`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ hello: 'bob', q: '1' });
    expect(r.headers.get('x-hooked')).toBe('pre');
    const r2 = await fetch(`${host.baseUrl}/api/HELLO`);
    expect(await r2.json()).toEqual({ hello: 'world', q: null });
    expect(lines('hooks').filter((l) => l['hook'] === 'postInvocation')).toContainEqual({ hook: 'postInvocation', sawPre: true, error: null });
    expect(lines('hooks')[0]).toEqual({ hook: 'appStart', hookData: 'object' });
  });

  it('checks function keys from the header or the code query and route constraints', async () => {
    const url = `${host.baseUrl}/api/items/5/echo`;
    const init = { method: 'POST', body: JSON.stringify({ a: 1 }) };
    expect((await fetch(url, init)).status).toBe(401);
    expect((await fetch(url, { ...init, headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
    const ok = await fetch(url, { ...init, headers: { 'x-functions-key': keys.function } });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ id: '5', method: 'POST', body: { a: 1 }, fn: 'echo' });
    expect(ok.headers.get('x-fixture')).toBe('yes');
    expect(ok.headers.get('set-cookie')).toBe('session=abc; HttpOnly');
    expect((await fetch(`${url}?code=${keys.master}`, init)).status).toBe(201);
    expect((await fetch(`${host.baseUrl}/api/items/x/echo?code=${keys.function}`, init)).status).toBe(404);
    expect((await fetch(`${url}?code=${keys.function}`, { method: 'GET' })).status).toBe(405);
  });

  it('admin level accepts only the master key', async () => {
    expect((await fetch(`${host.baseUrl}/api/admin-only?code=${keys.function}`)).status).toBe(401);
    const r = await fetch(`${host.baseUrl}/api/admin-only`, { headers: { 'x-functions-key': keys.master } });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('secret');
  });

  it('a throwing handler gives 500 and an unknown route 404', async () => {
    expect((await fetch(`${host.baseUrl}/api/throws`)).status).toBe(500);
    expect((await fetch(`${host.baseUrl}/api/nope`)).status).toBe(404);
    expect(host.stderr()).toContain('handler failed');
  });

  it('honours host.json functionTimeout (5 s in the fixture)', async () => {
    const started = Date.now();
    const r = await fetch(`${host.baseUrl}/api/slow`);
    expect(r.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(7900);
    expect(host.stderr()).toContain('Timeout value of 00:00:05 was exceeded by function: Functions.slow');
  }, 15000);

  it('filters logs by host.json logLevel categories', async () => {
    await fetch(`${host.baseUrl}/api/logger`);
    await waitFor('log line', async () => (host.stderr().includes('fixture-info-line') ? true : undefined));
    expect(host.stderr()).not.toContain('fixture-debug-line');
  });
});

describe('Event Grid webhook', () => {
  const url = (): string => `${host.baseUrl}/runtime/webhooks/eventgrid?functionName=gridEvents`;

  it('answers the subscription validation handshake', async () => {
    const r = await fetch(url(), {
      method: 'POST', headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'v1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'CODE-123' }, eventTime: new Date().toISOString(), dataVersion: '1' }]),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ validationResponse: 'CODE-123' });
  });

  it('delivers a batch one event per invocation (Event Grid schema) and a CloudEvent', async () => {
    const events = ['e1', 'e2', 'e3'].map((id) => ({ id, eventType: 'Microsoft.ContainerService.ClusterCreated', subject: `/clusters/${id}`, data: {}, eventTime: new Date().toISOString(), dataVersion: '1' }));
    const r = await fetch(url(), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    const cloud = await fetch(url(), { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/cloudevents+json' }, body: JSON.stringify({ specversion: '1.0', id: 'c1', type: 'demo.created', source: '/demo', subject: 's', data: {} }) });
    expect(cloud.status).toBe(202);
    const got = lines('eventgrid').map((l) => l['id']).sort();
    expect(got).toEqual(['c1', 'e1', 'e2', 'e3']);
    expect(lines('eventgrid').find((l) => l['id'] === 'c1')).toEqual({ fn: 'gridEvents', id: 'c1', type: 'demo.created', subject: 's' });
  });

  it('returns 500 when an invocation fails so the sender retries; 404 for unknown functions; 400 without aeg-event-type', async () => {
    const r = await fetch(url(), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify([{ id: 'bad', eventType: 'x', subject: 's', data: { fail: true } }]) });
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('refusing event bad');
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/eventgrid?functionName=missing`, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: '[]' })).status).toBe(404);
    expect((await fetch(url(), { method: 'POST', body: '[]' })).status).toBe(400);
  });
});

describe('timers and admin API', () => {
  it('runs runOnStartup timers at start (schedule from a %setting%)', async () => {
    expect(lines('timers')).toContainEqual({ fn: 'onStartup', isPastDue: false });
  });

  it('fires a timer now through POST /admin/functions/<name> with the master key only', async () => {
    expect((await fetch(`${host.baseUrl}/admin/functions/nightly`, { method: 'POST', body: '{}', headers: { 'x-functions-key': keys.function } })).status).toBe(401);
    const r = await fetch(`${host.baseUrl}/admin/functions/nightly`, { method: 'POST', body: JSON.stringify({ input: '' }), headers: { 'x-functions-key': keys.master, 'content-type': 'application/json' } });
    expect(r.status).toBe(202);
    const entry = await waitFor('timer run', async () => lines('timers').find((l) => l['fn'] === 'nightly'));
    expect(entry).toEqual({ fn: 'nightly', isPastDue: false, hasStatus: true });
    expect((await fetch(`${host.baseUrl}/admin/functions/none`, { method: 'POST', headers: { 'x-functions-key': keys.master } })).status).toBe(404);
  });

  it('lists registrations and host status', async () => {
    const fns = await (await fetch(`${host.baseUrl}/admin/functions?code=${keys.master}`)).json() as { name: string; trigger: string }[];
    expect(fns).toEqual(expect.arrayContaining([{ name: 'nightly', trigger: 'timerTrigger', bindings: expect.any(Array) as unknown }, expect.objectContaining({ name: 'sequence', trigger: 'orchestrationTrigger' })]));
    const status = await (await fetch(`${host.baseUrl}/admin/host/status?code=${keys.master}`)).json() as { state: string; hubName: string };
    expect(status).toMatchObject({ state: 'Running', hubName: 'HttpHub' });
  });
});
