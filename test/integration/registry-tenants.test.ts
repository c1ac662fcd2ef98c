import type { TokenCredential } from '@azure/core-auth';
import { createRegistry, createRegistryFromSettings, ConcurrencyError, CorruptRecordError, tableNames, type TenantRegistry } from '../../lib/adapters/registry';
import { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { escapeKeyPart } from '../../lib/adapters/registry/keys';
import { SETTLED_PHASES } from '../../lib/domain/lifecycle/admission';
import { startAzurite, type Azurite } from '../support/azurite';

interface Spec { namespaces: string[]; replicas: number; note?: string }
const spec: Spec = { namespaces: ['shop'], replicas: 2 };
const key = { cluster: 'aks-a', name: 'acme' };

// One Azurite for the whole file.
let azurite: Azurite;
beforeAll(async () => { azurite = await startAzurite(); });
afterAll(async () => { await azurite.stop(); });

describe('tenant registry against Azurite', () => {
  let tenants: TenantRegistry<Spec>;
  let clockMs = Date.parse('2026-11-25T10:00:00Z');
  const clock = (): Date => new Date((clockMs += 1000));

  beforeAll(async () => {
    const registry = await createRegistry<Spec>({ connectionString: azurite.connectionString }, { tablePrefix: 'tenantsTest', pool: { supernet: '10.99.0.0/16' }, clock });
    expect(registry.tables).toEqual({ tenants: 'tenantsTestTenants', claims: 'tenantsTestCidrClaims' });
    tenants = registry.tenants;
  });

  it('creates if absent and returns the stored record on conflict', async () => {
    const first = await tenants.createIfAbsent(key, { spec, specFingerprint: 'fp1' });
    expect(first.created).toBe(true);
    expect(first.record).toMatchObject({ key, spec, specFingerprint: 'fp1', generation: 1, phase: 'Pending', cidr: undefined, lastError: undefined });
    expect(first.record.createdAt).toBe(first.record.updatedAt);
    expect(first.record.etag).not.toBe('');
    const second = await tenants.createIfAbsent(key, { spec: { namespaces: ['other'], replicas: 9 }, specFingerprint: 'fp2' });
    expect(second.created).toBe(false);
    expect(second.record.spec).toEqual(spec);
    expect(second.record.etag).toBe(first.record.etag);
    expect(await tenants.get(key)).toEqual(first.record);
    expect(await tenants.get({ cluster: 'aks-a', name: 'missing' })).toBeUndefined();
  });

  it('keeps the serving spec apart from a pending one, once, and gives it back', async () => {
    const k = { cluster: 'aks-a', name: 'serving' };
    const { record } = await tenants.createIfAbsent(k, { spec, specFingerprint: 's1' });
    expect(record).toMatchObject({ servingSpec: undefined, lifecycleRun: 0 });
    const taken = await tenants.update(record, { lifecycleRun: record.lifecycleRun + 1 });
    expect(taken.lifecycleRun).toBe(1);
    const ready = await tenants.update(taken, { phase: 'Ready', servingSpec: 'spec' });
    expect(ready).toMatchObject({ servingSpec: spec, servingFingerprint: 's1', lifecycleRun: 1 });
    // While an update runs, the stored spec is the new one and the serving one is kept beside it.
    const next = { ...spec, replicas: 3 };
    const updating = await tenants.update(ready, { spec: { value: next, fingerprint: 's2' }, phase: 'Updating' });
    expect(await tenants.get(k)).toMatchObject({ spec: next, specFingerprint: 's2', servingSpec: spec, servingFingerprint: 's1' });
    // A failed update restores it: one copy again.
    const restored = await tenants.update(updating, { spec: { value: updating.servingSpec!, fingerprint: updating.servingFingerprint! }, phase: 'Ready' });
    expect(restored).toMatchObject({ spec, servingSpec: spec });
    const raw = await TableClient.fromConnectionString(azurite.connectionString, 'tenantsTestTenants', { allowInsecureConnection: true }).getEntity<Record<string, unknown>>(escapeKeyPart(k.cluster), escapeKeyPart(k.name));
    expect(raw.serving0).toBeUndefined();
    const gone = await tenants.update(restored, { phase: 'Deleted', servingSpec: null });
    expect(gone.servingSpec).toBeUndefined();
  });

  it('lists only tenants outside the settled phases, filtered by the table service', async () => {
    for (const [name, phase] of [['u-ready', 'Ready'], ['u-deleting', 'Deleting'], ['u-waiting', 'WaitingForRoutes'], ['u-failed', 'Failed']] as const) {
      const { record } = await tenants.createIfAbsent({ cluster: 'aks-unsettled', name }, { spec, specFingerprint: name });
      await tenants.update(record, { phase });
    }
    const page = await tenants.listExceptPhases(SETTLED_PHASES, { pageSize: 1000 });
    expect(page.items.filter((r) => r.key.cluster === 'aks-unsettled').map((r) => r.key.name).sort()).toEqual(['u-deleting', 'u-waiting']);
  });

  it('updates with the ETag it read, and refuses a stale one', async () => {
    const current = (await tenants.get(key))!;
    const next = await tenants.update(current, { phase: 'Allocating', cidr: '10.99.0.0/29', lastError: { message: 'boom', step: 'Allocating', at: '2026-11-25T10:00:00Z' } });
    expect(next).toMatchObject({ phase: 'Allocating', cidr: '10.99.0.0/29', generation: 1, lastError: { message: 'boom', step: 'Allocating' } });
    expect(next.updatedAt > current.updatedAt).toBe(true);
    expect(next.createdAt).toBe(current.createdAt);
    await expect(tenants.update(current, { phase: 'Ready' })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(tenants.update(current, { phase: 'Ready' })).rejects.toThrow(/tenant aks-a\/acme was changed by someone else/);
    const cleared = await tenants.update(next, { lastError: null, spec: { value: { ...spec, replicas: 3 }, fingerprint: 'fp3' } });
    expect(cleared).toMatchObject({ lastError: undefined, cidr: '10.99.0.0/29', generation: 2, specFingerprint: 'fp3', spec: { replicas: 3 } });
    const same = await tenants.update(cleared, { spec: { value: cleared.spec, fingerprint: 'fp3' } });
    expect(same.generation).toBe(2); // an unchanged fingerprint is not a new generation
    expect(await tenants.get(key)).toEqual(same);
  });

  it('lets exactly one of two concurrent writers win', async () => {
    const current = (await tenants.get(key))!;
    const outcomes = await Promise.allSettled([tenants.update(current, { phase: 'Ready' }), tenants.update(current, { phase: 'Failed' })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConcurrencyError);
  });

  it('stores large specs and unusual names intact', async () => {
    const big: Spec = { namespaces: Array.from({ length: 4000 }, (_, i) => `namespace-number-${i}`), replicas: 2, note: 'é/#?\\' };
    const odd = { cluster: 'rg_1/aks#2?', name: 'weird_name' };
    const created = await tenants.createIfAbsent(odd, { spec: big, specFingerprint: 'big' });
    expect(JSON.stringify(big).length).toBeGreaterThan(60_000);
    expect((await tenants.get(odd))!.spec).toEqual(big);
    expect(created.record.key).toEqual(odd);
    expect(await tenants.get({ cluster: 'rg_1/aks#2?', name: 'weird-name' })).toBeUndefined();
  });

  it('lists a cluster page by page with continuation tokens', async () => {
    for (let i = 0; i < 7; i++) await tenants.createIfAbsent({ cluster: 'aks-paged', name: `t${i}` }, { spec, specFingerprint: 'x' });
    await tenants.createIfAbsent({ cluster: 'aks-other', name: 't0' }, { spec, specFingerprint: 'x' });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await tenants.listByCluster('aks-paged', { pageSize: 3, ...(token ? { continuationToken: token } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      names.push(...page.items.map((r) => r.key.name));
      token = page.continuationToken;
      pages += 1;
    } while (token);
    expect(names).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(pages).toBe(3);
    expect((await tenants.listByCluster('aks-none')).items).toEqual([]);
    const all = await tenants.listAll({ pageSize: 1000 });
    expect(all.items.map((r) => `${r.key.cluster}/${r.key.name}`)).toEqual(expect.arrayContaining(['aks-other/t0', 'aks-paged/t6', 'aks-a/acme']));
    await expect(tenants.listByCluster('aks-paged', { pageSize: 0 })).rejects.toThrow(/pageSize: must be 1\.\.1000/);
  });

  it('refuses empty key parts, naming the field', async () => {
    await expect(tenants.createIfAbsent({ cluster: '', name: 'x' }, { spec, specFingerprint: 'x' })).rejects.toThrow(/^tenant\.cluster: must be a non-empty string/);
  });

  it('deletes, guarded by ETag when given', async () => {
    const k = { cluster: 'aks-del', name: 'gone' };
    const { record } = await tenants.createIfAbsent(k, { spec, specFingerprint: 'x' });
    const moved = await tenants.update(record, { phase: 'Deleting' });
    await expect(tenants.delete(k, record.etag)).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await tenants.delete(k, moved.etag)).toBe(true);
    expect(await tenants.delete(k)).toBe(false);
    expect(await tenants.get(k)).toBeUndefined();
  });

  it('refuses a stored row with an unknown phase, naming the field', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, tableNames('tenantsTest').tenants, { allowInsecureConnection: true });
    await tenants.createIfAbsent({ cluster: 'aks-bad', name: 'row' }, { spec, specFingerprint: 'x' });
    await table.updateEntity({ partitionKey: 'aks-bad', rowKey: 'row', phase: 'Sideways' }, 'Merge');
    await expect(tenants.get({ cluster: 'aks-bad', name: 'row' })).rejects.toBeInstanceOf(CorruptRecordError);
    await expect(tenants.get({ cluster: 'aks-bad', name: 'row' })).rejects.toThrow(/^tenant row aks-bad\/row: stored record is invalid: phase:/);
  });
});

describe('createRegistry with a token credential', () => {
  it('uses the endpoint + token credential path (bearer token for the storage scope)', async () => {
    // A stand-in credential (DefaultAzureCredential would probe the instance metadata service, which
    // is not on this machine); the endpoint is a closed local port, so nothing leaves 127.0.0.1.
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scope) => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: 'fake', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const attempt = createRegistry(
      { endpoint: 'https://127.0.0.1:9/', credential },
      { tablePrefix: 'x', pool: { supernet: '10.99.0.0/16' }, clientOptions: { retryOptions: { maxRetries: 0 } } },
    );
    await expect(attempt).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(scopes).toContain('https://storage.azure.com/.default');
  });

  it('builds the registry from the app settings (connection string kind)', async () => {
    const registry = await createRegistryFromSettings({
      registry: { kind: 'connectionString', connectionString: azurite.connectionString },
      registryTablePrefix: 'fromSettings', egressSupernet: '10.99.0.0/24', egressReservedCidrs: ['10.99.0.0/29'],
    });
    expect(registry.tables.claims).toBe('fromSettingsCidrClaims');
    expect((await registry.claims.allocate({ cluster: 'c', name: 'n' }, 29)).cidr).toBe('10.99.0.8/29');
  });

  it('rejects a bad table prefix', async () => {
    await expect(createRegistry({ connectionString: 'UseDevelopmentStorage=true' }, { tablePrefix: '1bad', pool: { supernet: '10.99.0.0/16' } }))
      .rejects.toThrow(/tablePrefix: must be 1\.\.40 letters\/digits/);
  });
});

describe('row keys', () => {
  it('escapes every character Table Storage forbids, injectively', () => {
    expect(escapeKeyPart('aks-1.prod')).toBe('aks-1.prod');
    expect(escapeKeyPart('a/b#c?d\\e_f é')).toBe('a_2Fb_23c_3Fd_5Ce_5Ff_20_C3_A9');
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      expect(escapeKeyPart(a)).toMatch(/^[A-Za-z0-9._-]*$/);
      if (a !== b) expect(escapeKeyPart(a)).not.toBe(escapeKeyPart(b));
    }));
  });
});
