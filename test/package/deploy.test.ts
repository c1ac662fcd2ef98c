/**
 * `npm run deploy -- --dry-run` with saved `terraform output -json` fixtures: the exact requests for each
 * hosting plan, and refusals that name what is missing. No request leaves the machine (dry run). Also the
 * `.funcignore` patterns, checked with git's own gitignore matcher (what Core Tools' publish follows).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
let work = '';
let zip = '';

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'egress-deploy-'));
  zip = path.join(work, 'app.zip');
  // Only the zip signature and the size matter to a dry run.
  writeFileSync(zip, Buffer.concat([Buffer.from('PK\u0003\u0004', 'binary'), Buffer.alloc(1020)]));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const deploy = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'scripts', 'deploy.cjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });

const app = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/egress-hub/providers/Microsoft.Web/sites/egress-pilot-fn';

describe('npm run deploy -- --dry-run', () => {
  it('Flex Consumption: one deploy to the SCM host, then polls the deployment; prints the API URL', () => {
    const r = deploy('--dry-run', '--outputs', fixture('terraform-outputs-flex.json'), '--package', zip);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^\s*\d\. |^API: |^dry run/.test(l))).toEqual([
      `dry run: would deploy ${zip} (1024 bytes) to egress-pilot-fn (FlexConsumption)`,
      '  1. POST https://egress-pilot-fn-b7c2d9e4f1a0c3d5.scm.westeurope-01.azurewebsites.net/api/publish?RemoteBuild=false [body: the package, 1024 bytes]',
      '  2. GET https://egress-pilot-fn-b7c2d9e4f1a0c3d5.scm.westeurope-01.azurewebsites.net/api/deployments/latest',
      `API: https://egress-pilot-fn-b7c2d9e4f1a0c3d5.westeurope-01.azurewebsites.net/api  (function key: Azure portal → App keys, or POST https://management.azure.com${app}/host/default/listKeys?api-version=2024-04-01)`,
    ]);
    expect(r.stdout).toContain(`target ${app}`);
  });

  it('Elastic Premium: PUT the run-from-package blob, restart, sync triggers', () => {
    const r = deploy('--dry-run', '--outputs', fixture('terraform-outputs-premium.json'), '--package', zip);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^\s*\d\. /.test(l))).toEqual([
      '  1. PUT https://egresspilotfnsa.blob.core.windows.net/app-package/egress-pilot.zip [body: the package, 1024 bytes]',
      `  2. POST https://management.azure.com${app}/restart?api-version=2024-04-01`,
      `  3. POST https://management.azure.com${app}/syncfunctiontriggers?api-version=2024-04-01`,
    ]);
    expect(r.stdout).toContain('token for https://storage.azure.com/.default');
    expect(r.stdout).toContain('API: https://egress-pilot-fn.azurewebsites.net/api');
  });

  it('refuses outputs without what it needs, naming each', () => {
    const partial = path.join(work, 'partial.json');
    const outputs = JSON.parse(readFileSync(fixture('terraform-outputs-flex.json'), 'utf8')) as Record<string, unknown>;
    delete outputs.function_app_id;
    delete outputs.function_hosting;
    writeFileSync(partial, JSON.stringify(outputs));
    const r = deploy('--dry-run', '--outputs', partial, '--package', zip);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('terraform outputs lack function_app_id, function_hosting');
  });

  it('refuses a missing package and a file that is not a zip', () => {
    const missing = deploy('--dry-run', '--outputs', fixture('terraform-outputs-flex.json'), '--package', path.join(work, 'nope.zip'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('run `npm run package` first');
    const notZip = path.join(work, 'not.zip');
    writeFileSync(notZip, 'hello');
    const bad = deploy('--dry-run', '--outputs', fixture('terraform-outputs-flex.json'), '--package', notZip);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('is not a zip file');
  });

  it('without --outputs it asks terraform, and says how to do without it', () => {
    const r = deploy('--dry-run', '--package', zip);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/terraform: .*ENOENT.*pass --outputs/);
  });
});

describe('.funcignore (Core Tools publish)', () => {
  const ignored = (paths: string[]): string[] => {
    const repo = mkdtempSync(path.join(tmpdir(), 'egress-funcignore-'));
    try {
      execFileSync('git', ['init', '-q', repo]);
      writeFileSync(path.join(repo, '.gitignore'), readFileSync(path.join(root, '.funcignore'), 'utf8'));
      const r = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], { cwd: repo, input: paths.join('\n'), encoding: 'utf8' });
      return r.stdout.split('\n').filter(Boolean);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  };

  it('leaves out local/, infra/, tests, sources and the compiled local host, and keeps the app', () => {
    const out = ['local/host/cli.ts', 'dist/local/host/cli.js', 'dist/local/emulators/arm/index.js', 'infra/main.tf', 'test/e2e/support.ts', 'bench/run.ts',
      'scripts/deploy.cjs', 'functions/index.ts', 'lib/domain/config.ts', 'tsconfig.json', '.sandbox/sandbox.json', 'dist/package/egress-pilot.zip', 'dist/functions/index.js.map'];
    const kept = ['dist/functions/index.js', 'dist/lib/domain/config.js', 'dist/orchestrations/index.js', 'host.json', 'package.json',
      'node_modules/zod/index.js', 'node_modules/@azure/functions/dist/azure-functions.js', 'node_modules/ipaddr.js/lib/ipaddr.js'];
    expect(ignored([...out, ...kept]).sort()).toEqual([...out].sort());
  });
});
