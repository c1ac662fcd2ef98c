import { TableClient } from '@azure/data-tables';
import { createRegistry, PoolExhaustedError, ClaimStateError, type CidrClaims, type TenantKey } from '../../lib/adapters/registry';
import { contains, overlaps, parseCidr } from '../../lib/domain/cidr';
import { startAzurite, type Azurite } from '../support/azurite';

const t = (name: string, cluster = 'aks-a'): TenantKey => ({ cluster, name });

describe('CIDR claims against Azurite', () => {
  let azurite: Azurite;
  let prefixSeq = 0;
  beforeAll(async () => { azurite = await startAzurite(); });
  afterAll(async () => { await azurite.stop(); });

  // Each test gets its own tables, so tests never see each other's pools.
  async function claimsFor(supernet: string, reserved: string[] = []): Promise<CidrClaims> {
    prefixSeq += 1;
    const registry = await createRegistry({ connectionString: azurite.connectionString }, { tablePrefix: `t${prefixSeq}`, pool: { supernet, reserved } });
    return registry.claims;
  }

  it('allocates best-fit blocks and is idempotent per tenant', async () => {
    const claims = await claimsFor('10.99.0.0/16');
    expect(await claims.allocate(t('alpha'), 29)).toEqual({ cidr: '10.99.0.0/29', existing: false });
    expect(await claims.allocate(t('beta'), 29)).toEqual({ cidr: '10.99.0.8/29', existing: false });
    expect(await claims.allocate(t('alpha'), 29)).toEqual({ cidr: '10.99.0.0/29', existing: true });
    // Same name on another cluster is another tenant.
    expect(await claims.allocate(t('alpha', 'aks-b'), 30)).toEqual({ cidr: '10.99.0.16/30', existing: false });
    expect(await claims.get(t('alpha'))).toBe('10.99.0.0/29');
    expect(await claims.get(t('nobody'))).toBeUndefined();
    expect(await claims.getBlock('10.99.0.8/29')).toMatchObject({ cidr: '10.99.0.8/29', tenant: t('beta'), state: 'allocated' });
  });

  it('50 concurrent allocations for different tenants produce 50 non-overlapping blocks', async () => {
    const claims = await claimsFor('10.99.0.0/16');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => claims.allocate(t(`tenant-${i}`), 29)));
    const blocks = results.map((r) => parseCidr(r.cidr, { strict: true }));
    expect(results.every((r) => !r.existing)).toBe(true);
    for (let i = 0; i < blocks.length; i++) {
      expect(contains(parseCidr('10.99.0.0/16'), blocks[i]!)).toBe(true);
      for (let j = i + 1; j < blocks.length; j++) expect(overlaps(blocks[i]!, blocks[j]!)).toBe(false);
    }
    // Best fit packs them: 50 /29s fill exactly 10.99.0.0 - 10.99.1.143.
    expect((await claims.usage()).takenAddresses).toBe(400);
    // Every tenant reads back the block it was given.
    const again = await Promise.all(Array.from({ length: 50 }, (_, i) => claims.get(t(`tenant-${i}`))));
    expect(again).toEqual(results.map((r) => r.cidr));
  });

  it('concurrent allocations of mixed sizes never overlap (the index ETag, not only the block row, guards them)', async () => {
    const claims = await claimsFor('10.99.0.0/22');
    const sizes = [28, 29, 30, 31, 27, 29, 30, 28, 31, 29];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => claims.allocate(t(`m${i}`), sizes[i % sizes.length]!)));
    const blocks = results.map((r) => parseCidr(r.cidr, { strict: true }));
    blocks.forEach((b, i) => expect(b.prefixLength).toBe(sizes[i % sizes.length]));
    for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) expect(overlaps(blocks[i]!, blocks[j]!)).toBe(false);
    const total = blocks.reduce((n, b) => n + 2 ** (32 - b.prefixLength), 0);
    expect((await claims.usage()).takenAddresses).toBe(total);
  });

  it('concurrent requests of the same tenant all get one block', async () => {
    const claims = await claimsFor('10.99.0.0/16');
    const results = await Promise.all(Array.from({ length: 10 }, () => claims.allocate(t('same'), 29)));
    expect(new Set(results.map((r) => r.cidr)).size).toBe(1);
    expect(results.filter((r) => !r.existing)).toHaveLength(1);
    expect((await claims.usage()).takenAddresses).toBe(8);
  });

  it('exhausts a /24 after exactly 32 /29s (reserved space excluded) with the counts', async () => {
    const claims = await claimsFor('10.99.0.0/24');
    for (let i = 0; i < 32; i++) await claims.allocate(t(`x${i}`), 29);
    const failure = claims.allocate(t('one-too-many'), 29);
    await expect(failure).rejects.toBeInstanceOf(PoolExhaustedError);
    await expect(claims.allocate(t('one-too-many'), 29)).rejects.toThrow(/10\.99\.0\.0\/24 exhausted: requested a \/29 \(8 addresses\); 0 addresses free/);
    const small = await claimsFor('10.99.1.0/28', ['10.99.1.0/30']);
    expect((await small.allocate(t('a'), 30)).cidr).toBe('10.99.1.4/30');
    expect((await small.allocate(t('b'), 29)).cidr).toBe('10.99.1.8/29');
    await expect(small.allocate(t('c'), 30)).rejects.toThrow(/0 addresses free/);
    expect(await small.usage(30)).toEqual({ supernet: '10.99.1.0/28', capacityAddresses: 16, takenAddresses: 16, freeAddresses: 0, largestFree: undefined, remainingBlocks: 0 });
  });

  it('handles the largest supported pool (/12, a multi-chunk bitmap) and refuses a larger one', async () => {
    const claims = await claimsFor('10.96.0.0/12', ['10.96.0.0/13', '10.104.0.0/14', '10.108.0.0/15', '10.110.0.0/16']);
    expect((await claims.allocate(t('a'), 29)).cidr).toBe('10.111.0.0/29');
    expect((await claims.allocate(t('b'), 25)).cidr).toBe('10.111.0.128/25');
    expect((await claims.allocate(t('c'), 31)).cidr).toBe('10.111.0.8/31');
    expect((await claims.usage(16)).remainingBlocks).toBe(0);
    expect((await claims.usage()).freeAddresses).toBe(65536 - 8 - 128 - 2);
    await expect(claimsFor('10.0.0.0/11')).rejects.toThrow(/prefix length must be 12\.\.31/);
  });

  it('refuses prefix lengths the pool cannot serve, naming the field', async () => {
    const claims = await claimsFor('10.99.0.0/24');
    await expect(claims.allocate(t('a'), 23)).rejects.toThrow(/^prefixLength: must be an integer 24\.\.31/);
    await expect(claims.allocate(t('a'), 32)).rejects.toThrow(/prefixLength/);
  });

  it('quarantines released blocks until their routes are confirmed withdrawn', async () => {
    const claims = await claimsFor('10.99.0.0/28');
    expect((await claims.allocate(t('a'), 29)).cidr).toBe('10.99.0.0/29');
    expect((await claims.allocate(t('b'), 29)).cidr).toBe('10.99.0.8/29');
    await expect(claims.confirmWithdrawn('10.99.0.0/29')).rejects.toThrow(ClaimStateError);
    expect(await claims.release(t('a'))).toBe('10.99.0.0/29');
    expect(await claims.release(t('a'))).toBeUndefined(); // idempotent
    expect(await claims.get(t('a'))).toBeUndefined();
    expect(await claims.getBlock('10.99.0.0/29')).toMatchObject({ state: 'quarantined', tenant: t('a') });
    // Quarantined space is never handed out, not even to its former tenant.
    await expect(claims.allocate(t('c'), 29)).rejects.toBeInstanceOf(PoolExhaustedError);
    await expect(claims.allocate(t('a'), 29)).rejects.toBeInstanceOf(PoolExhaustedError);
    expect((await claims.list({ state: 'quarantined' })).items.map((c) => c.cidr)).toEqual(['10.99.0.0/29']);
    await expect(claims.confirmWithdrawn('10.99.0.0/30')).rejects.toThrow(/not a claimed block; the claim at that address is 10\.99\.0\.0\/29/);
    expect(await claims.confirmWithdrawn('10.99.0.0/29')).toBe(true);
    expect(await claims.confirmWithdrawn('10.99.0.0/29')).toBe(false); // already free
    expect(await claims.allocate(t('c'), 29)).toEqual({ cidr: '10.99.0.0/29', existing: false });
  });

  it('reports a tenant claim whose block row vanished instead of retrying forever', async () => {
    const claims = await claimsFor('10.99.0.0/24');
    await claims.allocate(t('a'), 29);
    const table = TableClient.fromConnectionString(azurite.connectionString, `t${prefixSeq}CidrClaims`, { allowInsecureConnection: true });
    for await (const row of table.listEntities<Record<string, unknown>>()) {
      if (row.rowKey?.startsWith('b:')) await table.deleteEntity(row.partitionKey!, row.rowKey);
    }
    await expect(claims.release(t('a'))).rejects.toThrow(/claim of aks-a\/a: stored record is invalid: it names 10\.99\.0\.0\/29, which has no block row/);
    await expect(claims.allocate({ cluster: 'aks-a', name: '' }, 29)).rejects.toThrow(/^tenant\.name: must be a non-empty string/);
  });

  it('lists claims in address order with paging', async () => {
    const claims = await claimsFor('10.99.0.0/24');
    for (let i = 0; i < 7; i++) await claims.allocate(t(`p${i}`), 30);
    await claims.release(t('p3'));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await claims.list({ pageSize: 3, ...(token ? { continuationToken: token } : {}) });
      seen.push(...page.items.map((c) => c.cidr));
      token = page.continuationToken;
      pages += 1;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `10.99.0.${i * 4}/30`));
    expect((await claims.list({ state: 'allocated' })).items).toHaveLength(6);
  });

  it('rejects a pool index that is not what this pool expects, instead of allocating over it', async () => {
    const claims = await claimsFor('10.99.0.0/24');
    await claims.allocate(t('a'), 29);
    const table = TableClient.fromConnectionString(azurite.connectionString, `t${prefixSeq}CidrClaims`, { allowInsecureConnection: true });
    const rows = table.listEntities<Record<string, unknown>>();
    for await (const row of rows) {
      if (row.rowKey === 'index') await table.updateEntity({ partitionKey: row.partitionKey!, rowKey: 'index', bits0: 'AAAA' }, 'Merge');
    }
    await expect(claims.allocate(t('b'), 29)).rejects.toThrow(/pool index of 10\.99\.0\.0\/24: stored record is invalid: occupancy bitmap .* must be 16 bytes, got 3/);
  });
});
