/**
 * Azure's durations for the benchmarks, in Azure seconds, and the one compression factor that turns
 * every one of them into sandbox time (so ratios and counts scale back exactly).
 */
export const AZURE = {
  /** The stream: 100 onboardings over 10 minutes. */
  arrivalSpanS: 600,
  /** Route propagation to learnedRoutes: not documented (NOTES), assumed median 20 s, p95 90 s. */
  routeMedianS: 20,
  routeP95S: 90,
  /** A firewall policy write: 3-5 min (NOTES R14): 3.5 min for a small group, 5 min for one of 200 rules. */
  firewallBaseS: 210,
  firewallPerRuleS: 0.45,
  /** The app's own route poll interval defaults (ROUTE_POLL_INITIAL_SECONDS / _MAX_). */
  pollInitialS: 5,
  pollMaxS: 60,
  /** ARM's token buckets per subscription (NOTES: writes 200 + 10/s; reads 250 + 25/s, the read refill UNVERIFIED). */
  writeBucket: 200, writeRefillPerS: 10, readBucket: 250, readRefillPerS: 25,
};

/** The emulator knobs for a compression factor: every Azure duration divided by it, every rate multiplied. */
export function armKnobs(compression: number, seed: number) {
  return {
    timings: {
      routePropagationMs: Math.round((AZURE.routeMedianS * 1000) / compression),
      routePropagationP95Ms: Math.round((AZURE.routeP95S * 1000) / compression),
      randomSeed: seed,
      firewallUpdateMs: Math.round((AZURE.firewallBaseS * 1000) / compression),
      firewallUpdatePerRuleMs: (AZURE.firewallPerRuleS * 1000) / compression,
    },
    limits: {
      writeBucketSize: AZURE.writeBucket, writeRefillPerSecond: AZURE.writeRefillPerS * compression,
      readBucketSize: AZURE.readBucket, readRefillPerSecond: AZURE.readRefillPerS * compression,
    },
  };
}

/** Projected Azure minutes of a write schedule: writes are serialized per policy, so their Azure durations add up. */
export function projectedAzureMinutes(rulesPerWrite: readonly number[]): number {
  return rulesPerWrite.reduce((s, rules) => s + AZURE.firewallBaseS + AZURE.firewallPerRuleS * rules, 0) / 60;
}

/** `--name value` from argv, else the default. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

export const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
