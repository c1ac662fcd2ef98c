/**
 * Fan-out/fan-in through local/host (child process, Azurite task hub): wall time and activities/s for 100 and
 * 1,000 activities (median of 3 runs each), and their ratio (linear => near 10; one episode per completion would be ~100);
 * ends with one line of JSON.
 *   npm run bench -- host-fanout
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quantile } from '../local/emulators/arm/timing';
import { startAzurite } from '../test/support/azurite';
import { baseEnv, keys, startHost } from '../test/host/hostProcess';

async function run(baseUrl: string, id: string, count: number): Promise<number> {
  const started = performance.now();
  const r = await fetch(`${baseUrl}/api/orchestrators/fanOut/${id}?code=${keys.function}`, { method: 'POST', body: JSON.stringify({ count }) });
  if (r.status !== 202) throw new Error(`start ${id}: HTTP ${r.status}`);
  for (;;) {
    const s = await (await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${keys.master}`)).json() as { runtimeStatus: string; output: unknown };
    if (s.runtimeStatus === 'Completed') {
      if (s.output !== count * (count + 1)) throw new Error(`${id}: wrong output ${String(s.output)}`);
      return performance.now() - started;
    }
    if (s.runtimeStatus === 'Failed') throw new Error(`${id} failed: ${JSON.stringify(s.output)}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  const logDir = mkdtempSync(path.join(tmpdir(), 'host-bench-'));
  const host = await startHost({ env: { ...baseEnv(azurite.connectionString, 'BenchHub', logDir), AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions: '32' } });
  try {
    await run(host.baseUrl, 'warmup', 200);
    // median of three runs each, alternating sizes so background load hits both alike
    const t100s: number[] = [];
    const t1000s: number[] = [];
    for (let i = 0; i < 3; i++) {
      t100s.push(await run(host.baseUrl, `fan-100-${i}`, 100));
      t1000s.push(await run(host.baseUrl, `fan-1000-${i}`, 1000));
    }
    const t100 = quantile(t100s, 0.5);
    const t1000 = quantile(t1000s, 0.5);
    console.log(`runs (ms): 100 -> ${t100s.map((t) => t.toFixed(0)).join(', ')}; 1000 -> ${t1000s.map((t) => t.toFixed(0)).join(', ')}`);
    console.log(`fan-out/fan-in   100 activities: ${t100.toFixed(0)} ms  (${(100 / (t100 / 1000)).toFixed(0)} activities/s)`);
    console.log(`fan-out/fan-in  1000 activities: ${t1000.toFixed(0)} ms  (${(1000 / (t1000 / 1000)).toFixed(0)} activities/s)`);
    console.log(`wall-time ratio 1000 / 100: ${(t1000 / t100).toFixed(2)} (linear = 10)`);
    console.log(JSON.stringify({ bench: 'host-fanout', ms100: Math.round(t100), ms1000: Math.round(t1000), timeRatio: Number((t1000 / t100).toFixed(2)) }));
  } finally {
    await host.stop();
    await azurite.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
