import { snapshotVerdict, waitingReaderMaxAgeMs } from '../../../lib/adapters/status/route-snapshots';

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

describe('how old a snapshot a waiting tenant accepts', () => {
  it('the initial poll interval early in the wait, then half the interval its polls backed off to, at most half the max', () => {
    expect(waitingReaderMaxAgeMs(0, 5000, 60_000)).toBe(5000);
    expect(waitingReaderMaxAgeMs(19_000, 5000, 60_000)).toBe(5000);
    expect(waitingReaderMaxAgeMs(60_000, 5000, 60_000)).toBe(15_000);
    expect(waitingReaderMaxAgeMs(600_000, 5000, 60_000)).toBe(30_000);
  });

  it('a reader alone on a cluster still refreshes at each poll: its own previous read is older than that', () => {
    // polls at 0, 5, 15, 35, 75, 135 s (interval doubling from 5 s to 60 s): each read finds the previous one
    const polls = [0, 5, 15, 35, 75, 135];
    for (let i = 1; i < polls.length; i += 1) {
      const age = (polls[i]! - polls[i - 1]!) * 1000 + 1; // the refresh's takenAt is just before the previous poll's read returned
      expect(snapshotVerdict({ takenAt: polls[i]! * 1000 - age }, polls[i]! * 1000, waitingReaderMaxAgeMs(polls[i]! * 1000, 5000, 60_000), 0)).toBe('refresh');
    }
  });
});
