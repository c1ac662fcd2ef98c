/** Pure parts of local/host: route templates, NCRONTAB, config validation, episode planning, chunking, and a
 * guard on the durable-functions internal the engine reads (pinned 3.5.0). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileRoute } from '../../local/host/http/routeTemplate';
import { parseSchedule } from '../../local/host/timer/ncrontab';
import { ConfigError, loadConfig, parseTimeSpan } from '../../local/host/config';
import { decodeProcessedInput, NonDeterminismError, planEpisode, retryDelayMs, stateFromError } from '../../local/host/durable/decide';
import { EventType, historyEvent, indexHistory } from '../../local/host/durable/history';
import { packText, splitRows, unpackText } from '../../local/host/durable/store';
import { executorOpenTasks } from '../../local/host/durable/payloads';
import { Logger } from '../../local/host/log';

describe('route templates', () => {
  it('matches literals case-insensitively, optional and constrained parameters, catch-all', () => {
    const r = compileRoute('tenants/{cluster}/{name?}');
    expect(r.match('/Tenants/c1/t1')).toEqual({ cluster: 'c1', name: 't1' });
    expect(r.match('tenants/c1')).toEqual({ cluster: 'c1' });
    expect(r.match('tenants')).toBeUndefined();
    expect(r.match('tenants/a/b/c')).toBeUndefined();
    expect(compileRoute('items/{id:int}').match('items/x')).toBeUndefined();
    expect(compileRoute('items/{id:int}').match('items/42')).toEqual({ id: '42' });
    expect(compileRoute('files/{*path}').match('files/a/b%20c')).toEqual({ path: 'a/b c' });
  });
});

describe('NCRONTAB', () => {
  it('computes the next occurrence of six-field schedules in UTC', () => {
    expect(parseSchedule('*/15 * * * * *').next(new Date('2026-01-01T00:00:07Z')).toISOString()).toBe('2026-01-01T00:00:15.000Z');
    expect(parseSchedule('0 30 9 * * MON-FRI').next(new Date('2026-11-28T10:00:00Z')).toISOString()).toBe('2026-11-30T09:30:00.000Z');
    expect(parseSchedule('0 0 0 29 FEB *').next(new Date('2026-03-01T00:00:00Z')).toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(parseSchedule('0 0 12 * * 7').next(new Date('2026-11-25T00:00:00Z')).toISOString()).toBe('2026-11-29T12:00:00.000Z');
    expect(parseSchedule('00:05:00').next(new Date('2026-03-01T00:00:00Z')).toISOString()).toBe('2026-03-01T00:05:00.000Z');
  });

  it('names the bad field', () => {
    expect(() => parseSchedule('* * *')).toThrow(/expected 6 fields/);
    expect(() => parseSchedule('0 61 * * * *')).toThrow(/minute: "61" is outside 0-59/);
    expect(() => parseSchedule('0 0 * * * FOO')).toThrow(/day-of-week: "FOO" is not a number or name/);
  });
});

describe('config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'host-config-'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: 'index.js' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges local.settings.json, env and --settings; reads host.json durable settings with %indirection%', () => {
    writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ functionTimeout: '00:02:00', logging: { logLevel: { default: 'Warning' } }, extensions: { durableTask: { hubName: '%HUB%', maxConcurrentActivityFunctions: 3 } } }));
    writeFileSync(path.join(dir, 'local.settings.json'), JSON.stringify({ Values: { HUB: 'FromLocal', AzureWebJobsStorage: 'UseDevelopmentStorage=true', A: 'local' } }));
    const settingsFile = path.join(dir, 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ Values: { A: 'file' }, host: { masterKey: 'm', functionKeys: { default: 'f' } } }));
    const c = loadConfig({ appDir: dir, settingsFile }, { HUB: 'FromEnv' });
    expect(c.hubName).toBe('FromEnv');
    expect(c.settings['A']).toBe('file');
    expect(c.storageConnection).toContain('TableEndpoint=http://127.0.0.1:10002/devstoreaccount1');
    expect(c.maxConcurrentActivityFunctions).toBe(3);
    expect(c.maxConcurrentOrchestratorFunctions).toBe(10);
    expect(c.functionTimeoutMs).toBe(120000);
    expect(c.logLevels).toEqual({ default: 'warning' });
    expect(c).toMatchObject({ masterKey: 'm', functionKeys: { default: 'f' }, durableSystemKey: 'm', generatedKeys: false, routePrefix: 'api' });
  });

  it('rejects bad input naming the field and the reason', () => {
    expect(() => loadConfig({ appDir: dir }, {})).toThrow(/AzureWebJobsStorage: not set/);
    writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ extensions: { durableTask: { hubName: 'bad-name' } } }));
    expect(() => loadConfig({ appDir: dir }, { AzureWebJobsStorage: 'x' })).toThrow(/hubName: "bad-name" must be 3-45 letters/);
    writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ extensions: { durableTask: { maxConcurrentActivityFunctions: -1 } } }));
    expect(() => loadConfig({ appDir: dir }, { AzureWebJobsStorage: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ appDir: dir }, { AzureWebJobsStorage: 'x' })).toThrow(/extensions\.durableTask\.maxConcurrentActivityFunctions/);
    expect(() => parseTimeSpan('5 minutes', 'functionTimeout')).toThrow(/functionTimeout: "5 minutes" is not a TimeSpan/);
    expect(parseTimeSpan('-1', 'x')).toBeUndefined();
  });
});

describe('episode planning', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  it('decodes processed inputs once and computes retry delays like DTFx', () => {
    expect(decodeProcessedInput('"Tokyo"')).toBe('Tokyo');
    expect(decodeProcessedInput('123')).toBe(123);
    expect(decodeProcessedInput({ a: 1 })).toEqual({ a: 1 });
    const policy = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 3000 };
    expect([2, 3, 4, 5].map((n) => retryDelayMs(policy, n))).toEqual([1000, 2000, 3000, 3000]);
  });

  it('splits the OrchestrationFailureError payload', () => {
    expect(stateFromError(new Error('false\n\n$OutOfProcData$:{"isDone":false,"error":"boom"}'))).toEqual({ isDone: false, error: 'boom' });
    expect(stateFromError(new Error('plain'))).toEqual({ isDone: false, error: 'plain' });
  });

  it('schedules only tasks without a scheduling event, and maps outcomes', () => {
    const history = [historyEvent(EventType.OrchestratorStarted, t), historyEvent(EventType.ExecutionStarted, t, { Name: 'o' }), historyEvent(EventType.TaskScheduled, t, { Name: 'a' }, 0)];
    const openTasks = {
      0: { actionObj: { actionType: 0, functionName: 'a', input: '"x"' } },
      1: { actionObj: { actionType: 5, fireAt: '2026-01-01T00:01:00.000Z', isCanceled: false } },
      2: { actionObj: { actionType: 2, functionName: 'child', input: { n: 1 } } },
      Approve: [{}],
    };
    const plan = planEpisode({ history, openTasks, state: { isDone: false, actions: [[]], customStatus: { s: 1 } }, now: t, executionId: 'e1', orchestratorName: 'o' });
    expect(plan.activities).toEqual([]);
    expect(plan.timers).toEqual([{ taskId: 1, fireAt: new Date('2026-01-01T00:01:00.000Z') }]);
    expect(plan.children).toEqual([{ taskId: 2, name: 'child', instanceId: 'e1:2', input: { n: 1 }, version: undefined }]);
    expect(plan.scheduling.map((e) => [e.EventType, e.EventId])).toEqual([[EventType.TimerCreated, 1], [EventType.SubOrchestrationInstanceCreated, 2]]);
    expect(plan.outcome).toMatchObject({ kind: 'running', hasCustomStatus: true, customStatus: { s: 1 } });
    const done = planEpisode({ history, openTasks: {}, state: { isDone: true, actions: [[{ actionType: 4, input: '"next"' }]] }, now: t, executionId: 'e1', orchestratorName: 'o' });
    expect(done.outcome).toMatchObject({ kind: 'continuedAsNew', continueInput: 'next' });
    const failed = planEpisode({ history, openTasks: {}, state: { error: 'boom' }, now: t, executionId: 'e1', orchestratorName: 'o' });
    expect(failed.outcome).toMatchObject({ kind: 'failed', error: "Orchestrator function 'o' failed: boom" });
    expect(() => planEpisode({ history, openTasks: { 3: { actionObj: { actionType: 7 } } }, state: {}, now: t, executionId: 'e1', orchestratorName: 'o' })).toThrow(/entities are not supported/);
  });

  it('detects non-determinism: history scheduled another activity under the same id', () => {
    const history = [historyEvent(EventType.OrchestratorStarted, t), historyEvent(EventType.ExecutionStarted, t, { Name: 'o' }), historyEvent(EventType.TaskScheduled, t, { Name: 'a' }, 0)];
    expect(() => planEpisode({ history, openTasks: { 0: { actionObj: { actionType: 0, functionName: 'b' } } }, state: {}, now: t, executionId: 'e', orchestratorName: 'o' }))
      .toThrow(/Non-deterministic workflow detected: task 0 was recorded as 4 'a' but the orchestrator now schedules action type 0 'b'/);
    expect(() => planEpisode({ history, openTasks: { 0: { actionObj: { actionType: 5, fireAt: t.toISOString() } } }, state: {}, now: t, executionId: 'e', orchestratorName: 'o' }))
      .toThrow(NonDeterminismError);
    expect(planEpisode({ history, openTasks: { 0: { actionObj: { actionType: 1, functionName: 'a' } } }, state: {}, now: t, executionId: 'e', orchestratorName: 'o' }).scheduling).toEqual([]);
  });

  it('indexes scheduled and completed ids', () => {
    const idx = indexHistory([historyEvent(EventType.TaskScheduled, t, {}, 0), historyEvent(EventType.TaskCompleted, t, { TaskScheduledId: 0, Result: '1' }), historyEvent(EventType.TimerCreated, t, {}, 1)]);
    expect([...idx.scheduled.keys()]).toEqual([0, 1]);
    expect([...idx.completed]).toEqual([0]);
  });
});

describe('storage chunking', () => {
  it('round-trips long strings through 30,000-char properties and row-sized pieces', () => {
    const text = 'é'.repeat(95_000);
    const props = packText('d', text);
    expect(props['dN']).toBe(4);
    expect(unpackText(props, 'd')).toBe(text);
    expect(splitRows('z'.repeat(1_000_000)).map((r) => r.length)).toEqual([420_000, 420_000, 160_000]);
  });
});

describe('durable-functions internals the engine relies on (pinned 3.5.0)', () => {
  it('leaves the replay executor with openTasks keyed by sequence id on context.df', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const utils = require('durable-functions/lib/src/util/testingUtils') as {
      createOrchestrator: (fn: (ctx: { df: { callActivity(n: string, i?: unknown): unknown; createTimer(d: Date): unknown; currentUtcDateTime: Date; Task: { all(t: unknown[]): unknown } } }) => Generator<unknown, unknown, unknown>) => (input: unknown, ctx: unknown) => Promise<unknown>;
      DummyOrchestrationContext: new () => Record<string, unknown>;
    };
    const handler = utils.createOrchestrator(function* (ctx) {
      yield ctx.df.Task.all([ctx.df.callActivity('a', 'x'), ctx.df.callActivity('b')]);
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 1000));
    });
    const context = new utils.DummyOrchestrationContext();
    const started = new Date('2026-01-01T00:00:00Z');
    const history = [historyEvent(EventType.OrchestratorStarted, started), historyEvent(EventType.ExecutionStarted, started, { Name: 'o', Input: 'null' })];
    const state = await handler({ history, input: null, instanceId: 'i', isReplaying: false, upperSchemaVersion: 1, upperSchemaVersionNew: 2, longRunningTimerIntervalDuration: '3.00:00:00', maximumShortTimerDuration: '6.00:00:00', defaultHttpAsyncRequestSleepTimeMillseconds: 30000 }, context) as { isDone: boolean };
    expect(state.isDone).toBe(false);
    const open = executorOpenTasks(context);
    expect(Object.keys(open).sort()).toEqual(['0', '1']);
    expect((open['0'] as { actionObj: { functionName: string; input: unknown } }).actionObj).toMatchObject({ functionName: 'a', input: '"x"' });
  });
});

describe('logger', () => {
  it('uses the longest matching category prefix', () => {
    const out: string[] = [];
    const log = new Logger({ default: 'warning', Function: 'information', 'Function.noisy': 'error' }, (l) => out.push(l));
    log.info('Function.a.User', 'kept');
    log.info('Function.noisy.User', 'dropped');
    log.info('Host', 'dropped too');
    log.warn('Host', 'kept too');
    expect(out.map((l) => l.split(': ').at(-1))).toEqual(['kept', 'kept too']);
  });
});
