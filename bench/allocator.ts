/**
 * Allocator benchmark: storage operations per allocation and how time scales with the number of
 * allocations and with how full the pool already is. Starts its own Azurite (in memory, 127.0.0.1).
 * Every HTTP request the SDK sends is counted by a pipeline policy (a transaction is one request).
 * Ends with one line of JSON.
 *
 *   npm run bench -- allocator
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { createRegistry, type CidrClaims } from '../lib/adapters/registry';
import { startAzurite } from '../test/support/azurite';

const counts = { requests: 0, requestMs: 0 };
const counting: PipelinePolicy = {
  name: 'countStorageOperations',
  sendRequest: async (request, next) => {
    counts.requests += 1;
    const t0 = performance.now();
    try {
      return await next(request);
    } finally {
      counts.requestMs += performance.now() - t0;
    }
  },
};

let tableSeq = 0;
async function freshPool(connectionString: string, supernet = '10.99.0.0/16'): Promise<CidrClaims> {
  tableSeq += 1;
  const registry = await createRegistry(
    { connectionString },
    { tablePrefix: `bench${tableSeq}`, pool: { supernet }, clientOptions: { additionalPolicies: [{ policy: counting, position: 'perCall' }] } },
  );
  return registry.claims;
}

interface Run { label: string; n: number; ms: number; ops: number; storageMs: number; concurrent?: boolean }

async function allocateMany(claims: CidrClaims, from: number, n: number, label: string, prefixLength = 29): Promise<Run> {
  return measure(label, n, async () => {
    for (let i = from; i < from + n; i++) await claims.allocate({ cluster: 'bench', name: `t${i}` }, prefixLength);
  });
}

async function measure(label: string, n: number, work: () => Promise<unknown>): Promise<Run> {
  const ops0 = counts.requests;
  const storage0 = counts.requestMs;
  const t0 = performance.now();
  await work();
  return { label, n, ms: performance.now() - t0, ops: counts.requests - ops0, storageMs: counts.requestMs - storage0 };
}

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const runs: Run[] = [];
    // Warm-up: JIT, sockets, table creation.
    const warm = await freshPool(azurite.connectionString);
    await allocateMany(warm, 0, 50, 'warm-up');

    const small = await freshPool(azurite.connectionString);
    await small.allocate({ cluster: 'bench', name: 'first' }, 29); // the pool's index row is created once
    runs.push(await allocateMany(small, 0, 100, '100 allocations, empty /16'));

    const big = await freshPool(azurite.connectionString);
    await big.allocate({ cluster: 'bench', name: 'first' }, 29);
    runs.push(await allocateMany(big, 0, 1000, '1,000 allocations, empty /16'));
    runs.push(await allocateMany(big, 1000, 100, '100 more, pool holds 1,001'));
    await allocateMany(big, 1100, 3900, 'fill');
    runs.push(await allocateMany(big, 5000, 100, '100 more, pool holds 5,001'));

    // Idempotent repeats: the tenant-row point read answers.
    runs.push(await allocateMany(big, 0, 100, '100 repeats (existing tenants)'));

    // Release + confirmWithdrawn cost.
    runs.push(await measure('100 release + confirmWithdrawn', 100, async () => {
      for (let i = 0; i < 100; i++) {
        const cidr = await big.release({ cluster: 'bench', name: `t${i}` });
        await big.confirmWithdrawn(cidr!);
      }
    }));

    // A burst: 50 tenants at once on one pool (lost races are retried).
    const burst = await freshPool(azurite.connectionString);
    await burst.allocate({ cluster: 'bench', name: 'first' }, 29);
    runs.push({
      ...(await measure('50 concurrent allocations', 50, () =>
        Promise.all(Array.from({ length: 50 }, (_, i) => burst.allocate({ cluster: 'bench', name: `c${i}` }, 29))))),
      concurrent: true,
    });

    const widths = [34, 5, 9, 8, 17, 14, 14];
    console.log(row(['run (allocations of /29)', 'n', 'total ms', 'ms/call', 'storage ops/call', 'ms/storage op', 'client ms/call'], widths));
    for (const r of runs) {
      // Overlapping requests make per-request times meaningless for the concurrent run.
      const perRequest = r.concurrent ? 'n/a' : (r.storageMs / r.ops).toFixed(2);
      const client = r.concurrent ? 'n/a' : ((r.ms - r.storageMs) / r.n).toFixed(2);
      console.log(row([r.label, r.n, r.ms.toFixed(0), (r.ms / r.n).toFixed(2), (r.ops / r.n).toFixed(2), perRequest, client], widths));
    }

    const by = (label: string): Run => runs.find((r) => r.label.startsWith(label))!;
    const t100 = by('100 allocations');
    const t1000 = by('1,000 allocations');
    console.log('');
    console.log(`time ratio 1,000 vs 100 allocations: ${(t1000.ms / t100.ms).toFixed(2)} (linear = 10)`);
    console.log(`storage ops per allocation: empty pool ${(t100.ops / t100.n).toFixed(2)}, ` +
      `pool holding 1,001 ${(by('100 more, pool holds 1,001').ops / 100).toFixed(2)}, pool holding 5,001 ${(by('100 more, pool holds 5,001').ops / 100).toFixed(2)}`);
    const full = by('100 more, pool holds 5,001');
    console.log(`client-side ms per allocation (all but storage round trips): empty ${((t100.ms - t100.storageMs) / 100).toFixed(2)}, pool holding 5,001 ${((full.ms - full.storageMs) / 100).toFixed(2)}`);
    console.log(`ms per storage request, pool holding 5,001 vs empty: ${(full.storageMs / full.ops / (t100.storageMs / t100.ops)).toFixed(2)}x ` +
      '(the emulator: Azurite\'s in-memory LokiJS store slows per request as a partition grows, and all of a pool\'s rows share one; ' +
      'the op count and the client-side time stay flat)');
    const usage = await big.usage(29);
    console.log(`pool ${usage.supernet}: ${usage.takenAddresses} of ${usage.capacityAddresses} addresses taken, ${usage.remainingBlocks} /29s left`);
    const opsPer = (r: Run): number => Number((r.ops / r.n).toFixed(2));
    console.log(JSON.stringify({
      bench: 'allocator', timeRatio: Number((t1000.ms / t100.ms).toFixed(2)),
      storageOpsPerAllocation: { empty: opsPer(t100), holding1001: opsPer(by('100 more, pool holds 1,001')), holding5001: opsPer(full) },
    }));
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
