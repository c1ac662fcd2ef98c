/**
 * Starts local/host as a child process (Node 22 = process.execPath) on an app directory and waits for its
 * ready line. Uses the compiled dist/local/host/cli.js when it is newer than every local/host source file
 * (as after `npm run build`), otherwise runs the TypeScript source through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixtureApp = path.join(repoRoot, 'test', 'fixtures', 'host-app');

export interface HostProcess {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** SIGTERM (default) and wait for exit; resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function hostCommand(): string[] {
  const dist = path.join(repoRoot, 'dist', 'local', 'host', 'cli.js');
  if (process.env['HOST_TEST_USE_TSX'] !== '1' && existsSync(dist) && statSync(dist).mtimeMs >= newestSource(path.join(repoRoot, 'local', 'host'))) {
    return [dist];
  }
  return ['--import', 'tsx', path.join(repoRoot, 'local', 'host', 'cli.ts')];
}

export interface StartResult { host?: HostProcess; exitCode?: number | null; errorLine?: { event: string; message: string }; stderr: string }

export async function launchHost(opts: { appDir?: string; env: Record<string, string>; args?: string[]; timeoutMs?: number }): Promise<StartResult> {
  const child = spawn(process.execPath, [...hostCommand(), '--app', opts.appDir ?? fixtureApp, '--port', '0', ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const eventLine = (): { event: string; baseUrl?: string; port?: number; message?: string } | undefined => {
    const line = out.split('\n').find((l) => l.startsWith('{"event"'));
    return line ? JSON.parse(line) as { event: string; baseUrl?: string; port?: number; message?: string } : undefined;
  };
  return new Promise<StartResult>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`host did not become ready in time\nstdout:\n${out}\nstderr:\n${err}`)); }, opts.timeoutMs ?? 20000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const parsed = eventLine();
      if (parsed?.event !== 'ready') return;
      clearTimeout(timer);
      resolve({
        stderr: err,
        host: {
          baseUrl: parsed.baseUrl!, port: parsed.port!, child, stderr: () => err, stdout: () => out,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
            child.kill(signal);
            return exited;
          },
        },
      });
    });
    // a host that exits before it is ready: report its exit code and error line
    void exited.then((code) => {
      clearTimeout(timer);
      const parsed = eventLine();
      resolve({ exitCode: code, errorLine: parsed && parsed.event !== 'ready' ? { event: parsed.event, message: parsed.message ?? '' } : undefined, stderr: err });
    });
  });
}

export async function startHost(opts: { appDir?: string; env: Record<string, string>; args?: string[] }): Promise<HostProcess> {
  const r = await launchHost(opts);
  if (!r.host) throw new Error(`host failed to start (exit ${r.exitCode}): ${r.errorLine?.message ?? ''}\n${r.stderr}`);
  return r.host;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const keys = { function: 'test-function-key', master: 'test-master-key' };

export function baseEnv(connectionString: string, hub: string, logDir: string): Record<string, string> {
  return {
    AzureWebJobsStorage: connectionString,
    FIXTURE_HUB: hub,
    FIXTURE_LOG_DIR: logDir,
    STARTUP_SCHEDULE: '0 0 0 1 1 *',
    FUNCTIONS_KEY: keys.function,
    FUNCTIONS_MASTER_KEY: keys.master,
  };
}
