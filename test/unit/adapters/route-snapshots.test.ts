import { cadenceCellStart, snapshotVerdict, waitingReaderAcceptsFrom, waitingReaderMaxAgeMs } from '../../../lib/adapters/status/route-snapshots';

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

describe('the cluster refresh cadence of tenants waiting for routes', () => {
  const cadence = { initialMs: 1000, maxMs: 12_000 };

  it('cells follow the poll schedule of a tenant that began waiting at the cadence start', () => {
    // polls at 0, 1, 3, 7, 15, 27, 39 s (1 s doubling up to 12 s)
    expect([0, 999, 1000, 2999, 3000, 6999, 7000, 14_999, 15_000, 26_999, 27_000, 38_999, 39_000, 51_500].map((t) => cadenceCellStart(100_000 + t, 100_000, cadence) - 100_000))
      .toEqual([0, 0, 1000, 1000, 3000, 3000, 7000, 7000, 15_000, 15_000, 27_000, 27_000, 39_000, 51_000]);
  });

  it('the newest (or a lone) waiter keeps its own rule; one that has waited longer accepts the current cell', () => {
    const from = 100_000;
    // newest: no cadence recorded yet, or it began waiting at or after it
    expect(waitingReaderAcceptsFrom(undefined, from + 7000, from, cadence)).toBe(from + 7000 - waitingReaderMaxAgeMs(7000, 1000, 12_000));
    expect(waitingReaderAcceptsFrom({ cadenceFrom: from }, from + 7000, from + 10, cadence)).toBe(from + 7000 - waitingReaderMaxAgeMs(6990, 1000, 12_000));
    // older: the current cell of the newest waiter's schedule
    expect(waitingReaderAcceptsFrom({ cadenceFrom: from }, from + 9000, from - 60_000, cadence)).toBe(from + 7000);
  });

  /**
   * Tenants poll with backoff from their own wait start (a little late each time, as a busy host is); each poll reads
   * the snapshot with the rule under test and refreshes it when told to. Refreshes counted in a window starting
   * `fromS` after the newest began waiting.
   */
  function simulate(starts: number[], fromS: number, windowS: number, rule: 'cluster' | 'own'): { inWindow: number; perPollOfLone: boolean } {
    const polls: Array<{ at: number; since: number }> = [];
    for (const since of starts) {
      let at = since;
      for (let interval = 1000; at < since + 200_000; interval = Math.min(interval * 2, 12_000)) {
        polls.push({ at, since });
        at += interval + 40; // the activity and the timer's delay
      }
    }
    polls.sort((a, b) => a.at - b.at);
    const row: { takenAt?: number; cadenceFrom?: number } = {};
    const refreshes: number[] = [];
    const refreshedPolls: boolean[] = [];
    for (const { at, since } of polls) {
      const acceptedFrom = rule === 'cluster'
        ? waitingReaderAcceptsFrom(row, at, since, cadence)
        : at - waitingReaderMaxAgeMs(at - since, cadence.initialMs, cadence.maxMs);
      const verdict = snapshotVerdict(row, at, at - acceptedFrom, since);
      refreshedPolls.push(verdict === 'refresh');
      if (verdict === 'refresh') {
        row.takenAt = at;
        row.cadenceFrom = Math.max(row.cadenceFrom ?? 0, since);
        refreshes.push(at);
      }
    }
    const newest = Math.max(...starts);
    const inWindow = refreshes.filter((t) => t >= newest + fromS * 1000 && t < newest + (fromS + windowS) * 1000).length;
    return { inWindow, perPollOfLone: refreshedPolls.every(Boolean) };
  }

  const spread = (n: number, overMs: number): number[] => Array.from({ length: n }, (_, i) => 1_000_000 + Math.round((i * overMs) / n));

  it('10 and 100 waiting tenants cause the same refreshes per interval, early in the wait and once backed off', () => {
    for (const [fromS, windowS, over] of [[3, 10, 6000], [60, 60, 6000], [60, 60, 11_000]] as const) {
      const ten = simulate(spread(10, 800), fromS, windowS, 'cluster').inWindow;
      const hundred = simulate(spread(100, over), fromS, windowS, 'cluster').inWindow;
      expect(ten).toBeGreaterThan(0);
      expect(Math.abs(hundred - ten)).toBeLessThanOrEqual(1);
    }
    // Each reader's own rule (the previous cadence) grows with the readers once they are at different stages.
    expect(simulate(spread(100, 6000), 3, 10, 'own').inWindow).toBeGreaterThan(simulate(spread(10, 800), 3, 10, 'own').inWindow + 1);
    expect(simulate(spread(100, 11_000), 60, 60, 'own').inWindow).toBeGreaterThan(simulate(spread(10, 800), 60, 60, 'own').inWindow + 1);
  });

  it('a lone waiting tenant still refreshes at every poll (it is never slower than alone)', () => {
    expect(simulate([1_000_000], 0, 200, 'cluster').perPollOfLone).toBe(true);
  });
});
