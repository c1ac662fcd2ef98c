/**
 * Chaos soak (issue 11): concurrent clients send POST / PUT / DELETE / GET over HTTP to a sandbox that
 * runs in its own process group (spawnSandboxProcess, as `npm start` would), while a chaos client
 * injects ARM and Kubernetes faults, slows or loses route propagation and starts drift checks through
 * the emulators' control endpoints. Two crashes, each followed by a second start on the same folder:
 *  - at a third of the load, the app's crash as Azure has it: the Functions host is SIGKILLed mid-work while
 *    the stand-ins stop cleanly and keep what they acknowledged, as Azure's services do; the at-every-moment
 *    checks resume from the moment the restarted sandbox answers;
 *  - at two thirds, a SIGKILL of the whole sandbox (Azurite included), as a user's `npm start` may die:
 *    Azurite then forgets up to 5 s of acknowledged writes (test/integration/azurite-durability.test.ts), a
 *    loss Azure Storage never causes, so moments are judged again only RECONVERGE_MS after that restart.
 * The at-every-moment checks are sampled throughout; after quiescence every lifecycle invariant
 * (test/support/lifecycle-invariants.ts) is checked, then everything is offboarded and checked again.
 * Prints one figures line; leaks must be 0.
 *
 * SOAK_SECONDS (default 45) scales the load phase; SOAK_SEED replays the same random choices;
 * SOAK_RECONVERGE_SECONDS (default 20) sets the grace after the whole-sandbox SIGKILL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { seededRandom } from '../../local/emulators/arm/timing';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { spawnSandboxProcess, type SandboxInfo, type SandboxProcess, type SandboxProcessOptions } from '../../local/sandbox/sandbox';
import { cloudReader, type CloudReader } from '../support/cloud-state';
import { formatViolation, violationKey, type Violation } from '../support/lifecycle-invariants';
import { judgeAfterQuiescence, offboardReady, startMomentSampler, type MomentRead, type MomentSampler } from '../support/lifecycle-watch';
import { overlaps, parseCidr } from '../../lib/domain/cidr';
import { apiClient } from './support';

const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 45) * 1000;
const SEED = process.env.SOAK_SEED !== undefined ? Number(process.env.SOAK_SEED) : Date.now() % 2 ** 31;
const WORKERS = 3;
const TENANTS_PER_WORKER = 3;
const CLUSTERS = ['spoke1-aks', 'spoke2-aks'] as const;
const FAST_PROPAGATION_MS = 300;
const QUIESCENCE_MS = 90_000;
/** After the whole-sandbox SIGKILL, moments are sampled again once the app had this long to converge. */
const RECONVERGE_MS = Number(process.env.SOAK_RECONVERGE_SECONDS ?? 20) * 1000;
type Crash = 'app' | 'sandbox';


const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A control call to an emulator (`/_emulator/...`, HTTPS with the sandbox's CA, no token). */
function control(info: SandboxInfo, url: string, method: string, body?: unknown): Promise<number> {
  const ca = readFileSync(info.caCertPath, 'utf8');
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const ALLOWLISTS: TenantSpec['allow'][] = [
  { applications: [{ name: 'web', fqdns: ['www.tigera.io'], protocols: ['Https:443'] }], networks: [] },
  { applications: [], networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }] },
  {
    applications: [{ name: 'web', fqdns: ['www.tigera.io'], protocols: ['Http:80', 'Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32', '8.8.8.8/32'], ports: ['53'], protocols: ['UDP'] }],
  },
];

interface Figures { operations: number; answers: Record<string, number>; faults: number; restarts: number; checks: number; unexpected: string[] }

describe('chaos soak over HTTP with a crash half way', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-soak-'));
  const options: SandboxProcessOptions['options'] = {
    armTimings: { firewallUpdateMs: 150, routePropagationMs: FAST_PROPAGATION_MS, routeFeedPollMs: 100, lroRetryAfterSeconds: 0 },
    kubeTimings: { gatewayPodReadyMs: 100 },
    appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '1', ROUTE_WAIT_DEADLINE_SECONDS: '5', ON_ROUTE_FAILURE: 'rollback', LIFECYCLE_RESUME_GRACE_SECONDS: '10', EGRESS_VERIFY_DEADLINE_SECONDS: '30' },
    stateDebounceMs: 50,
  };
  const echo = process.env.E2E_VERBOSE === '1';
  let sandbox: SandboxProcess | undefined;
  afterAll(async () => {
    await sandbox?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaks nothing: no rule without its tenant, pool and claim, every tenant settles, nothing left after offboarding', async () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const figures: Figures = { operations: 0, answers: {}, faults: 0, restarts: 0, checks: 0, unexpected: [] };
    const started = Date.now();
    console.log(`chaos-soak: seed=${SEED} seconds=${SOAK_MS / 1000} (replay choices: SOAK_SEED=${SEED})`);

    sandbox = await spawnSandboxProcess({ dir, args: ['--reset'], options, echo });
    let info = sandbox.info;
    let api = apiClient({ info });
    let reader: CloudReader = await cloudReader(info);
    const tenants = Array.from({ length: WORKERS }, (_, w) => Array.from({ length: TENANTS_PER_WORKER }, (_, i) => ({ cluster: CLUSTERS[(w + i) % 2]!, name: `soak${w}x${i}` })));
    const ours = (t: { name: string }): boolean => t.name.startsWith('soak');
    for (const t of tenants.flat()) await reader.ensureNamespace(t.cluster, `${t.name}-apps`);

    let paused = false;
    let inFlight = 0;
    let stopAt = Date.now() + SOAK_MS;

    const specOf = (t: { cluster: string; name: string }): TenantSpec => {
      const ns = random();
      return {
        name: t.name, cluster: t.cluster,
        namespaces: ns < 0.6 ? [`${t.name}-apps`] : ns < 0.9 ? [] : [`${t.name}-nowhere`],
        gateway: { replicas: 1 + Math.floor(random() * 3), prefixLength: 29 },
        allow: structuredClone(pick(ALLOWLISTS)),
      };
    };

    async function request(method: string, route: string, body?: unknown): Promise<void> {
      inFlight += 1;
      try {
        // POST /drift is an admin route: the master key.
        const answer = await (method === 'POST' && route === '/drift' ? apiClient({ info }, info.masterKey) : api)(method, route, body);
        figures.operations += 1;
        const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
        const label = `${method} ${answer.status}${code ? ` ${code}` : ''}`;
        figures.answers[label] = (figures.answers[label] ?? 0) + 1;
        if (answer.status >= 500 && answer.status !== 503) figures.unexpected.push(`${method} ${route} → ${answer.status} ${JSON.stringify(answer.body)}`);
      } catch (error) {
        figures.unexpected.push(`${method} ${route} → ${(error as Error).message}`);
      } finally {
        inFlight -= 1;
      }
    }

    async function client(mine: Array<{ cluster: string; name: string }>): Promise<void> {
      while (Date.now() < stopAt) {
        if (paused) { await sleep(100); continue; }
        const t = pick(mine);
        const route = `/tenants/${t.cluster}/${t.name}`;
        const op = random();
        if (op < 0.35) await request('POST', '/tenants', specOf(t));
        else if (op < 0.6) await request('PUT', route, specOf(t));
        else if (op < 0.75) await request('DELETE', route);
        else await request('GET', route);
        await sleep(100 + random() * 900);
      }
    }

    const armFaultOperations = ['firewallPolicyRuleCollectionGroups.createOrUpdate', 'firewallPolicyRuleCollectionGroups.delete', 'virtualHubBgpConnections.listLearnedRoutes', 'managedClusters.listClusterUserCredentials'];
    async function chaos(): Promise<void> {
      while (Date.now() < stopAt) {
        await sleep(1000 + random() * 2000);
        if (paused || Date.now() >= stopAt) continue;
        const what = random();
        try {
          if (what < 0.4) {
            await control(info, `${info.armEndpoint}/_emulator/faults`, 'POST', { operation: pick(armFaultOperations), kind: pick(['throttle', 'conflict', 'serverError', 'drop', 'lroFailure']), count: 1 + Math.floor(random() * 3), retryAfterSeconds: 1 });
            figures.faults += 1;
          } else if (what < 0.75) {
            const cluster = pick(info.clusters);
            await control(info, `${cluster.apiServer}/_emulator/faults`, 'POST', { method: pick(['PATCH', 'DELETE']), pathPrefix: pick(['/apis/projectcalico.org', '/apis/operator.tigera.io', '/api/v1/namespaces/']), status: pick([409, 429, 500]), count: 1 + Math.floor(random() * 3), retryAfterSeconds: 1 });
            figures.faults += 1;
          } else if (what < 0.9) {
            const ms = pick([FAST_PROPAGATION_MS, 2500, 600_000]);
            await control(info, `${info.armEndpoint}/_emulator/timings`, 'PUT', { routePropagationMs: ms });
            if (ms !== FAST_PROPAGATION_MS) figures.faults += 1;
          } else {
            await request('POST', '/drift');
          }
        } catch {
          // the sandbox may be down for its restart
        }
      }
    }

    async function calm(): Promise<void> {
      await control(info, `${info.armEndpoint}/_emulator/faults`, 'DELETE');
      await control(info, `${info.armEndpoint}/_emulator/timings`, 'PUT', { routePropagationMs: FAST_PROPAGATION_MS });
      for (const c of info.clusters) await control(info, `${c.apiServer}/_emulator/reset-faults`, 'POST');
    }

    /** Stop the clients, crash (see the header), start again on the same folder; moments resume after a grace. */
    async function crashAndRestart(crash: Crash): Promise<void> {
      paused = true;
      while (inFlight > 0) await sleep(20);
      const pausedAt = Date.now();
      await restartSampler();
      if (crash === 'app') await sandbox!.crashApp();
      else await sandbox!.kill('SIGKILL');
      figures.restarts += 1;
      sandbox = await spawnSandboxProcess({ dir, options, echo });
      info = sandbox.info;
      api = apiClient({ info });
      reader = await cloudReader(info);
      // The load phase gets back the time the restart took.
      stopAt += Date.now() - pausedAt;
      paused = false;
      if (crash === 'sandbox') await sleep(RECONVERGE_MS);
      epoch = crash === 'app' ? 'after the app crash' : 'after the whole-sandbox SIGKILL';
      sampler = startMomentSampler(reader, undefined, tellMoment);
    }
    async function crashes(): Promise<void> {
      await sleep(SOAK_MS / 3);
      await crashAndRestart('app');
      await sleep(SOAK_MS / 3);
      await crashAndRestart('sandbox');
    }

    /** A counter-example is only useful with its story: the tenant's status (steps, error, last attempt) as the API tells it. */
    async function explain(violations: Violation[], when: string): Promise<void> {
      const subjects = [...new Set(violations.map((v) => v.subject).filter((s) => /^[^/]+\/[^/]+$/.test(s)))];
      for (const subject of subjects) {
        const view = await api('GET', `/tenants/${subject}`).catch((error: unknown) => ({ status: 0, body: String(error) }));
        console.log(`chaos-soak counter-example ${subject} ${when}: ${JSON.stringify(view.body)}`);
      }
    }

    // Which stretch of the soak a moment belongs to, for its story.
    let epoch = 'before the crashes';
    const overlapping = (a: string, b: string): boolean => { try { return overlaps(parseCidr(a), parseCidr(b)); } catch { return false; } };
    /** A moment's counter-example printed when first seen: when, and what the read held around its subject. */
    const tellMoment = (v: Violation, read: MomentRead): void => {
      const cidr = /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(v.subject) ? v.subject : /source (\S+)/.exec(v.message)?.[1];
      const near = (sample: MomentRead['before']) => ({
        claims: sample.claims.filter((c) => cidr !== undefined && overlapping(c.cidr, cidr.replace(/\/\d+$/, '/26'))),
        pools: Object.fromEntries(Object.entries(sample.pools).map(([k, ps]) => [k, ps.filter((p) => cidr !== undefined && overlapping(p.cidr, cidr.replace(/\/\d+$/, '/26')))])),
      });
      const learnedNear = Object.fromEntries(Object.entries(read.learned).map(([i, l]) => [i, l.filter((n) => cidr !== undefined && overlapping(n, cidr.replace(/\/\d+$/, '/26')))]));
      console.log(`chaos-soak moment counter-example (${epoch}, +${Math.round((read.at - started) / 1000)} s): ${formatViolation(v)}\n  before: ${JSON.stringify(near(read.before))}\n  learned: ${JSON.stringify(learnedNear)}\n  after: ${JSON.stringify(near(read.after))}`);
      if (/^[^/]+\/[^/]+$/.test(v.subject)) void explain([v], `at +${Math.round((read.at - started) / 1000)} s`).catch(() => undefined);
    };
    let sampler: MomentSampler = startMomentSampler(reader, undefined, tellMoment);
    const moments: Violation[] = [];
    const restartSampler = async (): Promise<void> => {
      const stopped = await sampler.stop();
      figures.checks += stopped.samples;
      moments.push(...stopped.violations);
    };

    await Promise.all([
      ...tenants.map((mine) => client(mine)),
      chaos(),
      crashes(),
    ]);
    await calm();

    const problems: Violation[] = [];
    const judged = await judgeAfterQuiescence(reader, api, { only: ours, timeoutMs: QUIESCENCE_MS, probe: true, after: 'after the soak', onRouteFailure: 'rollback' });
    problems.push(...judged.violations);
    figures.checks += 1;
    await explain(judged.violations, 'after the soak');

    // Offboard everything and check that nothing remains (skipped when the tenants never settled: the
    // soak has already failed, and a second bounded wait would only double its time).
    if (judged.settled) {
      await offboardReady(api, reader, ours);
      const offboarded = await judgeAfterQuiescence(reader, api, { only: ours, timeoutMs: QUIESCENCE_MS, probe: false, after: 'after DELETE of every Ready tenant', onRouteFailure: 'rollback' });
      // Every tenant was sent a DELETE (Failed ones by the probes, Ready ones just now), in calm weather: a DELETE
      // finishes whatever a rollback left, so none may stay anything but Deleted.
      const notDeleted = (await reader.tenants()).filter((t) => ours(t) && t.phase !== 'Deleted')
        .map((t): Violation => ({ invariant: 'nothing-left', subject: `${t.cluster}/${t.name}`, message: `still ${t.phase} after its DELETE (${t.lastError ?? 'no error'})` }));
      offboarded.violations.push(...notDeleted);
      await explain(offboarded.violations, 'after offboarding');
      problems.push(...offboarded.violations.filter((v) => !problems.some((p) => violationKey(p) === violationKey(v))));
      figures.checks += 1;
    }
    await restartSampler();
    problems.push(...moments);

    const answers = Object.entries(figures.answers).sort().map(([k, n]) => `${k}:${n}`).join(' ');
    console.log(`chaos-soak figures: seed=${SEED} operations=${figures.operations} faultsInjected=${figures.faults} restarts=${figures.restarts} invariantChecks=${figures.checks} leaksFound=${problems.length} unexpectedAnswers=${figures.unexpected.length} seconds=${Math.round((Date.now() - started) / 1000)}\n  answers: ${answers}`);
    if (problems.length > 0) console.log(`chaos-soak leaks (seed ${SEED}):\n  ${problems.map(formatViolation).join('\n  ')}`);
    if (figures.unexpected.length > 0) console.log(`chaos-soak unexpected answers:\n  ${figures.unexpected.slice(0, 20).join('\n  ')}`);
    expect(figures.operations).toBeGreaterThan(0);
    expect(figures.restarts).toBe(2);
    expect(problems.map(formatViolation)).toEqual([]);
    expect(figures.unexpected).toEqual([]);
  }, 15 * 60_000);
});
