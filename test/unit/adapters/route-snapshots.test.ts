import { snapshotVerdict } from '../../../lib/adapters/status/route-snapshots';

describe('route snapshot freshness', () => {
  const maxAge = 5000;
  const now = 100_000;

  it('uses a snapshot younger than the poll interval taken after the reader started waiting', () => {
    expect(snapshotVerdict({ takenAt: now - 4000 }, now, maxAge, now - 10_000)).toBe('use');
    expect(snapshotVerdict({ takenAt: now - 5000 }, now, maxAge, now - 5000)).toBe('use');
  });

  it('refreshes one older than the poll interval, or none at all', () => {
    expect(snapshotVerdict({ takenAt: now - 5001 }, now, maxAge, 0)).toBe('refresh');
    expect(snapshotVerdict(undefined, now, maxAge, 0)).toBe('refresh');
    expect(snapshotVerdict({ claimUntil: now - 1 }, now, maxAge, 0)).toBe('refresh');
  });

  it('never uses one taken before the reader started waiting (e.g. before its gateway was removed), however young', () => {
    expect(snapshotVerdict({ takenAt: now - 100 }, now, maxAge, now - 99)).toBe('refresh');
    // ... not even while another refresher is at work: then it waits for that refresh
    expect(snapshotVerdict({ takenAt: now - 100, claimUntil: now + 1000 }, now, maxAge, now - 99)).toBe('wait');
  });

  it('while another refresher holds a live claim: an old but fitting snapshot is used, none means wait; an expired claim is taken over', () => {
    expect(snapshotVerdict({ takenAt: now - 60_000, claimUntil: now + 1 }, now, maxAge, 0)).toBe('use');
    expect(snapshotVerdict({ claimUntil: now + 1 }, now, maxAge, 0)).toBe('wait');
    expect(snapshotVerdict({ takenAt: now - 60_000, claimUntil: now }, now, maxAge, 0)).toBe('refresh');
  });
});
