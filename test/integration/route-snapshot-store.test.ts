import { TableClient } from '@azure/data-tables';
import { RouteSnapshotStore } from '../../lib/adapters/status/route-snapshots';
import { startAzurite, type Azurite } from '../support/azurite';

/** The snapshot store against Azurite: one refresher at a time, and a patient reader waits it out. */
describe('route snapshot store (Azurite)', () => {
  let azurite: Azurite;
  let table: TableClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    table = TableClient.fromConnectionString(azurite.connectionString, 'snapshots', { allowInsecureConnection: true });
    await table.createTable();
  }, 60_000);
  afterAll(async () => { await azurite?.stop(); });

  it('answers waiting while another refresher works, and a patient reader gets that refresh instead', async () => {
    const store = new RouteSnapshotStore(table, { maxAgeMs: 60_000, claimTtlMs: 20_000 });
    let release!: () => void;
    const slow = new Promise<void>((resolve) => { release = resolve; });
    let refreshes = 0;
    const first = store.read('cluster:a', 0, async () => { refreshes++; await slow; return { routes: 1 }; });
    await new Promise((r) => setTimeout(r, 300)); // the first reader holds the claim now
    expect(await store.read('cluster:a', 0, async () => { refreshes++; return { routes: 2 }; })).toMatchObject({ kind: 'waiting' });
    const patient = store.readPatiently('cluster:a', 0, async () => { refreshes++; return { routes: 3 }; }, 10_000, 100);
    setTimeout(release, 500);
    expect(await first).toMatchObject({ kind: 'snapshot', value: { routes: 1 }, refreshed: true });
    expect(await patient).toMatchObject({ kind: 'snapshot', value: { routes: 1 }, refreshed: false });
    expect(refreshes).toBe(1);
  }, 30_000);

  it('a patient reader takes over the claim of a refresher that crashed, once it lapses', async () => {
    const store = new RouteSnapshotStore(table, { maxAgeMs: 60_000, claimTtlMs: 800 });
    // A refresher that never finishes (its host was killed): it holds the claim until the TTL.
    void store.read('cluster:b', 0, () => new Promise<{ routes: number }>(() => undefined));
    await new Promise((r) => setTimeout(r, 200));
    const read = await store.readPatiently('cluster:b', 0, async () => ({ routes: 7 }), store.patienceMs, 100);
    expect(read).toMatchObject({ kind: 'snapshot', value: { routes: 7 }, refreshed: true });
  }, 30_000);
});
