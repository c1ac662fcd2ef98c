/**
 * Model-based test of the tenant lifecycle (issue 11, "tests that find these by themselves"):
 * fast-check generates sequences of POST / PUT / DELETE, ARM and Kubernetes faults, slow or lost
 * route propagation, drift checks and host crashes against one in-process sandbox; each HTTP answer
 * is checked against a model, and after each run the lifecycle invariants
 * (test/support/lifecycle-invariants.ts) are checked after quiescence, plus the at-every-moment rule
 * check sampled during the run.
 *
 * Replay a failure: FC_SEED=<seed> FC_PATH=<path> npm run jest -- test/e2e/lifecycle-model.test.ts
 * Scale: MODEL_RUNS (default 5), MODEL_COMMANDS (max commands per run, default 12), MODEL_SHRINK_SECONDS (default 90).
 */
import fc from 'fast-check';
import type { FaultSpecInput } from '../../local/emulators/arm';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { cloudReader, type CloudReader } from '../support/cloud-state';
import { checkLifecycleInvariants, formatViolation, violationKey } from '../support/lifecycle-invariants';
import { judgeAfterQuiescence, offboardReady, startMomentSampler, type MomentSampler } from '../support/lifecycle-watch';
import { apiClient, fastSandbox } from './support';

const RUNS = Number(process.env.MODEL_RUNS ?? 5);
const MAX_COMMANDS = Number(process.env.MODEL_COMMANDS ?? 12);
const SHRINK_BUDGET_MS = Number(process.env.MODEL_SHRINK_SECONDS ?? 90) * 1000;
const ROUTE_DEADLINE_SECONDS = 5;
const FAST_PROPAGATION_MS = 300;
const QUIESCENCE_MS = 90_000;
const CLUSTERS = ['spoke1-aks', 'spoke2-aks'] as const;
/** Tenant slots per run: a few names, each on either cluster (the same name on both is allowed). */
const SLOTS = ['a', 'b', 'c'] as const;

type Cluster = (typeof CLUSTERS)[number];
type Slot = (typeof SLOTS)[number];

/** Allowlist variants: app only, net only, both, both with two rules each, none. */
const ALLOWLISTS: TenantSpec['allow'][] = [
  { applications: [{ name: 'web', fqdns: ['www.tigera.io'], protocols: ['Https:443'] }], networks: [] },
  { applications: [], networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }] },
  {
    applications: [{ name: 'web', fqdns: ['www.tigera.io'], protocols: ['Http:80', 'Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
  {
    applications: [{ name: 'web', fqdns: ['www.tigera.io'], protocols: ['Https:443'] }, { name: 'docs', fqdns: ['docs.tigera.io'], protocols: ['Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32', '8.8.8.8/32'], ports: ['53'], protocols: ['UDP'] }, { name: 'ntp', destinations: ['162.159.200.1/32'], ports: ['123'], protocols: ['UDP'] }],
  },
  { applications: [], networks: [] },
];

interface Variant { replicas: number; allow: number; namespace: 'own' | 'missing' | 'none' }

/** What the model believes of one tenant: never created this run, live with a spec, being deleted, or Deleted. */
type TenantModel = { state: 'absent' } | { state: 'live'; spec: TenantSpec } | { state: 'deleting' } | { state: 'gone' };

interface Model { tenants: Map<string, TenantModel> }

interface Stats { runs: number; commands: number; faults: number; restarts: number; checks: number; driftChecks: number }

interface Real {
  run: number;
  api: ReturnType<typeof apiClient>;
  sandbox: Awaited<ReturnType<typeof fastSandbox>>;
  stats: Stats;
}

const nameOf = (run: number, slot: Slot): string => `m${run}${slot}`;
const keyOf = (cluster: Cluster, slot: Slot): string => `${cluster}/${slot}`;
const modelOf = (m: Model, cluster: Cluster, slot: Slot): TenantModel => m.tenants.get(keyOf(cluster, slot)) ?? { state: 'absent' };

function specOf(run: number, cluster: Cluster, slot: Slot, v: Variant): TenantSpec {
  const name = nameOf(run, slot);
  const namespaces = v.namespace === 'own' ? [`${name}-apps`] : v.namespace === 'missing' ? [`${name}-nowhere`] : [];
  return { name, cluster, namespaces, gateway: { replicas: v.replicas, prefixLength: 29 }, allow: structuredClone(ALLOWLISTS[v.allow]!) };
}

const same = (a: TenantSpec, b: TenantSpec): boolean => JSON.stringify(a) === JSON.stringify(b);
const codeOf = (body: unknown): string | undefined => (body as { error?: { code?: string } } | undefined)?.error?.code;

function expectAnswer(what: string, status: number, body: unknown, allowed: Array<number | `${number} ${string}`>): void {
  const code = codeOf(body);
  const ok = allowed.some((a) => (typeof a === 'number' ? a === status : a === `${status} ${code ?? ''}`));
  if (!ok) throw new Error(`${what}: answered ${status}${code ? ` ${code}` : ''} (${JSON.stringify(body)}), the model allows ${allowed.join(' | ')}`);
}

class PostTenant implements fc.AsyncCommand<Model, Real> {
  constructor(readonly cluster: Cluster, readonly slot: Slot, readonly v: Variant) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.stats.commands += 1;
    const spec = specOf(r.run, this.cluster, this.slot, this.v);
    const before = modelOf(m, this.cluster, this.slot);
    const answer = await r.api('POST', '/tenants', spec);
    const what = `POST ${this.cluster}/${spec.name} (model: ${before.state})`;
    // Refused before anything is allocated when an application namespace does not exist.
    if (this.v.namespace === 'missing') {
      // A live tenant with another spec is refused first as TenantExists (use PUT), unless it is Failed (then 422).
      expectAnswer(what, answer.status, answer.body, [422, ...(before.state === 'deleting' ? ['409 TenantBeingDeleted' as const] : []), ...(before.state === 'live' ? ['409 TenantExists' as const] : [])]);
      return;
    }
    if (before.state === 'live') expectAnswer(what, answer.status, answer.body, same(before.spec, spec) ? [202] : [202, '409 TenantExists']);
    else if (before.state === 'deleting') expectAnswer(what, answer.status, answer.body, [202, '409 TenantBeingDeleted']);
    else expectAnswer(what, answer.status, answer.body, [202]);
    // 202 on a live tenant with another spec: it was Failed, and POST onboards it again with this spec.
    if (answer.status === 202) m.tenants.set(keyOf(this.cluster, this.slot), { state: 'live', spec });
  }
  toString = (): string => `POST(${this.cluster},${this.slot},r${this.v.replicas},allow${this.v.allow},${this.v.namespace})`;
}

class PutTenant implements fc.AsyncCommand<Model, Real> {
  constructor(readonly cluster: Cluster, readonly slot: Slot, readonly v: Variant) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.stats.commands += 1;
    const spec = specOf(r.run, this.cluster, this.slot, this.v);
    const before = modelOf(m, this.cluster, this.slot);
    const answer = await r.api('PUT', `/tenants/${this.cluster}/${spec.name}`, spec);
    const what = `PUT ${this.cluster}/${spec.name} (model: ${before.state})`;
    if (before.state === 'absent' || before.state === 'gone') { expectAnswer(what, answer.status, answer.body, [404, ...(this.v.namespace === 'missing' ? [422] : [])]); return; }
    if (before.state === 'deleting') { expectAnswer(what, answer.status, answer.body, [404, '409 TenantBeingDeleted', ...(this.v.namespace === 'missing' ? [422] : [])]); return; }
    if (this.v.namespace === 'missing') { expectAnswer(what, answer.status, answer.body, [422, '409 TenantBusy']); return; }
    // TenantBusy is allowed here only because a lifecycle may be running; the probes after quiescence
    // check that a tenant with none running is never refused.
    expectAnswer(what, answer.status, answer.body, [200, 202, '409 TenantBusy']);
    if (answer.status === 200 || answer.status === 202) m.tenants.set(keyOf(this.cluster, this.slot), { state: 'live', spec });
  }
  toString = (): string => `PUT(${this.cluster},${this.slot},r${this.v.replicas},allow${this.v.allow},${this.v.namespace})`;
}

class DeleteTenant implements fc.AsyncCommand<Model, Real> {
  constructor(readonly cluster: Cluster, readonly slot: Slot) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    r.stats.commands += 1;
    const name = nameOf(r.run, this.slot);
    const before = modelOf(m, this.cluster, this.slot);
    const answer = await r.api('DELETE', `/tenants/${this.cluster}/${name}`);
    const what = `DELETE ${this.cluster}/${name} (model: ${before.state})`;
    const allowed = { absent: [404], gone: [200], live: [202], deleting: [202, 200] }[before.state];
    expectAnswer(what, answer.status, answer.body, allowed);
    if (before.state === 'live') m.tenants.set(keyOf(this.cluster, this.slot), { state: 'deleting' });
  }
  toString = (): string => `DELETE(${this.cluster},${this.slot})`;
}

class ArmFault implements fc.AsyncCommand<Model, Real> {
  constructor(readonly fault: FaultSpecInput) {}
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.stats.faults += 1;
    r.sandbox.arm.control.injectFault(this.fault);
  }
  toString = (): string => `ARM(${this.fault.kind}×${this.fault.count ?? 1} ${this.fault.operation})`;
}

class KubeFault implements fc.AsyncCommand<Model, Real> {
  constructor(readonly cluster: Cluster, readonly method: string, readonly pathPrefix: string, readonly status: number, readonly count: number) {}
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.stats.faults += 1;
    r.sandbox.kube.clusters.get(this.cluster)!.faults.add({ method: this.method, pathPrefix: this.pathPrefix, status: this.status, count: this.count, retryAfterSeconds: 1 });
  }
  toString = (): string => `KUBE(${this.cluster} ${this.method} ${this.pathPrefix} ${this.status}×${this.count})`;
}

/** Route propagation: normal, slow (arrives late, within the deadline) or lost (beyond the deadline until the run ends). */
class Routes implements fc.AsyncCommand<Model, Real> {
  constructor(readonly mode: 'normal' | 'slow' | 'lost') {}
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    if (this.mode !== 'normal') r.stats.faults += 1;
    const ms = { normal: FAST_PROPAGATION_MS, slow: 2500, lost: 600_000 }[this.mode];
    r.sandbox.arm.control.setTimings({ routePropagationMs: ms });
  }
  toString = (): string => `ROUTES(${this.mode})`;
}

class RestartHost implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.stats.restarts += 1;
    await r.sandbox.restartHost('SIGKILL');
  }
  toString = (): string => 'RESTART(SIGKILL)';
}

class DriftCheck implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.stats.driftChecks += 1;
    const answer = await apiClient(r.sandbox, r.sandbox.info.masterKey)('POST', '/drift'); // admin route
    expectAnswer('POST /drift', answer.status, answer.body, [202, 409]);
  }
  toString = (): string => 'DRIFT()';
}

class Pause implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(): Promise<void> { await new Promise((resolve) => setTimeout(resolve, this.ms)); }
  toString = (): string => `PAUSE(${this.ms})`;
}

const cluster = fc.constantFrom(...CLUSTERS);
const slot = fc.constantFrom(...SLOTS);
const variant: fc.Arbitrary<Variant> = fc.record({
  replicas: fc.integer({ min: 1, max: 3 }),
  allow: fc.integer({ min: 0, max: ALLOWLISTS.length - 1 }),
  // A missing application namespace now and then: it must be refused before anything is allocated.
  namespace: fc.oneof({ arbitrary: fc.constant('own' as const), weight: 5 }, { arbitrary: fc.constant('none' as const), weight: 2 }, { arbitrary: fc.constant('missing' as const), weight: 1 }),
});
const armFault = fc.record({
  operation: fc.constantFrom(
    'firewallPolicyRuleCollectionGroups.createOrUpdate', 'firewallPolicyRuleCollectionGroups.delete', 'firewallPolicyRuleCollectionGroups.get',
    'virtualHubBgpConnections.listLearnedRoutes', 'managedClusters.listClusterUserCredentials', 'managedClusters.get',
  ),
  kind: fc.constantFrom('throttle' as const, 'conflict' as const, 'serverError' as const, 'drop' as const, 'lroFailure' as const),
  count: fc.integer({ min: 1, max: 3 }),
  retryAfterSeconds: fc.constant(1),
});

const post = fc.tuple(cluster, slot, variant).map(([c, s, v]) => new PostTenant(c, s, v));
const put = fc.tuple(cluster, slot, variant).map(([c, s, v]) => new PutTenant(c, s, v));
// A plain array of commands (fc.asyncModelRun takes any iterable): unlike fc.commands it has a
// minimum length, so no sandbox run is spent on an empty sequence; it shrinks by dropping commands.
// oneof picks uniformly among its arbitraries: requests are listed several times to weigh more.
const commands = fc.array(fc.oneof<fc.Arbitrary<fc.AsyncCommand<Model, Real>>[]>(
  post, post, post, put, put,
  fc.tuple(cluster, slot).map(([c, s]) => new DeleteTenant(c, s)),
  armFault.map((f) => new ArmFault(f)),
  fc.tuple(cluster, fc.constantFrom('PATCH', 'DELETE', 'GET'), fc.constantFrom('/apis/projectcalico.org', '/apis/operator.tigera.io', '/api/v1/namespaces/'), fc.constantFrom(409, 429, 500), fc.integer({ min: 1, max: 3 }))
    .map(([c, m, p, s, n]) => new KubeFault(c, m, p, s, n)),
  fc.constantFrom('normal' as const, 'slow' as const, 'lost' as const).map((mode) => new Routes(mode)),
  fc.constant(new RestartHost()),
  fc.constant(new DriftCheck()),
  fc.integer({ min: 300, max: 2500 }).map((ms) => new Pause(ms)),
), { minLength: 4, maxLength: MAX_COMMANDS, size: 'max' });

describe('tenant lifecycle model (fast-check commands against the sandbox)', () => {
  let sandbox: Awaited<ReturnType<typeof fastSandbox>>;
  let api: ReturnType<typeof apiClient>;
  let reader: CloudReader;

  beforeAll(async () => {
    sandbox = await fastSandbox({
      armTimings: { routePropagationMs: FAST_PROPAGATION_MS },
      appSettings: { ROUTE_WAIT_DEADLINE_SECONDS: String(ROUTE_DEADLINE_SECONDS), ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '1', ON_ROUTE_FAILURE: 'rollback', LIFECYCLE_RESUME_GRACE_SECONDS: '10', EGRESS_VERIFY_DEADLINE_SECONDS: '30' },
    });
    api = apiClient(sandbox);
    reader = await cloudReader(sandbox.info);
  }, 180_000);
  afterAll(async () => { await sandbox?.cleanup(); });

  /** Back to a calm cloud: no pending faults, fast routes. */
  function calm(): void {
    sandbox.arm.control.clearFaults();
    sandbox.arm.control.setTimings({ routePropagationMs: FAST_PROPAGATION_MS });
    for (const c of sandbox.kube.clusters.values()) c.faults.reset();
  }

  it('keeps every lifecycle-safety invariant over random runs of requests, faults and crashes', async () => {
    const stats: Stats = { runs: 0, commands: 0, faults: 0, restarts: 0, checks: 0, driftChecks: 0 };
    const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Date.now() ^ (Math.random() * 0x100000000);
    const path = process.env.FC_PATH;
    console.log(`lifecycle-model: seed=${seed}${path ? ` path=${path}` : ''} runs=${RUNS} maxCommands=${MAX_COMMANDS}`);
    let firstFailureAt: number | undefined;
    let run = 0;
    const started = Date.now();

    const property = fc.asyncProperty(commands, async (cmds) => {
      // Shrinking a sandbox run costs tens of seconds: past the budget, stop trying smaller cases
      // (fast-check then reports the smallest failing sequence found so far).
      if (firstFailureAt !== undefined && Date.now() - firstFailureAt > SHRINK_BUDGET_MS) return;
      run += 1;
      stats.runs += 1;
      const real: Real = { run, api, sandbox, stats };
      const ours = (t: { name: string }): boolean => SLOTS.some((s) => t.name === nameOf(run, s));
      calm();
      // What earlier (failed) runs left is theirs: only what this run adds counts against it.
      const baseline = new Set(checkLifecycleInvariants(await reader.observe('rollback')).map(violationKey));
      stats.checks += 1;
      for (const c of CLUSTERS) for (const s of SLOTS) await reader.ensureNamespace(c, `${nameOf(run, s)}-apps`);
      const sampler: MomentSampler = startMomentSampler(reader);
      const problems: string[] = [];
      try {
        try {
          await fc.asyncModelRun(() => ({ model: { tenants: new Map() }, real }), cmds);
        } catch (error) {
          firstFailureAt ??= Date.now(); // a wrong HTTP answer: the shrink budget starts too
          throw error;
        } finally {
          calm();
        }
        const judge = async (after: string, probe: boolean): Promise<void> => {
          const { violations } = await judgeAfterQuiescence(reader, api, { only: ours, timeoutMs: QUIESCENCE_MS, probe, after, onRouteFailure: 'rollback' });
          stats.checks += 1;
          problems.push(...violations.filter((v) => !baseline.has(violationKey(v))).map((v) => `${after}: ${formatViolation(v)}`));
        };
        await judge('after the run', true);
        // Offboard whatever is left (the probes already sent DELETE to Failed ones), then nothing may remain.
        await offboardReady(api, reader, ours);
        await judge('after offboarding everything', false);
      } finally {
        const moments = await sampler.stop();
        console.log(`lifecycle-model run ${run}: ${cmds.map(String).join(', ')}`);
        stats.checks += moments.samples;
        problems.push(...moments.violations.filter((v) => !baseline.has(violationKey(v))).map((v) => `during the run: ${formatViolation(v)}`));
      }
      if (problems.length > 0) {
        firstFailureAt ??= Date.now();
        throw new Error(`run ${run}: ${problems.length} invariant violation(s):\n  ${problems.join('\n  ')}`);
      }
    });

    try {
      await fc.assert(property, {
        numRuns: RUNS, seed, ...(path ? { path } : {}), verbose: 1,
      });
    } catch (error) {
      console.log(`lifecycle-model FAILED (replay: FC_SEED=${seed} FC_PATH=<path below> npm run jest -- test/e2e/lifecycle-model.test.ts)\n${(error as Error).message}`);
      throw error;
    } finally {
      console.log(`lifecycle-model figures: seed=${seed} runs=${stats.runs} commands=${stats.commands} faults=${stats.faults} restarts=${stats.restarts} driftChecks=${stats.driftChecks} invariantChecks=${stats.checks} seconds=${Math.round((Date.now() - started) / 1000)}`);
    }
  }, 20 * 60_000);
});
