import { RestError } from '@azure/data-tables';
import { describeFailure, isNotFound, PermanentError, RetriesExhausted } from '../../../lib/adapters/errors';
import { withRetries } from '../../../lib/adapters/retry';
import { activityRetryPolicy } from '../../../lib/domain/lifecycle/failure';
import { settledFailure, transientRetry } from '../../../orchestrations/activity-outcome';

/** The shape every @azure SDK throws (core-rest-pipeline's RestError, re-exported by the SDKs). */
const restError = (status: number, code?: string, retryAfter?: string): RestError => {
  const error = new RestError('boom', { statusCode: status, code });
  const headers = new Map(retryAfter ? [['retry-after', retryAfter]] : []);
  Object.assign(error, { response: { status, headers: { get: (name: string) => headers.get(name.toLowerCase()) } } });
  return error;
};
/** The shape @kubernetes/client-node 2.x throws: `code` is the HTTP status, `body` a Status (often as text). */
const kubeError = (status: number, reason: string, retryAfter?: string) =>
  Object.assign(new Error(`HTTP ${status}`), { code: status, body: JSON.stringify({ kind: 'Status', reason, code: status }), headers: retryAfter ? { 'retry-after': retryAfter } : {} });

describe('describeFailure', () => {
  it('reads ARM RestErrors: status, code and Retry-After', () => {
    expect(describeFailure(restError(429, 'TooManyRequests', '3'))).toMatchObject({ kind: 'transient', retryAfterMs: 3000 });
    expect(describeFailure(restError(409, 'AnotherOperationInProgress'))).toMatchObject({ kind: 'transient' });
    expect(describeFailure(restError(400, 'InvalidRequest'))).toMatchObject({ kind: 'permanent', reason: 'rejected (400 InvalidRequest)' });
  });
  it('reads Kubernetes ApiExceptions: status, Status.reason and Retry-After', () => {
    expect(describeFailure(kubeError(429, 'TooManyRequests', '2'))).toMatchObject({ kind: 'transient', retryAfterMs: 2000 });
    expect(describeFailure(kubeError(409, 'Conflict'))).toMatchObject({ kind: 'transient' });
    expect(describeFailure(kubeError(422, 'Invalid'))).toMatchObject({ kind: 'permanent', reason: 'rejected (422 Invalid)' });
  });
  it('treats dropped connections as transient, unknown throws as permanent', () => {
    expect(describeFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'transient' });
    expect(describeFailure(new TypeError('bug'))).toMatchObject({ kind: 'permanent' });
  });
});

describe('withRetries', () => {
  const fast = { attempts: 4, baseMs: 10, maxMs: 40 };
  it('retries transient failures with backoff, honouring a longer Retry-After', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await withRetries('op', async () => {
      calls++;
      if (calls === 1) throw restError(429, undefined, '1');
      if (calls === 2) throw restError(503);
      return 'ok';
    }, { ...fast, sleep: async (ms) => { waits.push(ms); } });
    expect(value).toBe('ok');
    expect(waits).toEqual([1000, 20]);
  });
  it('fails fast on a permanent failure with a message naming the operation', async () => {
    let calls = 0;
    const failing = withRetries('create IPPool', async () => { calls++; throw kubeError(422, 'Invalid'); }, { ...fast, sleep: async () => undefined });
    await expect(failing).rejects.toBeInstanceOf(PermanentError);
    await expect(failing).rejects.toThrow(/^create IPPool: rejected \(422 Invalid\)/);
    expect(calls).toBe(1);
  });
  it('keeps the HTTP status on a permanent failure, so a 404 is recognised without reading the message', async () => {
    const failing = withRetries('delete IPPool', async () => { throw kubeError(404, 'NotFound'); }, { ...fast, sleep: async () => undefined });
    await expect(failing).rejects.toMatchObject({ status: 404 });
    expect(isNotFound(await failing.catch((e: unknown) => e))).toBe(true);
    expect(isNotFound(kubeError(404, 'NotFound'))).toBe(true);
    expect(isNotFound(restError(404, 'ResourceNotFound'))).toBe(true);
    expect(isNotFound(kubeError(422, 'Invalid'))).toBe(false);
  });

  it('gives up after the attempts, saying how many', async () => {
    await expect(withRetries('op', async () => { throw restError(500); }, { ...fast, sleep: async () => undefined })).rejects.toThrow(/still failing after 4 attempts/);
  });
});

describe('withRetries: bounded in attempts and time, and final for the durable layer', () => {
  it('gives up as RetriesExhausted (a PermanentError) keeping the last status', async () => {
    const error = await withRetries('list', async () => { throw restError(429, 'TooManyRequests', '0'); }, { attempts: 3, baseMs: 1, maxMs: 1, sleep: async () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 429, attempts: 3 });
  });
  it('stops when the next wait would pass the budget, without sleeping into it', async () => {
    let clock = 0;
    const waits: number[] = [];
    let calls = 0;
    const error = await withRetries('put', async () => { calls++; throw restError(503, undefined, '20'); }, {
      attempts: 10, baseMs: 1, maxMs: 1, budgetMs: 45_000, now: () => clock, sleep: async (ms) => { waits.push(ms); clock += ms; },
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(waits).toEqual([20_000, 20_000]);
    expect((error as Error).message).toMatch(/would pass the 45000 ms budget/);
  });
});

describe('settledFailure: what the durable retry may run again', () => {
  it('settles permanent and answered failures, leaves the rest to the durable retry', () => {
    expect(settledFailure(new PermanentError('no'))).toBe('no');
    expect(settledFailure(restError(503))).toMatch(/service error \(503\)/);
    expect(settledFailure(kubeError(429, 'TooManyRequests'))).toMatch(/throttled/);
    expect(settledFailure(new Error('2 gateway pods still terminating'))).toBeUndefined();
    expect(settledFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBeUndefined();
  });
  it('the durable retry policy is the one in the domain: few attempts, a timeout', () => {
    const retry = transientRetry();
    expect(retry).toMatchObject({
      maxNumberOfAttempts: activityRetryPolicy.attempts, firstRetryIntervalInMilliseconds: activityRetryPolicy.firstIntervalMs,
      backoffCoefficient: activityRetryPolicy.backoffCoefficient, retryTimeoutInMilliseconds: activityRetryPolicy.timeoutMs,
    });
    expect(retry.maxNumberOfAttempts).toBeLessThanOrEqual(5);
  });
});
