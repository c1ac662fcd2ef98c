import { logNormalDelays, poissonArrivals, quantile, seededRandom } from '../../../local/emulators/arm/timing';

describe('Azure-shaped stand-in timing (seeded)', () => {
  it('the same seed draws the same sequence, another seed another one', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('log-normal delays hit the median and the 95th percentile they were given', () => {
    const draw = logNormalDelays(4000, 18_000, seededRandom(7));
    const sample = Array.from({ length: 20_000 }, () => draw());
    expect(quantile(sample, 0.5)).toBeGreaterThan(4000 * 0.95);
    expect(quantile(sample, 0.5)).toBeLessThan(4000 * 1.05);
    expect(quantile(sample, 0.95)).toBeGreaterThan(18_000 * 0.92);
    expect(quantile(sample, 0.95)).toBeLessThan(18_000 * 1.08);
    expect(Math.min(...sample)).toBeGreaterThan(0);
  });

  it('no spread when p95 is not above the median', () => {
    const draw = logNormalDelays(3000, 0, seededRandom(1));
    expect(new Set(Array.from({ length: 50 }, () => draw()))).toEqual(new Set([3000]));
    expect(logNormalDelays(0, 10, seededRandom(1))()).toBe(0);
  });

  it('Poisson arrivals: ascending, mean gap span/count, the last one near the span; span 0 = all at once', () => {
    const spanMs = 120_000;
    const runs = Array.from({ length: 200 }, (_, seed) => poissonArrivals(100, spanMs, seededRandom(seed)));
    for (const r of runs) expect([...r].sort((x, y) => x - y)).toEqual(r);
    const lasts = runs.map((r) => r[r.length - 1]!);
    const meanLast = lasts.reduce((s, x) => s + x, 0) / lasts.length;
    expect(meanLast).toBeGreaterThan(spanMs * 0.95);
    expect(meanLast).toBeLessThan(spanMs * 1.05);
    // Exponential gaps: their standard deviation is about their mean (a fixed spacing would have none).
    const gaps = runs[0]!.map((t, i) => t - (i === 0 ? 0 : runs[0]![i - 1]!));
    const mean = gaps.reduce((s, x) => s + x, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, x) => s + (x - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.6);
    expect(poissonArrivals(3, 0, seededRandom(1))).toEqual([0, 0, 0]);
  });
});
