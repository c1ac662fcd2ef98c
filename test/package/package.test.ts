/**
 * `npm run package` makes one zip (shared by every test here): unpacked, it holds only the app and its
 * production dependencies, and the local host runs it against the emulators as Azure would run it.
 * Needs Info-ZIP's zip and unzip (skipped, and counted as skipped, where either is missing) and a built
 * local host (`npm run build`, which `npm test` runs first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../local/sandbox/sandbox';
import { apiClient, tenantSpec, waitForPhase } from '../e2e/support';

const root = path.resolve(__dirname, '../..');
const hasTool = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
const haveZipTools = hasTool('zip') && hasTool('unzip');
const withZip = haveZipTools ? it : it.skip;
if (!haveZipTools) console.warn('test/package: skipped, Info-ZIP zip/unzip is missing (apt-get install zip unzip)');

interface PackageResult { zip: string; bytes: number; sha256: string; files: number }

let work = '';
let unpacked = '';
let result: PackageResult | undefined;
let entries: string[] = [];

beforeAll(() => {
  if (!haveZipTools) return;
  work = mkdtempSync(path.join(tmpdir(), 'egress-package-'));
  const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'package.cjs'), '--out', work, '--quiet'], { cwd: root, encoding: 'utf8' });
  result = JSON.parse(out.trim().split('\n').pop()!) as PackageResult;
  unpacked = path.join(work, 'unpacked');
  execFileSync('unzip', ['-q', result.zip, '-d', unpacked]);
  entries = execFileSync('unzip', ['-Z1', result.zip], { encoding: 'utf8', maxBuffer: 64 * 1048576 }).split('\n').filter(Boolean);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm run package', () => {
  withZip('holds the compiled app and CLI, the CLI launcher, host.json, a slim package.json and node_modules, nothing else at the top', () => {
    const top = new Set(entries.map((e) => e.split('/')[0]));
    expect([...top].sort()).toEqual(['bin', 'console', 'dist', 'host.json', 'node_modules', 'package.json']);
    expect(new Set(entries.filter((e) => e.startsWith('dist/')).map((e) => e.split('/')[1]))).toEqual(new Set(['functions', 'orchestrations', 'lib', 'cli']));
    expect(entries).toContain('dist/functions/index.js');
    // The web console ships as files beside dist/ (its page) and in it (its view modules, ES modules).
    expect(entries).toEqual(expect.arrayContaining(['console/index.html', 'console/app.js', 'console/console.css', 'dist/lib/console/hub-picture.mjs']));
    expect(result!.files).toBe(entries.length);
    expect(statSync(result!.zip).size).toBe(result!.bytes);
  });

  withZip('runs the CLI from the unpacked app: `npx egress-pilot` (package.json bin) prints its help with the exit codes', () => {
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(manifest.bin).toEqual({ 'egress-pilot': 'bin/egress-pilot.cjs' });
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
    const help = execFileSync('npx', ['--offline', 'egress-pilot', '--help'], { cwd: unpacked, encoding: 'utf8', env });
    expect(help).toMatch(/^Usage: egress-pilot/);
    expect(help).toContain('3  API or auth error');
  });

  withZip('has no local/, infra/, test, bench or script file, no TypeScript and no source map of the app', () => {
    // Dependencies' own files (hpagent ships its tests) are theirs; the app's must not be there.
    const banned = entries.filter((e) => !e.startsWith('node_modules/') && (/^(dist\/)?(local|infra|test|bench|scripts)\//.test(e) || /\.(test\.js|ts|map)$/.test(e)));
    expect(banned).toEqual([]);
  });

  withZip('ships no dev dependency (every package the lock marks dev, node-forge among them, is absent)', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/') && v.dev === true).map(([k]) => k);
    expect(devOnly).toContain('node_modules/node-forge');
    const shipped = new Set(entries.filter((e) => e.startsWith('node_modules/')).map((e) => e.split('/').slice(0, e.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')));
    expect(devOnly.filter((d) => shipped.has(d))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
    const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies).toEqual(rootManifest.dependencies);
    for (const dep of Object.keys(rootManifest.dependencies)) expect(existsSync(path.join(unpacked, 'node_modules', dep, 'package.json'))).toBe(true);
  });

  withZip('the app compiles nothing from local/: its code never names the local host or the emulators', () => {
    const appJs = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? appJs(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    const offenders = appJs(path.join(unpacked, 'dist')).filter((f) => /require\("(\.\.\/)+local\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  describe('started by the local host from the unpacked zip, against the emulators', () => {
    let sandbox: Sandbox | undefined;
    let dir = '';
    beforeAll(async () => {
      if (!haveZipTools) return;
      dir = mkdtempSync(path.join(tmpdir(), 'egress-package-sandbox-'));
      sandbox = await startSandbox({
        dir, reset: true, reusePorts: false, appDir: unpacked, echoHostLogs: process.env.E2E_VERBOSE === '1',
        armTimings: { firewallUpdateMs: 150, routePropagationMs: 300, routeFeedPollMs: 100, lroRetryAfterSeconds: 0 },
        kubeTimings: { gatewayPodReadyMs: 100 },
        appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '2', ROUTE_WAIT_DEADLINE_SECONDS: '60' },
      });
    }, 180_000);
    afterAll(async () => {
      await sandbox?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    withZip('runs from the package folder (the host process works there)', () => {
      if (process.platform !== 'linux') return;
      expect(readlinkSync(`/proc/${sandbox!.host.pid}/cwd`)).toBe(unpacked);
    });

    withZip('serves /api/openapi.json', async () => {
      const api = apiClient(sandbox!);
      const doc = await api<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining([expect.stringContaining('/tenants')]));
    });

    withZip('serves the web console: its page and the view modules the page imports', async () => {
      const get = (file: string) => fetch(`${sandbox!.info.apiBaseUrl}/console/${file}`);
      const page = await get('');
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      const module = await get('lib/console/hub-picture.mjs');
      expect([module.status, module.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
      expect(await module.text()).toContain('export function layoutHub');
    });

    withZip('onboards a tenant to Ready', async () => {
      const api = apiClient(sandbox!);
      const created = await api('POST', '/tenants', tenantSpec('pkg0'));
      expect(created.status).toBe(202);
      const tenant = await waitForPhase(api, 'spoke1-aks', 'pkg0', ['Ready', 'Failed']);
      expect({ phase: tenant.phase, error: tenant.error }).toEqual({ phase: 'Ready', error: undefined });
      expect(tenant.cidr).toMatch(/^10\.99\./);
    }, 120_000);
  });
});
