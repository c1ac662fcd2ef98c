/**
 * The I/O around the lifecycle invariants while a test drives a sandbox: a background sampler of the
 * at-every-moment rule check, waiting for quiescence, the "accepts its next request" probes, the
 * judgement after quiescence and the offboarding of what is left (shared by the model test and the soak).
 */
import { ROUTE_SERVER_INSTANCES, type CloudReader } from './cloud-state';
import { checkLifecycleInvariants, judgeMoment, judgeOpenings, openRules, RouteSightings, SETTLED, violationKey, type OwnershipSample, type Probe, type RegistryTenant, type Violation } from './lifecycle-invariants';

/** Answers of the egress-pilot API, as test/e2e/support.ts apiClient returns them; errors are `{ error: { code, message } }`. */
export type Api = <T = Record<string, unknown>>(method: string, route: string, body?: unknown) => Promise<{ status: number; body: T }>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface MomentSampler {
  /** Samples taken so far (each one is one invariant check). */
  readonly samples: () => number;
  /** Stops sampling; returns the distinct violations seen and how many samples could not be read. */
  stop(): Promise<{ samples: number; readErrors: number; violations: Violation[] }>;
}

/**
 * Reads pools + claims, then the rules and the learned routes, then pools + claims again, every `intervalMs`, and judges
 * each sample (judgeMoment), and judges each rule the first time it is seen open (judgeOpenings). Read errors (a host restart, an injected fault) skip the sample.
 */
/** What a sample read, handed with each violation the first time it is seen (so a counter-example can tell its story). */
export interface MomentRead { at: number; before: OwnershipSample; after: OwnershipSample; learned: Record<string, string[]> }

export function startMomentSampler(reader: CloudReader, intervalMs = 200, onNew?: (violation: Violation, read: MomentRead) => void): MomentSampler {
  let running = true;
  let samples = 0;
  let readErrors = 0;
  const found = new Map<string, Violation>();
  // Rules seen open so far: the first sample is the baseline, later first sightings are openings to judge.
  let everOpen: Set<string> | undefined;
  const sightings = new RouteSightings();
  const loop = (async () => {
    while (running) {
      try {
        const before = await reader.ownership();
        const [collections, learned] = await Promise.all([reader.collections(), reader.learned()]);
        const after = await reader.ownership();
        samples += 1;
        const violations = judgeMoment(before, collections, after, { learned, supernet: reader.supernet });
        const open = openRules(collections);
        sightings.record([...before.claims, ...after.claims], learned, reader.supernet);
        if (everOpen !== undefined) violations.push(...judgeOpenings(open.filter((r) => !everOpen!.has(r.key)), (r) => sightings.learnedFor(r), ROUTE_SERVER_INSTANCES));
        everOpen = new Set([...(everOpen ?? []), ...open.map((r) => r.key)]);
        for (const v of violations) {
          if (!found.has(violationKey(v))) onNew?.(v, { at: Date.now(), before, after, learned });
          found.set(violationKey(v), v);
        }
      } catch {
        readErrors += 1;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    samples: () => samples,
    async stop() {
      running = false;
      await loop;
      return { samples, readErrors, violations: [...found.values()] };
    },
  };
}

/**
 * Waits until every tenant (of `only`, when given) is settled with no lifecycle running, or the
 * timeout; returns the tenants as last read and whether they settled.
 */
export async function waitForQuiescence(reader: CloudReader, timeoutMs: number, only?: (t: RegistryTenant) => boolean): Promise<{ settled: boolean; tenants: RegistryTenant[]; waitedMs: number }> {
  const started = Date.now();
  let tenants: RegistryTenant[] = [];
  for (;;) {
    try {
      tenants = (await reader.tenants()).filter((t) => only?.(t) ?? true);
      if (tenants.every((t) => SETTLED.has(t.phase) && t.lifecycleRunning === false)) return { settled: true, tenants, waitedMs: Date.now() - started };
    } catch {
      // the host may be restarting: read again
    }
    if (Date.now() - started > timeoutMs) return { settled: false, tenants, waitedMs: Date.now() - started };
    await sleep(500);
  }
}

/**
 * Invariant 1's second half: a settled tenant accepts its next request. Ready → PUT of its current
 * spec; Failed and Deleted → DELETE (it is the natural next request, and it cleans up). Each answer is
 * recorded with whether the lifecycle was running just before or just after it.
 */
export async function probeSettledTenants(api: Api, reader: CloudReader, tenants: RegistryTenant[]): Promise<Probe[]> {
  return Promise.all(tenants.filter((t) => SETTLED.has(t.phase)).map(async (t): Promise<Probe> => {
    const route = `/tenants/${t.cluster}/${t.name}`;
    const method = t.phase === 'Ready' ? 'PUT' : 'DELETE';
    const runningBefore = await reader.lifecycleRunning(t.cluster, t.name);
    const answer = await api<{ error?: { code?: string } }>(method, route, method === 'PUT' ? t.spec : undefined);
    const code = answer.body?.error?.code;
    const runningAfter = await reader.lifecycleRunning(t.cluster, t.name);
    return {
      cluster: t.cluster, name: t.name, phase: t.phase, method, status: answer.status,
      ...(code ? { code } : {}),
      lifecycleRunning: runningBefore || runningAfter,
    };
  }));
}

/**
 * Waits for the tenants `only` selects to settle, then judges every lifecycle invariant over the state
 * read then; with `probe`, each settled tenant is also sent its next request (invariant 1's second
 * half). A tenant that did not settle within `timeoutMs` is named with its phase (`after` says after
 * what), in place of the state half of `settles`.
 */
export async function judgeAfterQuiescence(reader: CloudReader, api: Api, opts: {
  only: (t: RegistryTenant) => boolean;
  timeoutMs: number;
  probe: boolean;
  after: string;
  onRouteFailure: 'rollback' | 'keep';
}): Promise<{ settled: boolean; violations: Violation[] }> {
  const quiet = await waitForQuiescence(reader, opts.timeoutMs, opts.only);
  const state = await reader.observe(opts.onRouteFailure);
  const probes = opts.probe && quiet.settled ? await probeSettledTenants(api, reader, state.tenants.filter(opts.only)) : [];
  const unsettled = quiet.settled ? [] : quiet.tenants.filter((t) => !SETTLED.has(t.phase) || t.lifecycleRunning)
    .map((t): Violation => ({ invariant: 'settles', subject: `${t.cluster}/${t.name}`, message: `not settled ${opts.timeoutMs / 1000}s ${opts.after} (phase ${t.phase}, lifecycle ${t.lifecycleRunning ? 'running' : 'not running'})` }));
  const judged = checkLifecycleInvariants(state, probes).filter((v) => quiet.settled || v.invariant !== 'settles');
  return { settled: quiet.settled, violations: [...unsettled, ...judged] };
}

/** Sends DELETE to every Ready tenant `only` selects (Failed ones were sent theirs by the probes). */
export async function offboardReady(api: Api, reader: CloudReader, only: (t: RegistryTenant) => boolean): Promise<void> {
  const ready = (await reader.tenants()).filter((t) => only(t) && t.phase === 'Ready');
  await Promise.all(ready.map((t) => api('DELETE', `/tenants/${t.cluster}/${t.name}`)));
}
