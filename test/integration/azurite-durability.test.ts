import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { isNotFound } from '../../lib/adapters/errors';
import { startAzurite, type Azurite } from '../support/azurite';

/**
 * What the storage stand-in keeps across a crash, measured rather than assumed. Azure Storage loses no
 * acknowledged write; Azurite (3.35, folder persistence) saves its tables on a 5-s autosave and on a clean
 * stop, so a SIGKILL forgets the writes of the last few seconds. Crash tests must therefore crash the APP
 * (the Functions host) and stop the stand-ins cleanly, or they judge a loss Azure would never cause.
 */
describe('Azurite durability across an unclean stop', () => {
  let dir: string;
  let azurite: Azurite | undefined;
  beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'azurite-durability-')); });
  afterAll(async () => {
    await azurite?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const table = (a: Azurite): TableClient => TableClient.fromConnectionString(a.connectionString, 'durability', { allowInsecureConnection: true });
  const read = async (a: Azurite, rowKey: string): Promise<'kept' | 'lost'> => {
    try {
      await table(a).getEntity('p', rowKey);
      return 'kept';
    } catch (error) {
      if (isNotFound(error)) return 'lost';
      throw error;
    }
  };
  const killHard = async (a: Azurite): Promise<void> => {
    process.kill(a.pid, 'SIGKILL');
    // wait until the process is gone so the next start can take the folder
    for (let i = 0; i < 100; i++) {
      try { process.kill(a.pid, 0); } catch { return; }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('forgets an acknowledged write on SIGKILL within the autosave window, keeps it after a clean stop or the autosave', async () => {
    azurite = await startAzurite({ location: dir });
    await table(azurite).createTable();
    await table(azurite).createEntity({ partitionKey: 'p', rowKey: 'before-autosave' });
    expect(await read(azurite, 'before-autosave')).toBe('kept'); // acknowledged and readable
    await killHard(azurite);

    azurite = await startAzurite({ location: dir });
    const afterKill = await read(azurite, 'before-autosave');
    await table(azurite).createTable().catch(() => undefined); // the table itself may have been lost too
    await table(azurite).createEntity({ partitionKey: 'p', rowKey: 'clean-stop' });
    await table(azurite).createEntity({ partitionKey: 'p', rowKey: 'autosaved' });
    await new Promise((r) => setTimeout(r, 6_500)); // past the 5-s autosave
    await table(azurite).createEntity({ partitionKey: 'p', rowKey: 'after-autosave' });
    await killHard(azurite);

    azurite = await startAzurite({ location: dir });
    const afterSecondKill = { autosaved: await read(azurite, 'autosaved'), afterAutosave: await read(azurite, 'after-autosave') };
    await table(azurite).createEntity({ partitionKey: 'p', rowKey: 'then-clean-stop' });
    await azurite.stop();

    azurite = await startAzurite({ location: dir });
    const afterCleanStop = await read(azurite, 'then-clean-stop');
    console.log(`azurite durability: SIGKILL within 5 s -> ${afterKill}; written >5 s before SIGKILL -> ${afterSecondKill.autosaved}; written just before SIGKILL -> ${afterSecondKill.afterAutosave}; clean stop -> ${afterCleanStop}`);
    expect(afterKill).toBe('lost');
    expect(afterSecondKill).toEqual({ autosaved: 'kept', afterAutosave: 'lost' });
    expect(afterCleanStop).toBe('kept');
  }, 90_000);
});
