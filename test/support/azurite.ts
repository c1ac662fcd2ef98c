import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A running Azurite (blob, queue, table) on 127.0.0.1, in memory, telemetry off, on free ports. */
export interface Azurite {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** The well-known development-storage connection string pointed at this instance's ports. */
  connectionString: string;
  stop(): Promise<void>;
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

const azuriteBin = path.resolve(__dirname, '..', '..', 'node_modules', '.bin', 'azurite');

/** Starts Azurite and resolves once all three services report the ports they bound. */
export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<Azurite> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'azurite-'));
  const child: ChildProcess = spawn(
    azuriteBin,
    ['--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
      '--blobPort', '0', '--queuePort', '0', '--tablePort', '0',
      '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--loose'],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const ports: Partial<Record<'Blob' | 'Queue' | 'Table', number>> = {};
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${options.timeoutMs ?? 20000} ms:\n${output}`)), options.timeoutMs ?? 20000);
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
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}
