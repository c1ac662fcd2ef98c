/**
 * Stand-in timing shaped like Azure, as pure functions of a seeded random source, so a run is
 * reproducible from its seed. Used by the BGP twin (route propagation) and by the benchmarks
 * (arrivals); nothing here reads a clock.
 */

/** A deterministic uniform [0, 1) source (mulberry32): small, fast, and good enough for timings. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** z of the standard normal's 95th percentile. */
const Z95 = 1.6448536269514722;

/** A standard normal draw (Box-Muller; one of the pair is enough here). */
function standardNormal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log is finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Delays drawn from a log-normal distribution given by its median and 95th percentile (the two
 * figures one can read off measurements). p95 ≤ median means no spread: always the median.
 */
export function logNormalDelays(medianMs: number, p95Ms: number, random: () => number): () => number {
  if (medianMs <= 0) return () => 0;
  if (p95Ms <= medianMs) return () => medianMs;
  const mu = Math.log(medianMs);
  const sigma = Math.log(p95Ms / medianMs) / Z95;
  return () => Math.round(Math.exp(mu + sigma * standardNormal(random)));
}

/**
 * Arrival offsets (ms from the start, ascending) of `count` events as a Poisson stream whose rate
 * makes `spanMs` the expected time of the last one: exponential gaps of mean spanMs / count.
 * spanMs 0 = all at once.
 */
export function poissonArrivals(count: number, spanMs: number, random: () => number): number[] {
  if (spanMs <= 0) return Array.from({ length: count }, () => 0);
  const meanGap = spanMs / count;
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i += 1) {
    t += -Math.log(1 - random()) * meanGap;
    out.push(Math.round(t));
  }
  return out;
}

/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
