import { activityRetryPolicy, activityRetryWaits, backoffMs, classifyFailure, nextRetry } from '../../../lib/domain/lifecycle/failure';

describe('classifyFailure', () => {
  it.each([
    [{ status: 429, retryAfterSeconds: 7 }, 'transient', 7000],
    [{ status: 409, code: 'AnotherOperationInProgress' }, 'transient', undefined],
    [{ status: 429, code: 'RetryableErrorDueToAnotherOperation' }, 'transient', undefined],
    [{ status: 412 }, 'transient', undefined],
    [{ status: 500 }, 'transient', undefined],
    [{ status: 503, retryAfterSeconds: 2 }, 'transient', 2000],
    [{ code: 'ECONNRESET' }, 'transient', undefined],
    [{ status: 409, code: 'AlreadyExists' }, 'permanent', undefined],
    [{ status: 400, code: 'InvalidRequest' }, 'permanent', undefined],
    [{ status: 403 }, 'permanent', undefined],
    [{ status: 422, code: 'Invalid' }, 'permanent', undefined],
  ])('%j → %s', (facts, kind, retryAfterMs) => {
    const f = classifyFailure(facts);
    expect(f.kind).toBe(kind);
    expect(f.retryAfterMs).toBe(retryAfterMs);
    expect(f.reason.length).toBeGreaterThan(0);
  });
});

describe('backoffMs', () => {
  it('doubles up to the cap, and a longer Retry-After wins', () => {
    const o = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, o))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(1, o, 5000)).toBe(5000);
    expect(backoffMs(4, o, 10)).toBe(800);
  });
});

describe('nextRetry: the bound of the one retry layer', () => {
  const bound = { attempts: 6, baseMs: 250, maxMs: 8000, budgetMs: 60_000 };
  const throttled = (retryAfterMs?: number) => ({ kind: 'transient' as const, reason: 'throttled (429)', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

  it('a lasting transient failure stops after `attempts` requests, whatever the waits', () => {
    let attempt = 1;
    let elapsed = 0;
    for (;;) {
      const d = nextRetry(attempt, elapsed, throttled(), bound);
      if (!d.retry) break;
      elapsed += d.waitMs;
      attempt++;
    }
    expect(attempt).toBe(6);
    expect(elapsed).toBe(250 + 500 + 1000 + 2000 + 4000);
  });
  it('honours Retry-After, and stops at once when it would pass the budget', () => {
    expect(nextRetry(1, 0, throttled(3000), bound)).toEqual({ retry: true, waitMs: 3000 });
    expect(nextRetry(2, 58_000, throttled(3000), bound)).toMatchObject({ retry: false, why: expect.stringMatching(/would pass the 60000 ms budget/) });
  });
  it('never retries a permanent failure', () => {
    expect(nextRetry(1, 0, { kind: 'permanent', reason: 'rejected (404 NotFound)' }, bound)).toEqual({ retry: false, why: 'rejected (404 NotFound)' });
  });
});

describe('activityRetryPolicy: the durable retry is few and bounded', () => {
  it('has few attempts whose waits fit its timeout', () => {
    const waits = activityRetryWaits(activityRetryPolicy);
    expect(activityRetryPolicy.attempts).toBeLessThanOrEqual(5);
    expect(waits).toEqual([2000, 6000, 18_000, 54_000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(activityRetryPolicy.timeoutMs);
  });
});
