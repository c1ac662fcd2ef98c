import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A running Azurite (blob, queue, table) on 127.0.0.1 with telemetry off. */
export interface Azurite {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** The well-known development-storage connection string pointed at this instance's ports. */
  connectionString: string;
  /** Azurite's process id (a crash test SIGKILLs it to show what an unclean stop loses). */
  pid: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Keep data in this folder (reused by the next start). Absent: in memory, gone on stop. */
  location?: string;
  /** Ports to bind; 0 (default) = free ports. */
  ports?: { blob?: number; queue?: number; table?: number };
  timeoutMs?: number;
}

const devAccount = 'devstoreaccount1';
// Azurite's published, fixed development key (not a secret: it is in Microsoft's docs).
const devKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function connectionStringFor(ports: { blobPort: number; queuePort: number; tablePort: number }): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${devAccount}`,
    `AccountKey=${devKey}`,
    `BlobEndpoint=http://127.0.0.1:${ports.blobPort}/${devAccount}`,
    `QueueEndpoint=http://127.0.0.1:${ports.queuePort}/${devAccount}`,
    `TableEndpoint=http://127.0.0.1:${ports.tablePort}/${devAccount}`,
  ].join(';');
}

/** The project's own Azurite binary: the nearest node_modules/.bin/azurite above this file (source or dist). */
function findAzurite(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '.bin', 'azurite');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error('azurite is not installed (npm ci)');
  }
}
const azuriteBin = findAzurite();

/** Starts Azurite and resolves once all three services report the ports they bound. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const scratch = options.location ? undefined : mkdtempSync(path.join(tmpdir(), 'azurite-'));
  if (options.location) mkdirSync(options.location, { recursive: true });
  const storage = options.location ? ['--location', options.location] : ['--inMemoryPersistence'];
  const port = (p: number | undefined): string => String(p ?? 0);
  const child: ChildProcess = spawn(
    azuriteBin,
    ['--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
      '--blobPort', port(options.ports?.blob), '--queuePort', port(options.ports?.queue), '--tablePort', port(options.ports?.table),
      ...storage, '--disableTelemetry', '--skipApiVersionCheck', '--loose'],
    { cwd: options.location ?? scratch, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const ports: Partial<Record<'Blob' | 'Queue' | 'Table', number>> = {};
  let output = '';
  const timeoutMs = options.timeoutMs ?? 20000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const m of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g)) {
        ports[m[1] as 'Blob' | 'Queue' | 'Table'] = Number(m[2]);
      }
      if (ports.Blob && ports.Queue && ports.Table) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  const p = { blobPort: ports.Blob!, queuePort: ports.Queue!, tablePort: ports.Table! };
  return {
    ...p,
    connectionString: connectionStringFor(p),
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 3000); })]);
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
