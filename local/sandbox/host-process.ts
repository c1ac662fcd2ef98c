import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

/** The file in the sandbox folder that holds the running Functions host's process id (a crash test kills the app alone). */
export const HOST_PID_FILE = 'host.pid';

export interface HostProcess {
  baseUrl: string;
  port: number;
  pid: number;
  /** Lines the host (and the app) wrote, most recent last; for error reports. */
  logTail(): string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface HostProcessOptions {
  appDir: string;
  /** The host's cli.js, when the app folder has none (a deployment package); default: found as below. */
  cliPath?: string;
  port?: number;
  settingsFile: string;
  env: Record<string, string>;
  /** Mirror the host's output to this process's stderr. */
  echo?: boolean;
  timeoutMs?: number;
}

/** Starts local/host as a child process (Node 22: this process's own binary) and waits for its ready line. */
export async function startHostProcess(options: HostProcessOptions): Promise<HostProcess> {
  // The compiled host (npm run build): from dist/local/sandbox it is a sibling; from the sources, under dist/.
  const cli = options.cliPath ?? (__dirname.endsWith(path.join('dist', 'local', 'sandbox'))
    ? path.resolve(__dirname, '..', 'host', 'cli.js')
    : path.resolve(options.appDir, 'dist', 'local', 'host', 'cli.js'));
  const child: ChildProcess = spawn(process.execPath, [cli, '--app', options.appDir, '--port', String(options.port ?? 0), '--settings', options.settingsFile], {
    cwd: options.appDir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line);
    if (tail.length > 200) tail.shift();
    if (options.echo) process.stderr.write(`[host] ${line}\n`);
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const ready = await new Promise<{ baseUrl: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host not ready within ${options.timeoutMs ?? 30000} ms:\n${tail.join('\n')}`)), options.timeoutMs ?? 30000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      if (!line.startsWith('{')) return;
      try {
        const msg = JSON.parse(line) as { event?: string; baseUrl?: string; port?: number; message?: string };
        if (msg.event === 'ready' && msg.baseUrl && msg.port) {
          clearTimeout(timer);
          resolve({ baseUrl: msg.baseUrl, port: msg.port });
        } else if (msg.event === 'error') {
          clearTimeout(timer);
          reject(new Error(`host failed to start: ${msg.message}`));
        }
      } catch {
        // an app log line that merely starts with "{"
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before it was ready:\n${tail.join('\n')}`));
    });
  });
  return {
    ...ready,
    pid: child.pid ?? -1,
    logTail: () => [...tail],
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 8000); })]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
