/**
 * The egress-pilot CLI against the sandbox, run as a user runs it: `node bin/egress-pilot.cjs …` (the package.json
 * bin) as a child process, not on a terminal, finding the sandbox through EGRESS_SANDBOX_DIR. Needs `npm run build`
 * (the launcher loads dist/cli/main.js). Writes the capacity JSON with two tenants to test-output/cli/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapacityView } from '../../lib/domain/capacity-view';
import { apiClient, fastSandbox, waitForPhase, type TenantView } from './support';

jest.setTimeout(240_000);

const root = path.resolve(__dirname, '..', '..');
const BIN = path.join(root, 'bin', 'egress-pilot.cjs');
const OUTPUT = path.join(root, 'test-output', 'cli');

let sandbox: Awaited<ReturnType<typeof fastSandbox>>;
let work = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from a folder with no sandbox of its own; the connection comes from EGRESS_SANDBOX_DIR unless overridden. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EGRESS_PILOT_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: work, env: { ...base, EGRESS_SANDBOX_DIR: sandbox.dir, NO_COLOR: '1', ...env }, timeout: 200_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const spec = (name: string, cluster: string, extra: Record<string, unknown> = {}) => ({
  name, cluster, namespaces: ['default'], gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'tigera', fqdns: ['www.tigera.io'], protocols: ['Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
  ...extra,
});
function file(name: string, body: unknown, yaml = false): string {
  const target = path.join(work, name);
  writeFileSync(target, yaml ? toYaml(body) : JSON.stringify(body));
  return target;
}
/** A hand-written YAML document (flow style), so the test does not read its input with the CLI's own parser. */
const toYaml = (body: unknown): string => Object.entries(body as Record<string, unknown>).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') + '\n';

/** Durations, CIDRs and group slots vary from run to run; everything else of a line is compared as it is. */
const normalise = (line: string): string => line
  .replace(/ in \d+(\.\d+)?s\b| in \d+m\d\ds\b/g, ' in <t>')
  .replace(/\b10\.99\.\d+\.\d+\/\d+/g, '<cidr>')
  .replace(/egress-pilot-\d+/g, 'egress-pilot-<n>');
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Every line --wait prints off a terminal has one of these shapes. */
const LINE_SHAPES = [
  /^tenant \S+\/\S+: (onboarding accepted|update accepted|unchanged|offboarding accepted)$/,
  /^tenant \S+\/\S+: phase \w+(, CIDR \S+)?$/,
  /^phase \w+$/,
  /^CIDR \S+$/,
  /^step \w+: (Pending|Running|Succeeded|Failed|Skipped)( in \S+)?( - .+)?$/,
  /^step \w+: .+$/,
  /^firewall (requested|queued|writing|done|failed)(: .+)?$/,
  /^routes learned (\S+ \d+\/\d+)(, \S+ \d+\/\d+)*$/,
  /^\S+\/\S+ (Ready|Deleted|Failed)\b.*$/,
  /^done: \S+\/\S+ (Ready|Deleted|Failed)\b.*$/,
];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'egress-cli-'));
  sandbox = await fastSandbox();
}, 180_000);

afterAll(async () => {
  await sandbox?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('egress-pilot CLI against the sandbox', () => {
  it('prints its help with the exit codes (exit 0)', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: egress-pilot/);
    for (const code of ['0  Ready / Deleted', '1  Failed or Degraded', '2  usage', '3  API or auth error']) expect(help.stdout).toContain(code);
  });

  it('exits 2 on usage errors: unknown command, missing -f, missing argument, unknown output format', async () => {
    const runs = await Promise.all([['frob'], ['apply'], ['get', 'spoke1-aks'], ['-o', 'xml', 'list'], ['apply', '-f', path.join(work, 'missing.yaml')]].map((a) => cli(a)));
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[1]!.stderr).toContain("required option '-f, --file <file>' not specified");
    expect(runs[4]!.stderr).toContain('cannot read');
  });

  it('exits 3 when the key is refused or the API cannot be reached, and says which', async () => {
    const refused = await cli(['--key', 'not-a-key', 'list']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('HTTP 401: the key was refused');
    const unreachable = await cli(['list'], { EGRESS_PILOT_URL: 'http://127.0.0.1:9/api' });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach the API at http://127.0.0.1:9/api (from EGRESS_PILOT_URL)');
    const unknown = await cli(['get', 'spoke1-aks', 'nobody']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('HTTP 404 TenantNotFound');
  });

  it('exits 2 when the API refuses a field of the spec, printing the field it names', async () => {
    const bad = await cli(['apply', '-f', file('bad.yaml', spec('cli-bad', 'spoke1-aks', { gateway: { replicas: 2, prefixLength: 33 } }), true)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('HTTP 400 InvalidTenantSpec');
    expect(bad.stderr).toMatch(/^ {2}gateway\.prefixLength: must be 20\.\.30$/m);
  });

  it('apply (no wait) onboards from YAML; get and list show it', async () => {
    const applied = await cli(['apply', '-f', file('cli-a.yaml', spec('cli-a', 'spoke1-aks'), true)]);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout).toMatch(/^tenant spoke1-aks\/cli-a: onboarding accepted \(phase Pending\)/);
    await waitForPhase(apiClient(sandbox), 'spoke1-aks', 'cli-a', ['Ready']);

    const got = await cli(['get', 'spoke1-aks', 'cli-a', '-o', 'json']);
    expect(got.code).toBe(0);
    const view = JSON.parse(got.stdout) as TenantView;
    expect(view).toMatchObject({ name: 'cli-a', cluster: 'spoke1-aks', phase: 'Ready', cidr: expect.stringMatching(/^10\.99\./) });
    const table = await cli(['get', 'spoke1-aks', 'cli-a']);
    expect(table.stdout).toContain(`CIDR      ${view.cidr}`);
    expect(table.stdout).toMatch(/routes {4}RouteServiceRole_IN_0 2\/2, RouteServiceRole_IN_1 2\/2/);

    const listed = await cli(['list', '--cluster', 'spoke1-aks', '-o', 'yaml']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('name: cli-a');
    expect(listed.stdout).toContain('phase: Ready');
  });

  it('apply --wait off a terminal prints one line per change and exits 0 when Ready', async () => {
    const run = await cli(['apply', '-f', file('cli-b.json', spec('cli-b', 'spoke2-aks')), '--wait', '--interval', '0.2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.filter((l) => !LINE_SHAPES.some((shape) => shape.test(l)))).toEqual([]);
    expect(out[0]).toBe('tenant spoke2-aks/cli-b: onboarding accepted');
    // Which intermediate states a poll sees depends on timing; every step's end, and the end, are always seen.
    // verifyEgress (issue 14) is left out here: whether it runs depends on EGRESS_VERIFY, and its own tests judge it.
    expect(out.map(normalise).filter((l) => /^step (?!verifyEgress)\w+: (Succeeded|Failed)|^(done: )?spoke2-aks\/cli-b /.test(l))).toEqual([
      'step allocateCidr: Succeeded in <t> - <cidr>',
      'step checkCapacity: Succeeded in <t> - pool, route budget and firewall limits have room',
      'step applyGateway: Succeeded in <t> - 5 objects applied by server-side apply',
      'step waitForRoutes: Succeeded in <t> - 2 /31 learned on 2 Route Server instances',
      'step openFirewall: Succeeded in <t> - tenant-spoke2-aks.cli-b-app, tenant-spoke2-aks.cli-b-net in egress-pilot-<n>',
      'step publishReady: Succeeded in <t>',
      'spoke2-aks/cli-b Ready (<cidr>)',
      'done: spoke2-aks/cli-b Ready (<cidr>)',
    ]);
    expect(out).toContain('routes learned RouteServiceRole_IN_0 2/2, RouteServiceRole_IN_1 2/2');
    expect(out).toContain('firewall done');
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(path.join(OUTPUT, 'apply-wait.txt'), run.stdout);
  });

  it('apply of a changed spec updates the tenant (PUT) and --wait follows the update; the same spec again is unchanged', async () => {
    const changed = spec('cli-b', 'spoke2-aks', { allow: { applications: [{ name: 'tigera', fqdns: ['www.tigera.io', 'docs.tigera.io'], protocols: ['Https:443'] }], networks: [] } });
    const run = await cli(['apply', '-f', file('cli-b2.json', changed), '--wait', '--interval', '0.2']);
    expect(run.code).toBe(0);
    const out = lines(run.stdout).map(normalise);
    expect(out[0]).toBe('tenant spoke2-aks/cli-b: update accepted');
    expect(out.filter((l) => /^step (?!verifyEgress)\w+: (Succeeded|Skipped)/.test(l))).toEqual([
      // An allowlist change re-converges the firewall only.
      'step applyGateway: Skipped',
      'step waitForRoutes: Skipped',
      'step openFirewall: Succeeded in <t> - tenant-spoke2-aks.cli-b-app in egress-pilot-<n>',
      'step publishReady: Succeeded in <t>',
    ]);
    expect(out.at(-1)).toBe('done: spoke2-aks/cli-b Ready (<cidr>)');
    // The API takes a POST of the spec that is already there as that tenant (202, its phase): nothing to do.
    const again = await cli(['apply', '-f', file('cli-b2.json', changed)]);
    expect(again).toMatchObject({ code: 0, stdout: 'tenant spoke2-aks/cli-b: unchanged (this spec is already applied) (phase Ready)\n' });
    const againWait = await cli(['apply', '-f', file('cli-b2.json', changed), '--wait']);
    expect(againWait.code).toBe(0);
    const againLines = lines(againWait.stdout).map(normalise);
    expect(againLines[0]).toBe('tenant spoke2-aks/cli-b: unchanged (this spec is already applied)');
    expect(againLines.slice(-2)).toEqual(['spoke2-aks/cli-b Ready (<cidr>)', 'done: spoke2-aks/cli-b Ready (<cidr>)']);
  });

  it('capacity with two tenants: the pool, the peers\' learned routes, the policy\'s groups, and the next tenant (CLI and API agree)', async () => {
    const api = apiClient(sandbox);
    const answer = await api<CapacityView>('GET', '/capacity?prefixLength=29&replicas=2');
    expect(answer.status).toBe(200);
    const view = answer.body;
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(path.join(OUTPUT, 'capacity-two-tenants.json'), `${JSON.stringify(view, null, 2)}\n`);

    const byCluster = Object.fromEntries(view.clusters.map((c) => [c.cluster, c]));
    expect(byCluster['spoke1-aks']!.egressPool).toMatchObject({ supernet: '10.99.0.0/16', blockPrefixLength: 29, usedBlocks: 2, freeBlocks: 8190, totalBlocks: 8192, tenants: [{ tenant: 'cli-a', cidr: expect.any(String) }] });
    expect(byCluster['spoke2-aks']!.egressPool.tenants.map((t) => t.tenant)).toEqual(['cli-b']);
    for (const cluster of ['spoke1-aks', 'spoke2-aks']) {
      expect(byCluster[cluster]!.routeReflectors).toHaveLength(2);
      // Each reflector advertises its tenant's two gateway /31s; the check reserves the /29's four blocks.
      for (const peer of byCluster[cluster]!.routeReflectors) expect(peer).toMatchObject({ state: 'Connected', routesAdvertised: 2, routesReserved: 4, routeBudget: 800, limit: 1000 });
    }
    const [policy] = view.firewallPolicies;
    expect(policy!.ruleCollectionGroups.filter((g) => g.owned).flatMap((g) => g.tenants).sort()).toEqual(['spoke1-aks/cli-a', 'spoke2-aks/cli-b']);
    expect(policy!.totals).toMatchObject({ tenantsOpen: 2, sourceDestinationPairLimit: 20_000, violations: [] });
    expect(view.nextTenant).toMatchObject({ prefixLength: 29, replicas: 2, fits: true, perCluster: [{ cluster: 'spoke1-aks', fits: true, reasons: [] }, { cluster: 'spoke2-aks', fits: true, reasons: [] }] });
    expect(view.gauges.filter((g) => g.name === 'routesPerPeer')).toHaveLength(4);
    expect(view.gauges.find((g) => g.name === 'poolBlocks')).toMatchObject({ used: 2, limit: 8192, unit: 'blocks' });

    const run = await cli(['capacity', '-o', 'json']);
    expect(run.code).toBe(0);
    const fromCli = JSON.parse(run.stdout) as CapacityView;
    expect({ ...fromCli, generatedAt: '' }).toEqual({ ...view, generatedAt: '' });
    const bad = await api('GET', '/capacity?prefixLength=99');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'InvalidQuery', details: [{ field: 'prefixLength' }] } });
  });

  it('delete --wait follows the offboarding to Deleted and exits 0', async () => {
    const run = await cli(['delete', 'spoke1-aks', 'cli-a', '--wait', '--interval', '0.2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout).map(normalise);
    expect(out[0]).toBe('tenant spoke1-aks/cli-a: offboarding accepted');
    expect(out.filter((l) => /^step \w+: Succeeded/.test(l)).map((l) => l.split(':')[0])).toEqual(['step closeFirewall', 'step removeGateway', 'step waitForWithdrawal', 'step releaseCidr']);
    expect(out.slice(-2)).toEqual(['spoke1-aks/cli-a Deleted', 'done: spoke1-aks/cli-a Deleted']);
  });

  it('clusters and drift print their tables; verify says plainly when the API has no verification', async () => {
    const clusters = await cli(['clusters']);
    expect(clusters.code).toBe(0);
    expect(clusters.stdout).toMatch(/spoke1-aks .*Ready/);
    const drift = await cli(['drift', '--run', '-o', 'json']);
    expect([0, 1]).toContain(drift.code);
    expect(JSON.parse(drift.stdout)).toMatchObject({ report: { clean: drift.code === 0 } });
    const verify = await cli(['verify', 'spoke2-aks', 'cli-b']);
    if (verify.stderr.includes('no egress verification')) expect(verify.code).toBe(3);
    else expect([0, 1]).toContain(verify.code);
  });
});
