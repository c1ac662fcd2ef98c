/**
 * Onboarding at scale against the sandbox, with the emulators' stand-in timing shaped like Azure
 * (bench/support/azure-shape.ts) and compressed by one printed factor. From one run it prints:
 * - stream: N onboardings arriving as a Poisson stream over (compressed) 10 min with spread route
 *   propagation: every firewall policy write attempt (refused ones included), GETs and LRO polls, ARM
 *   budget use and 429s, against the measured naive baseline (one group per tenant) on the same arrivals;
 *   projected Azure firewall time of both write schedules (writes serialized per policy);
 * - burst: N concurrent onboardings, wall(N) / warm wall(1) (median of 3 after a warm-up);
 * - route reads: ARM calls per poll interval while 10 and while 100 tenants wait on one cluster;
 * and ends with one line of JSON.
 * Usage: npm run bench -- onboarding [N] [--compression 5] [--naive-compression 120] [--seed 1] [--burst-only]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_ROUND_HOLD_SECONDS } from '../lib/domain/firewall-hold';
import { startSandbox, type Sandbox } from '../local/sandbox/sandbox';
import { answersByStatus, policyWrites, routeReads } from '../local/emulators/arm/counts';
import { poissonArrivals, quantile, seededRandom } from '../local/emulators/arm/timing';
import { AZURE, arg, armKnobs, projectedAzureMinutes, verdict } from './support/azure-shape';
import { runNaive } from './support/naive-writer';
import { formatSteps, summariseSteps, type StepSummary, type StepTiming } from './support/step-times';

const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100);
const compression = arg('compression', 5);
const naiveCompression = arg('naive-compression', 120);
const seed = arg('seed', 1);
const holdSeconds = Math.max(1, Math.round(DEFAULT_ROUND_HOLD_SECONDS / compression));

const spec = (name: string, cluster = 'spoke1-aks') => ({
  name, cluster, namespaces: [], gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'web', fqdns: [`${name}.example.com`], protocols: ['Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
});

interface TenantBody { phase?: string; error?: string; steps?: StepTiming[] }

/** GET /tenants/… answers other than 200 while polling (the host under load); printed with the results. */
let statusReadFailures = 0;

async function call(sandbox: Sandbox, method: string, route: string, body?: unknown): Promise<{ status: number; body: TenantBody }> {
  const res = await fetch(`${sandbox.info.apiBaseUrl}${route}`, {
    method, headers: { 'x-functions-key': sandbox.info.functionKey, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as TenantBody };
  } catch {
    throw new Error(`${method} ${route} answered ${res.status} with no JSON: ${text.slice(0, 300)}`);
  }
}

/**
 * The tenants of one cluster as GET /tenants?cluster= lists them (pages of 100), or undefined when a page did not
 * answer 200 (counted; asked again at the next poll).
 */
async function listCluster(sandbox: Sandbox, cluster: string): Promise<Array<TenantBody & { name: string }> | undefined> {
  const items: Array<TenantBody & { name: string }> = [];
  let token: string | undefined;
  do {
    const query = `cluster=${encodeURIComponent(cluster)}&limit=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const res = await fetch(`${sandbox.info.apiBaseUrl}/tenants?${query}`, { headers: { 'x-functions-key': sandbox.info.functionKey } }).catch(() => undefined);
    if (res?.status !== 200) { statusReadFailures += 1; return undefined; }
    const page = await res.json() as { items: Array<TenantBody & { name: string }>; continuationToken?: string };
    items.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return items;
}

/** How often the bench looks at the tenants while it waits for them (the granularity of its wall times). */
const WATCH_INTERVAL_MS = 1000;

/**
 * Posts each tenant at its offset (ms) and waits until all are in one of `phases`; the wall time and where it went.
 * Watches through the cluster's tenant list, one listing per second: a GET per tenant every 0.5 s (registry, progress
 * and orchestration status reads each) was 200 requests/s against the host and its storage during a burst, load of
 * the bench's own making on what it measures.
 */
async function onboard(sandbox: Sandbox, names: string[], offsetsMs: number[] = [], phases = ['Ready'], cluster = 'spoke1-aks'): Promise<{ wallMs: number; steps: StepSummary[] }> {
  const started = performance.now();
  const startedAt = Date.now();
  const stepsOf: StepTiming[][] = [];
  let endedAt = started;
  const posted = Promise.all(names.map(async (name, i) => {
    await sleep(offsetsMs[i] ?? 0);
    const r = await call(sandbox, 'POST', '/tenants', spec(name, cluster));
    if (r.status !== 202) throw new Error(`POST ${name} refused: ${JSON.stringify(r)}`);
  }));
  await posted;
  const pending = new Set(names);
  while (pending.size > 0) {
    await sleep(WATCH_INTERVAL_MS);
    const listed = await listCluster(sandbox, cluster);
    for (const tenant of listed ?? []) {
      if (!pending.has(tenant.name)) continue;
      if (tenant.phase === 'Failed') throw new Error(`${tenant.name} failed: ${tenant.error}`);
      if (tenant.phase !== undefined && phases.includes(tenant.phase)) {
        pending.delete(tenant.name);
        stepsOf.push(tenant.steps ?? []);
        endedAt = performance.now();
      }
    }
  }
  return { wallMs: endedAt - started, steps: summariseSteps(stepsOf, startedAt) };
}

async function sandboxWithAzureShape(): Promise<{ sandbox: Sandbox; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-bench-'));
  const knobs = armKnobs(compression, seed);
  const sandbox = await startSandbox({
    dir, reset: true, reusePorts: false,
    armTimings: knobs.timings, armLimits: knobs.limits,
    kubeTimings: { gatewayPodReadyMs: 1000 },
    appSettings: {
      ROUTE_POLL_INITIAL_SECONDS: String(Math.max(1, Math.round(AZURE.pollInitialS / compression))),
      ROUTE_POLL_MAX_SECONDS: String(Math.max(1, Math.round(AZURE.pollMaxS / compression))),
      ROUTE_WAIT_DEADLINE_SECONDS: '900',
      FIREWALL_ROUND_BUDGET_SECONDS: String(Math.max(10, Math.round(300 / compression))),
      // The app's default hold, compressed like every other Azure duration.
      FIREWALL_ROUND_HOLD_SECONDS: String(holdSeconds),
    },
  });
  return { sandbox, async stop() { await sandbox.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

function counts(sandbox: Sandbox) {
  const c = sandbox.arm.control.counters();
  return { writes: policyWrites(c), routeReads: routeReads(c), armBudget: c.armBudget, throttled: c.subscriptionThrottled, answers: answersByStatus(c), rulesPerWrite: c.policyWriteLog.map((w) => w.rules) };
}

/**
 * Route-read ARM calls per poll interval over `windowS`, counted from `fromS` after `waitingSince` (when the last
 * tenant was seen waiting): early in the wait (polls at the initial interval) or once every poll has backed off.
 */
async function routeReadsPerInterval(sandbox: Sandbox, intervalS: number, waitingSince: number, fromS: number, windowS: number): Promise<{ calls: number; requests: number }> {
  await sleep(Math.max(0, waitingSince + fromS * 1000 - Date.now()));
  sandbox.arm.control.resetCounters();
  await sleep(windowS * 1000);
  const r = routeReads(sandbox.arm.control.counters());
  return { calls: r.calls / (windowS / intervalS), requests: r.requests / (windowS / intervalS) };
}

/** Warm-up, 3 warm single runs, then N concurrent onboardings on one sandbox: wall(N) / warm wall(1) and where it went. */
async function measureBurst(sandbox: Sandbox) {
  await onboard(sandbox, ['warmup']);
  const soloRuns: Array<{ wallMs: number; steps: StepSummary[] }> = [];
  for (let i = 0; i < 3; i += 1) soloRuns.push(await onboard(sandbox, [`solo${i}`]));
  const singles = soloRuns.map((r) => r.wallMs);
  sandbox.arm.control.resetCounters();
  const burstStart = Date.now();
  const run = await onboard(sandbox, Array.from({ length: n }, (_, i) => `burst${i}`));
  const burst = { wallMs: run.wallMs, singles, warm: quantile(singles, 0.5), steps: run.steps, soloSteps: soloRuns.find((r) => r.wallMs === quantile(singles, 0.5))!.steps, writeLog: sandbox.arm.control.counters().policyWriteLog.map((w) => ({ ...w, at: w.at - burstStart })), ...counts(sandbox) };
  console.log(`[burst done: ${(run.wallMs / 1000).toFixed(0)} s, singles ${singles.map((x) => (x / 1000).toFixed(1)).join(', ')} s, ${JSON.stringify({ writes: burst.writes, rulesPerWrite: burst.rulesPerWrite })}]`);
  return burst;
}

/** Prints the burst's figures; returns wall(N) / warm wall(1). */
function printBurst(burst: Awaited<ReturnType<typeof measureBurst>>): number {
  const fmt = (x: number, d = 1): string => x.toFixed(d);
  const wallRatio = burst.wallMs / burst.warm;
  console.log(`burst (${n} concurrent): wall ${fmt(burst.wallMs / 1000)} s; warm single runs ${burst.singles.map((s) => fmt(s / 1000)).join(', ')} s (median ${fmt(burst.warm / 1000)} s)`);
  console.log(`  policy write attempts ${burst.writes.attempts} (accepted ${burst.writes.accepted}, busy-refused ${burst.writes.busy}, by status ${JSON.stringify(burst.writes.byStatus)}); rules per write ${JSON.stringify(burst.rulesPerWrite)}; route reads ${burst.routeReads.calls} (+${burst.routeReads.lroPolls} LRO polls); subscription 429s ${JSON.stringify(burst.throttled)}`);
  console.log(`  where the time went (per step: median/p90/max seconds in it, when the last tenant ended it):`);
  console.log(`    burst of ${n}: ${formatSteps(burst.steps)}`);
  console.log(`    warm single (median run): ${formatSteps(burst.soloSteps)}`);
  console.log(`  firewall writes of the burst ([started at +s, took s, rules]): ${JSON.stringify(burst.writeLog.map((w) => [Number((w.at / 1000).toFixed(1)), Number((w.durationMs / 1000).toFixed(1)), w.rules]))}`);
  console.log(`  wall(${n}) / warm wall(1) = ${fmt(wallRatio, 2)} (target <= 3: ${verdict(wallRatio <= 3)})`);
  return wallRatio;
}

/** --burst-only: the burst alone (warm-up, 3 singles, N concurrent), for trying a change; its own JSON line. */
async function burstOnly(): Promise<void> {
  console.log(`onboarding benchmark, burst only: N=${n}, seed ${seed}, compression ${compression}x, firewall round hold ${holdSeconds} s`);
  const s = await sandboxWithAzureShape();
  try {
    const burst = await measureBurst(s.sandbox);
    console.log('');
    const wallRatio = printBurst(burst);
    console.log(JSON.stringify({ bench: 'onboarding', part: 'burst', tenants: n, compression, seed, burst: { policyWriteAttempts: burst.writes.attempts, wallRatio: Number(wallRatio.toFixed(2)) } }));
  } finally {
    await s.stop();
  }
}

async function main(): Promise<void> {
  const knobs = armKnobs(compression, seed);
  const arrivalsAzureMs = poissonArrivals(n, AZURE.arrivalSpanS * 1000, seededRandom(seed));
  console.log(`onboarding benchmark: N=${n}, seed ${seed}, compression ${compression}x (naive baseline ${naiveCompression}x)`);
  console.log(`  Azure shape: arrivals Poisson over ${AZURE.arrivalSpanS} s (last at ${(arrivalsAzureMs[n - 1]! / 1000).toFixed(0)} s); route propagation log-normal median ${AZURE.routeMedianS} s / p95 ${AZURE.routeP95S} s; `
    + `firewall write ${AZURE.firewallBaseS} s + ${AZURE.firewallPerRuleS} s per rule of the group; ARM buckets writes ${AZURE.writeBucket} + ${AZURE.writeRefillPerS}/s, reads ${AZURE.readBucket} + ${AZURE.readRefillPerS}/s`);
  console.log(`  sandbox knobs: ${JSON.stringify(knobs)}; gateway pods ready 1 s; route poll ${Math.max(1, Math.round(AZURE.pollInitialS / compression))}-${Math.max(1, Math.round(AZURE.pollMaxS / compression))} s; firewall round hold ${holdSeconds} s`);

  // --- stream ---
  const s1 = await sandboxWithAzureShape();
  let stream;
  try {
    s1.sandbox.arm.control.resetCounters();
    const { wallMs: wall } = await onboard(s1.sandbox, Array.from({ length: n }, (_, i) => `stream${i}`), arrivalsAzureMs.map((t) => t / compression));
    stream = { wallMs: wall, ...counts(s1.sandbox) };
    console.log(`[stream done in ${(wall / 1000).toFixed(0)} s: ${JSON.stringify({ writes: stream.writes, routeReads: stream.routeReads, armBudget: stream.armBudget, throttled: stream.throttled, answers: stream.answers, rulesPerWrite: stream.rulesPerWrite })}]`);
  } finally {
    await s1.stop();
  }
  const ours = { attempts: stream.writes.attempts, projected: projectedAzureMinutes(stream.rulesPerWrite) };

  // --- naive, same arrivals ---
  const naive = await runNaive({ arrivalsAzureMs, compression: naiveCompression, seed });
  const naiveProjected = projectedAzureMinutes(naive.rulesPerWrite);
  console.log(`[naive done in ${(naive.wallMs / 1000).toFixed(0)} s: ${JSON.stringify({ writes: naive.writes, routeReads: naive.routeReads, armBudget: naive.armBudget, throttled: naive.subscriptionThrottled })}]`);

  // --- burst and route reads ---
  const s2 = await sandboxWithAzureShape();
  let burst;
  let reads10;
  let reads100;
  let backed10;
  let backed100;
  const intervalS = Math.max(1, Math.round(AZURE.pollInitialS / compression));
  const maxIntervalS = Math.max(1, Math.round(AZURE.pollMaxS / compression));
  // Every poll has backed off to the max interval once the doubling intervals summed past it, plus one more.
  let backoffS = 0;
  for (let i = intervalS; i < maxIntervalS; i *= 2) backoffS += i;
  backoffS += maxIntervalS + 3;
  const windowBackedS = 5 * maxIntervalS;
  try {
    burst = await measureBurst(s2.sandbox);

    // Routes that never arrive: every tenant keeps waiting, and keeps polling.
    s2.sandbox.arm.control.setTimings({ routePropagationMs: 3_600_000, routePropagationP95Ms: 0 });
    // On the second cluster: spoke1-aks holds the burst's tenants (its per-peer route budget is for ~200).
    await onboard(s2.sandbox, Array.from({ length: 10 }, (_, i) => `wait${i}`), [], ['WaitingForRoutes'], 'spoke2-aks');
    let since = Date.now();
    reads10 = await routeReadsPerInterval(s2.sandbox, intervalS, since, 3, 10 * intervalS);
    backed10 = await routeReadsPerInterval(s2.sandbox, intervalS, since, backoffS, windowBackedS);
    console.log(`[route reads, 10 waiting: early ${JSON.stringify(reads10)}, backed off ${JSON.stringify(backed10)}]`);
    await onboard(s2.sandbox, Array.from({ length: 90 }, (_, i) => `wait${10 + i}`), [], ['WaitingForRoutes'], 'spoke2-aks');
    since = Date.now();
    reads100 = await routeReadsPerInterval(s2.sandbox, intervalS, since, 3, 10 * intervalS);
    backed100 = await routeReadsPerInterval(s2.sandbox, intervalS, since, backoffS, windowBackedS);
  } finally {
    await s2.stop();
  }

  const fmt = (x: number, d = 1): string => x.toFixed(d);
  console.log('');
  console.log(`stream (${n} over ${fmt(arrivalsAzureMs[n - 1]! / compression / 1000)} s sandbox time):     ours                      naive (measured)`);
  console.log(`  policy write attempts (refused incl.)  ${String(stream.writes.attempts).padEnd(25)} ${naive.writes.attempts}`);
  console.log(`    accepted / busy-refused               ${`${stream.writes.accepted} / ${stream.writes.busy}`.padEnd(25)} ${naive.writes.accepted} / ${naive.writes.busy}`);
  console.log(`    answers by status                     ${JSON.stringify(stream.writes.byStatus).padEnd(25)} ${JSON.stringify(naive.writes.byStatus)}`);
  console.log(`    policy/group GETs, write LRO polls    ${`${stream.writes.reads}, ${stream.writes.lroPolls}`.padEnd(25)} ${naive.writes.reads}, ${naive.writes.lroPolls}`);
  console.log(`    rules per accepted write              ${JSON.stringify(stream.rulesPerWrite).padEnd(25)} ${naive.rulesPerWrite.length} writes of ${quantile(naive.rulesPerWrite, 0.5)} rules`);
  console.log(`  route reads (calls, + LRO polls)        ${`${stream.routeReads.calls}, +${stream.routeReads.lroPolls}`.padEnd(25)} ${naive.routeReads.calls}, +${naive.routeReads.lroPolls}`);
  console.log(`  ARM budget reads / writes / deletes     ${`${stream.armBudget.reads} / ${stream.armBudget.writes} / ${stream.armBudget.deletes}`.padEnd(25)} ${naive.armBudget.reads} / ${naive.armBudget.writes} / ${naive.armBudget.deletes}`);
  console.log(`  subscription 429s (reads / writes)      ${`${stream.throttled.reads} / ${stream.throttled.writes}`.padEnd(25)} ${naive.subscriptionThrottled.reads} / ${naive.subscriptionThrottled.writes}`);
  console.log(`  all ARM answers by status (ours)        ${JSON.stringify(stream.answers)}`);
  console.log(`  wall time                               ${`${fmt(stream.wallMs / 1000)} s (x${compression} = ${fmt(stream.wallMs * compression / 60000)} Azure min)`.padEnd(25)} ${fmt(naive.wallMs / 1000)} s (x${naiveCompression} = ${fmt(naive.wallMs * naiveCompression / 60000)} Azure min)`);
  console.log(`  projected Azure firewall time           ${`${fmt(ours.projected)} min`.padEnd(25)} ${fmt(naiveProjected)} min (${fmt(naiveProjected / 60, 2)} h)`);
  console.log(`  target: attempts <= 5: ${ours.attempts} (${verdict(ours.attempts <= 5)}); projected <= 25 min: ${fmt(ours.projected)} (${verdict(ours.projected <= 25)}); naive ~6-7 h: ${fmt(naiveProjected / 60, 2)} h`);
  console.log('');
  const wallRatio = printBurst(burst);
  console.log('');
  console.log(`route reads per ${intervalS} s poll interval, tenants waiting on spoke2-aks (2 reflector connections; calls = AKS get, credentials, connection list, learnedRoutes POSTs; their LRO polls counted apart):`);
  const judge = (label: string, ten: { calls: number; requests: number }, hundred: { calls: number; requests: number }): boolean => {
    const equal = Math.abs(hundred.calls - ten.calls) <= 0.3;
    const bounded = Math.max(ten.calls, hundred.calls) <= 2 + 2;
    console.log(`  ${label}: 10 waiting ${fmt(ten.calls, 2)} calls (${fmt(ten.requests, 2)} with LRO polls), 100 waiting ${fmt(hundred.calls, 2)} (${fmt(hundred.requests, 2)}); `
      + `equal (within 0.3): ${verdict(equal)}; <= 2 + 2 calls: ${verdict(bounded)}`);
    return equal && bounded;
  };
  judge(`early in the wait (from 3 s after the last began waiting, ${10 * intervalS} s window)`, reads10, reads100);
  judge(`backed off (from ${backoffS} s, every poll at the ${maxIntervalS} s max interval; ${windowBackedS} s window)`, backed10, backed100);
  console.log('  (the bound is one refresh, 3 calls, per interval whoever asks; refreshes follow the cluster\'s cadence, the poll schedule of its newest waiting tenant, and the others accept a snapshot of the current cell)');
  console.log(`status reads (GET /tenants/…) that failed and were asked again at the next poll: ${statusReadFailures}`);
  console.log(JSON.stringify({
    bench: 'onboarding', tenants: n, compression, naiveCompression, seed,
    stream: { policyWriteAttempts: ours.attempts, naivePolicyWriteAttempts: naive.writes.attempts, projectedAzureMinutes: Number(fmt(ours.projected)), naiveProjectedAzureMinutes: Number(fmt(naiveProjected)) },
    burst: { policyWriteAttempts: burst.writes.attempts, wallRatio: Number(fmt(wallRatio, 2)) },
    routeReads: { 10: Number(fmt(reads10.calls, 2)), 100: Number(fmt(reads100.calls, 2)), backedOff: { 10: Number(fmt(backed10.calls, 2)), 100: Number(fmt(backed100.calls, 2)) } },
  }));
}

(process.argv.includes('--burst-only') ? burstOnly() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
