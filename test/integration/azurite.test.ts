import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../support/azurite';

describe('Azurite test support', () => {
  let azurite: Azurite;
  beforeAll(async () => { azurite = await startAzurite(); });
  afterAll(async () => { await azurite.stop(); });

  it('binds free ports on 127.0.0.1 and serves tables through the real SDK', async () => {
    expect(azurite.tablePort).toBeGreaterThan(0);
    const table = TableClient.fromConnectionString(azurite.connectionString, 'probe', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    const got = await table.getEntity<{ value: number }>('p', 'r');
    expect(got.value).toBe(42);
  });
});
