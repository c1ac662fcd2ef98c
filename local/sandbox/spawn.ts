import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { HOST_PID_FILE } from './host-process';
import type { SandboxInfo, TunableOptions } from './sandbox';

export interface SandboxProcessOptions {
  /** The sandbox folder (kept between runs unless `args` has --reset). */
  dir: string;
  /** More flags for main.js, e.g. ['--reset']. */
  args?: string[];
  /** Extra environment; `options` below is the usual way to pass timings. */
  env?: Record<string, string>;
  /** Sent as EGRESS_SANDBOX_OPTIONS (JSON): timings, app settings, reusePorts, stateDebounceMs. */
  options?: TunableOptions;
  /** Mirror its output to this process's stderr. */
  echo?: boolean;
  timeoutMs?: number;
}

export interface SandboxProcess {
  info: SandboxInfo;
  pid: number;
  /** Signals the whole process group (sandbox, Functions host, Azurite) and waits until every member is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /**
   * A crash as Azure has it: the Functions host is SIGKILLed mid-work, while the stand-ins for Azure's services
   * stop cleanly (SIGTERM), keeping every write they acknowledged, as Azure Storage, ARM and the API server do.
   * (A SIGKILL of the whole group also loses Azurite's last 5 s of acknowledged table writes: see
   * test/integration/azurite-durability.test.ts.)
   */
  crashApp(): Promise<void>;
  /** The sandbox process's exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** What it printed, most recent last (e.g. "could not restore …" lines). */
  output(): string[];
}

const READY_LINE = 'egress-pilot sandbox is up.';

const mainJs = (): string => {
  // From dist/local/sandbox this file's sibling; from the sources (ts-jest, tsx), the built one under dist/.
  const sibling = path.join(__dirname, 'main.js');
  if (existsSync(sibling)) return sibling;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const built = path.join(dir, 'dist', 'local', 'sandbox', 'main.js');
    if (existsSync(built)) return built;
  }
  throw new Error('dist/local/sandbox/main.js not found: run npm run build first');
};

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the sandbox exactly as `npm start` does (the built `dist/local/sandbox/main.js`), detached in its
 * own process group so a crash test can SIGKILL all of it at once, then start it again on the same folder.
 * Resolves when it printed its ready line, with the `sandbox.json` it wrote.
 */
export async function spawnSandboxProcess(options: SandboxProcessOptions): Promise<SandboxProcess> {
  const dir = path.resolve(options.dir);
  const child = spawn(process.execPath, [mainJs(), '--dir', dir, ...(options.args ?? [])], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.options ? { EGRESS_SANDBOX_OPTIONS: JSON.stringify(options.options) } : {}), ...options.env },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the sandbox process');
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const keep = (line: string): void => {
    lines.push(line);
    if (lines.length > 500) lines.shift();
    if (options.echo) process.stderr.write(`[sandbox ${pid}] ${line}\n`);
  };
  createInterface({ input: child.stderr }).on('line', keep);
  const timeoutMs = options.timeoutMs ?? 180_000;
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    try {
      process.kill(-pid, signal);
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + 30_000;
    await exited;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sandbox did not print its ready line within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
      createInterface({ input: child.stdout }).on('line', (line) => {
        keep(line);
        if (line.trim() === READY_LINE) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the sandbox exited with ${String(code)} before it was ready:\n${lines.join('\n')}`));
      });
    });
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
  const info = JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo;
  const crashApp = async (): Promise<void> => {
    const hostPid = Number(readFileSync(path.join(dir, HOST_PID_FILE), 'utf8'));
    try {
      process.kill(hostPid, 'SIGKILL');
    } catch {
      // the host already died: the stand-ins still stop cleanly below
    }
    await kill('SIGTERM');
  };
  return { info, pid, kill, crashApp, exited, output: () => [...lines] };
}
