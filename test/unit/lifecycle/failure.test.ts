import { backoffMs, classifyFailure } from '../../../lib/domain/lifecycle/failure';

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
