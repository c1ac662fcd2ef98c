/**
 * `egress-pilot`: the command line for the API (bin/egress-pilot.cjs loads this from dist/cli/main.js).
 * Arguments by commander, tables by cli-table3, YAML by yaml, the live display by log-update, colour by
 * picocolors. commander and log-update are ESM-only: loaded with import() so any Node this app supports runs it.
 */
import type { Command as CommandType } from 'commander';
import pc from 'picocolors';
import { Api, CliError, expect2xx, type Answer } from './api';
import { acceptedSchema, capacitySchema, clusterSchema, clustersSchema, driftSchema, tenantPageSchema, type TenantView } from './api-types';
import { resolveConnection } from './connection';
import { EXIT, EXIT_CODES_HELP, exitForTenant, type ExitCode } from './exit-codes';
import { capacitySummary, clustersTable, driftSummary, OUTPUTS, structured, tenantDetail, tenantsTable, type Output } from './format';
import { applyOutcome } from './apply-outcome';
import { readManifest } from './manifest';
import { finalLine, type Paint } from './progress';
import { findSandboxFile, readSandboxFile } from './sandbox-file';
import { readTenant, watchTenant, type LiveDisplay } from './watch';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** stdout is a terminal: live display and colour. */
  isTTY: boolean;
  /** The live display (log-update on process.stdout); only used when isTTY. */
  live?: () => Promise<LiveDisplay>;
}

interface GlobalOptions {
  url?: string;
  key?: string;
  adminKey?: string;
  output: Output;
}

interface WaitOptions {
  wait?: boolean;
  interval: string;
  timeout: string;
}

const tenantPath = (cluster: string, name: string): string => `/tenants/${encodeURIComponent(cluster)}/${encodeURIComponent(name)}`;

const HELP_AFTER = `
Connection: --url / --key (--admin-key for drift --run), else EGRESS_PILOT_URL / EGRESS_PILOT_KEY /
EGRESS_PILOT_ADMIN_KEY, else the sandbox's sandbox.json (EGRESS_SANDBOX_DIR, or .sandbox/ here or above).

${EXIT_CODES_HELP}

Examples:
  egress-pilot apply -f tenant.yaml --wait
  egress-pilot get spoke1-aks tenant0 -o yaml
  egress-pilot list --cluster spoke1-aks
  egress-pilot delete spoke1-aks tenant0 --wait
  egress-pilot capacity --prefix-length 28`;

function positiveSeconds(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag}: must be a positive number of seconds, got "${text}"`, EXIT.usage);
  return n * 1000;
}

export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { Command, CommanderError, Option } = await import('commander');
  let exitCode: ExitCode = EXIT.ok;
  const paint: Paint = io.isTTY && !io.env.NO_COLOR ? { green: pc.green, red: pc.red, yellow: pc.yellow, dim: pc.dim, bold: pc.bold } : { green: (t) => t, red: (t) => t, yellow: (t) => t, dim: (t) => t, bold: (t) => t };

  const program = new Command('egress-pilot')
    .description('Tenants on Calico egress gateways behind Azure Firewall and Route Server: the egress-pilot API from a terminal or a pipeline.')
    .option('--url <url>', 'API base URL, e.g. https://<app>.azurewebsites.net/api')
    .option('--key <key>', 'function key')
    .option('--admin-key <key>', 'admin (master) key, for drift --run')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUTS]).default('table'))
    .showHelpAfterError('(egress-pilot --help shows every command and option)')
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s.replace(/\n$/, '')), writeErr: (s) => io.stderr(s.replace(/\n$/, '')) });

  const globals = (command: CommandType): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
  const api = (command: CommandType): Api => {
    const g = globals(command);
    const found = findSandboxFile(io.cwd, io.env);
    const sandbox = found ? readSandboxFile(found) : undefined;
    const resolved = resolveConnection({ flags: { url: g.url, key: g.key, adminKey: g.adminKey }, env: io.env, ...(sandbox?.ok ? { sandbox: sandbox.value } : {}) });
    if (!resolved.ok) throw new CliError(`${resolved.reason}${sandbox && !sandbox.ok ? ` (ignored ${sandbox.reason})` : ''}`, EXIT.usage);
    return new Api(resolved.value);
  };
  /** json / yaml of the answer, or the table. */
  const print = (command: CommandType, value: unknown, table: () => string): void => io.stdout(structured(value, globals(command).output) ?? table());
  /** Progress goes to stdout with table output, to stderr when stdout carries json / yaml. */
  const progressLine = (command: CommandType) => (line: string): void => (globals(command).output === 'table' ? io.stdout(line) : io.stderr(line));

  /** The Date header has whole seconds: a second earlier still excludes every step of a run that ended before the request. */
  const sinceOf = (answer: Answer): number | undefined => (answer.date === undefined ? undefined : answer.date - 1000);
  async function follow(command: CommandType, cluster: string, name: string, options: WaitOptions, since: number | undefined): Promise<TenantView> {
    const live = io.isTTY && globals(command).output === 'table' && io.live ? { display: await io.live(), paint } : undefined;
    return watchTenant(api(command), cluster, name, {
      intervalMs: positiveSeconds(options.interval, '--interval'), timeoutMs: positiveSeconds(options.timeout, '--timeout'),
      line: progressLine(command), ...(live ? { live } : {}), ...(since !== undefined ? { since } : {}),
    });
  }
  async function finish(command: CommandType, view: TenantView): Promise<void> {
    if (globals(command).output !== 'table') print(command, view, () => '');
    else if (!io.isTTY) io.stdout(`done: ${finalLine(view)}`);
    exitCode = exitForTenant(view);
  }
  const waitOptions = (command: CommandType): CommandType => command
    .option('-w, --wait', 'follow the lifecycle to its end (live on a terminal, one line per change otherwise)')
    .option('--interval <seconds>', 'seconds between polls while waiting', '1')
    .option('--timeout <seconds>', 'give up waiting after this many seconds (exit 1)', '1800');

  waitOptions(program.command('apply')
    .description('create the tenant in the file, or update it if it exists (POST, then PUT when the API says it exists with another spec)')
    .requiredOption('-f, --file <file>', 'tenant spec, YAML or JSON (- for stdin)'))
    .action(async (options: WaitOptions & { file: string }, command: CommandType) => {
      const manifest = readManifest(options.file);
      const client = api(command);
      let method: 'POST' | 'PUT' = 'POST';
      let answer = await client.call('POST', '/tenants', { body: manifest.spec });
      if (answer.status === 409 && (answer.body as { error?: { code?: string } } | undefined)?.error?.code === 'TenantExists') {
        method = 'PUT';
        answer = await client.call('PUT', tenantPath(manifest.cluster, manifest.name), { body: manifest.spec });
      }
      const accepted = expect2xx(answer, acceptedSchema, 'apply');
      const outcome = applyOutcome(method, answer.status, accepted.phase);
      const id = `${manifest.cluster}/${manifest.name}`;
      if (!options.wait) {
        print(command, accepted, () => `tenant ${id}: ${outcome.said} (phase ${accepted.phase})${outcome.started ? `; follow it with egress-pilot get ${manifest.cluster} ${manifest.name} or --wait` : ''}`);
        return;
      }
      progressLine(command)(`tenant ${id}: ${outcome.said}`);
      await finish(command, await follow(command, manifest.cluster, manifest.name, options, outcome.started ? sinceOf(answer) : undefined));
    });

  program.command('get')
    .description('show one tenant: phase, CIDR, routes learned per Route Server instance, firewall, every step')
    .argument('<cluster>').argument('<name>')
    .action(async (cluster: string, name: string, _options: unknown, command: CommandType) => {
      const view = await readTenant(api(command), cluster, name);
      print(command, view, () => tenantDetail(view, Date.now()));
      exitCode = exitForTenant(view);
    });

  program.command('list')
    .description('list tenants (every page)')
    .option('--cluster <cluster>', 'only this cluster\'s tenants')
    .action(async (options: { cluster?: string }, command: CommandType) => {
      const client = api(command);
      const items: TenantView[] = [];
      let token: string | undefined;
      do {
        const query = new URLSearchParams({ limit: '100', ...(options.cluster ? { cluster: options.cluster } : {}), ...(token ? { continuationToken: token } : {}) });
        const page = expect2xx(await client.call('GET', `/tenants?${query.toString()}`), tenantPageSchema, 'list');
        items.push(...page.items);
        token = page.continuationToken;
      } while (token);
      print(command, items, () => tenantsTable(items));
    });

  waitOptions(program.command('delete')
    .description('offboard a tenant: close its rules, remove its gateway, wait for its routes to go, release its CIDR')
    .argument('<cluster>').argument('<name>'))
    .action(async (cluster: string, name: string, options: WaitOptions, command: CommandType) => {
      const answer = await api(command).call('DELETE', tenantPath(cluster, name));
      const accepted = expect2xx(answer, acceptedSchema, 'delete');
      if (!options.wait) {
        print(command, accepted, () => `tenant ${cluster}/${name}: offboarding accepted (phase ${accepted.phase})`);
        return;
      }
      progressLine(command)(`tenant ${cluster}/${name}: offboarding accepted`);
      await finish(command, await follow(command, cluster, name, options, answer.status === 202 ? sinceOf(answer) : undefined));
    });

  waitOptions(program.command('verify')
    .description('prove the tenant\'s egress again (POST /api/tenants/{cluster}/{name}/verify, where the API has it): Ready 0, Degraded 1')
    .argument('<cluster>').argument('<name>'))
    .action(async (cluster: string, name: string, options: WaitOptions, command: CommandType) => {
      const path = `${tenantPath(cluster, name)}/verify`;
      const answer = await api(command).call('POST', path);
      // The host answers an unknown route with a bare 404; the API's own 404s carry a problem body.
      if (answer.status === 404 && (answer.body === undefined || typeof answer.body === 'string'))
        throw new CliError(`this API has no egress verification (POST /api${path} is not served): it is not deployed in this version of egress-pilot`, EXIT.api);
      const accepted = expect2xx(answer, acceptedSchema, 'verify');
      if (!options.wait) {
        print(command, accepted, () => `tenant ${cluster}/${name}: egress verification ${answer.status === 202 ? 'started' : 'not needed'} (phase ${accepted.phase})`);
        return;
      }
      progressLine(command)(`tenant ${cluster}/${name}: egress verification started`);
      const view = await follow(command, cluster, name, options, answer.status === 202 ? sinceOf(answer) : undefined);
      if (globals(command).output === 'table' && view.egress) io.stdout(structured({ egress: view.egress }, 'yaml') ?? '');
      await finish(command, view);
    });

  program.command('clusters')
    .description('AKS clusters: bootstrap, route reflectors and their Route Server sessions, peering, tenants, route budget')
    .argument('[name]', 'one cluster')
    .action(async (name: string | undefined, _options: unknown, command: CommandType) => {
      const client = api(command);
      const clusters = name
        ? [expect2xx(await client.call('GET', `/clusters/${encodeURIComponent(name)}`), clusterSchema, 'clusters')]
        : expect2xx(await client.call('GET', '/clusters'), clustersSchema, 'clusters').clusters;
      print(command, name ? clusters[0] : clusters, () => clustersTable(clusters));
      if (clusters.some((c) => c.bootstrap.state !== 'Ready' || !c.peering.inSync)) exitCode = EXIT.failed;
    });

  program.command('drift')
    .description('the last drift report; --run starts a check now (admin key) and waits for its report')
    .option('--run', 'run a drift check now and wait for its report')
    .option('--timeout <seconds>', 'give up waiting for the report after this many seconds', '600')
    .action(async (options: { run?: boolean; timeout: string }, command: CommandType) => {
      const client = api(command);
      const read = async () => {
        const answer = await client.call('GET', '/drift');
        return answer.status === 404 ? undefined : expect2xx(answer, driftSchema, 'drift');
      };
      let report = await read();
      if (options.run) {
        const before = report?.checkedAt;
        expect2xx(await client.call('POST', '/drift', { admin: true }), acceptedSchema.partial(), 'drift --run');
        progressLine(command)('drift check started');
        const deadline = Date.now() + positiveSeconds(options.timeout, '--timeout');
        while (report?.checkedAt === before) {
          if (Date.now() > deadline) throw new CliError(`no new drift report within ${options.timeout} s`, EXIT.failed);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          report = await read();
        }
      }
      if (!report) throw new CliError('no drift check has finished yet: egress-pilot drift --run starts one (admin key)', EXIT.api);
      print(command, report, () => driftSummary(report));
      if (!report.report.clean) exitCode = EXIT.failed;
    });

  program.command('capacity')
    .description('egress pool, routes per Route Server peer, firewall rule collection groups against Azure limits, and whether the next tenant fits')
    .option('--prefix-length <n>', 'size of the next tenant\'s pool (default: the app\'s DEFAULT_POOL_PREFIX_LENGTH)')
    .option('--replicas <n>', 'gateway replicas of the next tenant', '2')
    .action(async (options: { prefixLength?: string; replicas: string }, command: CommandType) => {
      const query = new URLSearchParams({ replicas: options.replicas, ...(options.prefixLength ? { prefixLength: options.prefixLength } : {}) });
      const answer = await api(command).call('GET', `/capacity?${query.toString()}`);
      const capacity = expect2xx(answer, capacitySchema, 'capacity');
      // json / yaml: the answer as the API sent it (the schema only checks what the table reads).
      print(command, answer.body, () => capacitySummary(capacity));
      if (!capacity.nextTenant.fits) exitCode = EXIT.failed;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end the same way; anything else commander refuses is usage.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`egress-pilot: ${error.message}`);
      return error.exitCode;
    }
    io.stderr(`egress-pilot: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.api;
  }
}

/** The process entry (bin/egress-pilot.cjs). */
export async function main(): Promise<void> {
  const code = await run(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
    live: async () => {
      const { default: logUpdate } = await import('log-update');
      return { update: (text: string) => logUpdate(text), done: () => logUpdate.done() };
    },
  });
  process.exitCode = code;
}
