/**
 * `--wait`: polls GET /api/tenants/{cluster}/{name} until the lifecycle settles. On a terminal one live block
 * is redrawn in place (log-update); otherwise each change is one plain line (progress.ts decides what changed).
 */
import { Api, CliError, expect2xx } from './api';
import { tenantSchema, type TenantView } from './api-types';
import { EXIT } from './exit-codes';
import { changeLines, currentRun, isSettled, liveBlock, type Paint } from './progress';

export interface LiveDisplay {
  update(text: string): void;
  done(): void;
}

export interface WatchOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Plain lines (not a terminal). */
  line: (text: string) => void;
  /** The live block (a terminal); when set, no plain lines are written. */
  live?: { display: LiveDisplay; paint: Paint };
  /** The server's time of the 202 that started the lifecycle: progress from before it is a previous run's. */
  since?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const tenantPath = (cluster: string, name: string): string => `/tenants/${encodeURIComponent(cluster)}/${encodeURIComponent(name)}`;

export async function readTenant(api: Api, cluster: string, name: string): Promise<TenantView> {
  return expect2xx(await api.call('GET', tenantPath(cluster, name)), tenantSchema, `GET ${tenantPath(cluster, name)}`);
}

export async function watchTenant(api: Api, cluster: string, name: string, options: WatchOptions): Promise<TenantView> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  let last: TenantView | undefined;
  let frame = 0;
  // On a terminal the block is redrawn between polls too, so running steps' durations and the spinner move.
  const redraw = options.live ? setInterval(() => { if (last) options.live!.display.update(liveBlock(last, now(), options.live!.paint, ++frame)); }, 250) : undefined;
  try {
    for (;;) {
      const view = currentRun(await readTenant(api, cluster, name), options.since);
      if (options.live) options.live.display.update(liveBlock(view, now(), options.live.paint, frame));
      else for (const line of changeLines(last, view)) options.line(line);
      last = view;
      if (isSettled(view)) return view;
      if (now() >= deadline) throw new CliError(`gave up waiting after ${Math.round(options.timeoutMs / 1000)} s: ${cluster}/${name} is still ${view.phase} (the lifecycle goes on; egress-pilot get ${cluster} ${name} shows it)`, EXIT.failed);
      await sleep(options.intervalMs);
    }
  } finally {
    if (redraw) clearInterval(redraw);
    options.live?.display.done();
  }
}
