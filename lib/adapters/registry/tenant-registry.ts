/**
 * Tenant records in Table Storage: one row per (cluster, name), partitioned by cluster.
 * Updates are guarded by the row's ETag (optimistic concurrency): a writer that read a stale
 * record gets ConcurrencyError instead of silently overwriting someone else's change.
 */
import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { z } from 'zod';
import { ConcurrencyError, CorruptRecordError, isConflict, isNotFound, isPreconditionFailed } from './errors';
import { assertTenantKey, describeTenant, escapeKeyPart, type TenantKey } from './keys';

export const TENANT_PHASES = [
  'Pending', 'Allocating', 'ApplyingGateway', 'WaitingForRoutes', 'OpeningFirewall', 'Ready', 'Updating', 'Deleting', 'Deleted', 'Failed', 'Degraded',
] as const;
export type TenantPhase = (typeof TENANT_PHASES)[number];

export interface TenantError {
  readonly message: string;
  /** The lifecycle step that failed, e.g. "WaitingForRoutes". */
  readonly step?: string;
  /** ISO timestamp. */
  readonly at: string;
}

/** A tenant as stored. `Spec` is opaque here: any JSON-serialisable value (the domain's TenantSpec). */
export interface TenantRecord<Spec = unknown> {
  readonly key: TenantKey;
  readonly spec: Spec;
  /** A digest of the spec chosen by the caller, so "did the desired state change?" is a string compare. */
  readonly specFingerprint: string;
  /** Bumped each time the fingerprint changes (1 on create). */
  readonly generation: number;
  readonly phase: TenantPhase;
  readonly cidr: string | undefined;
  readonly lastError: TenantError | undefined;
  /**
   * The spec whose resources are in place and working (set when a lifecycle reaches Ready), or
   * undefined while nothing serves (onboarding, Failed, Deleted). Differs from `spec` while an
   * update runs: a failed update restores it, so the tenant keeps what worked.
   */
  readonly servingSpec: Spec | undefined;
  readonly servingFingerprint: string | undefined;
  /**
   * Bumped by each lifecycle (and drift repair) when it starts: activities carry the run they
   * belong to and refuse once a newer one holds the tenant, so a late activity of a terminated
   * lifecycle cannot recreate what a newer one removed.
   */
  readonly lifecycleRun: number;
  /** ISO timestamps from the registry's clock. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Pass the record back to `update`/`delete`: its ETag guards the write. */
  readonly etag: string;
}

export interface NewTenant<Spec> {
  readonly spec: Spec;
  readonly specFingerprint: string;
  /** Default Pending. */
  readonly phase?: TenantPhase;
}

/** What to change; absent fields keep their value, `null` clears `cidr`/`lastError`. */
export interface TenantChange<Spec> {
  readonly spec?: { readonly value: Spec; readonly fingerprint: string };
  readonly phase?: TenantPhase;
  readonly cidr?: string | null;
  readonly lastError?: TenantError | null;
  /** `null`: nothing serves; `'spec'`: the (new) spec now serves. */
  readonly servingSpec?: 'spec' | null;
  readonly lifecycleRun?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Present when more items follow: pass it back to get the next page. */
  readonly continuationToken?: string;
}

export interface PageOptions {
  /** At most 1000 (Table Storage's page limit). Default 100. */
  readonly pageSize?: number;
  readonly continuationToken?: string;
}

/** Follows continuation tokens to the end: every item of a paged listing, in order. */
export async function everyItem<T>(listPage: (page: PageOptions) => Promise<Page<T>>, pageSize = 1000): Promise<T[]> {
  const items: T[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await listPage({ pageSize, continuationToken });
    items.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return items;
}

export interface TenantRegistry<Spec = unknown> {
  /** Inserts the tenant unless it exists; on conflict returns the stored record with `created: false`. */
  createIfAbsent(key: TenantKey, init: NewTenant<Spec>): Promise<{ record: TenantRecord<Spec>; created: boolean }>;
  get(key: TenantKey): Promise<TenantRecord<Spec> | undefined>;
  /** Writes `change` over `current`, only if the row still has `current.etag`; else ConcurrencyError. */
  update(current: TenantRecord<Spec>, change: TenantChange<Spec>): Promise<TenantRecord<Spec>>;
  listByCluster(cluster: string, page?: PageOptions): Promise<Page<TenantRecord<Spec>>>;
  /** Every tenant of every cluster (drift check), paged. */
  listAll(page?: PageOptions): Promise<Page<TenantRecord<Spec>>>;
  /** Tenants whose phase is none of `settled` (a server-side filter: the settled majority is never read), paged. */
  listExceptPhases(settled: readonly TenantPhase[], page?: PageOptions): Promise<Page<TenantRecord<Spec>>>;
  /** Deletes the row; with `etag`, only if unchanged (else ConcurrencyError). False when it did not exist. */
  delete(key: TenantKey, etag?: string): Promise<boolean>;
}

/** What a row holds besides its key. */
type StoredTenant<Spec> = Omit<TenantRecord<Spec>, 'key' | 'etag'>;

function serving<Spec>(current: TenantRecord<Spec>, change: TenantChange<Spec>): { servingSpec: Spec | undefined; servingFingerprint: string | undefined } {
  if (change.servingSpec === null) return { servingSpec: undefined, servingFingerprint: undefined };
  if (change.servingSpec === 'spec') {
    return change.spec ? { servingSpec: change.spec.value, servingFingerprint: change.spec.fingerprint } : { servingSpec: current.spec, servingFingerprint: current.specFingerprint };
  }
  return { servingSpec: current.servingSpec, servingFingerprint: current.servingFingerprint };
}

function writeChunks(entity: Entity, prefix: string, value: unknown, key: TenantKey): number {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`tenant ${describeTenant(key)}: ${prefix} is not JSON-serialisable`);
  const chunks = Math.max(1, Math.ceil(json.length / SPEC_CHUNK_CHARS));
  if (chunks > MAX_SPEC_CHUNKS) throw new RangeError(`tenant ${describeTenant(key)}: ${prefix} is ${json.length} characters, over ${MAX_SPEC_CHUNKS * SPEC_CHUNK_CHARS}`);
  for (let i = 0; i < chunks; i++) entity[`${prefix}${i}`] = json.slice(i * SPEC_CHUNK_CHARS, (i + 1) * SPEC_CHUNK_CHARS);
  return chunks;
}

function readChunks(entity: Record<string, unknown>, prefix: string, chunks: number, what: string): unknown {
  let json = '';
  for (let i = 0; i < chunks; i++) {
    const part = entity[`${prefix}${i}`];
    if (typeof part !== 'string') throw new CorruptRecordError(what, `${prefix}${i}: missing`);
    json += part;
  }
  return JSON.parse(json);
}

// A string property holds at most 64 KiB (32K UTF-16 characters): long specs are split over several.
const SPEC_CHUNK_CHARS = 30_000;
const MAX_SPEC_CHUNKS = 30; // ~900K characters, inside the 1 MiB entity limit

const storedRow = z.object({
  cluster: z.string(),
  name: z.string(),
  specChunks: z.number().int().min(1).max(MAX_SPEC_CHUNKS),
  specFingerprint: z.string(),
  generation: z.number().int().min(1),
  phase: z.enum(TENANT_PHASES),
  cidr: z.string().optional(),
  lastError: z.string().optional(),
  /** Absent: nothing serves; equal to specFingerprint: the spec serves; else the serving spec is in `serving<i>`. */
  servingFingerprint: z.string().optional(),
  servingChunks: z.number().int().min(1).max(MAX_SPEC_CHUNKS).optional(),
  lifecycleRun: z.number().int().min(0).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const storedError = z.object({ message: z.string(), step: z.string().optional(), at: z.string() });

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

export class TableTenantRegistry<Spec = unknown> implements TenantRegistry<Spec> {
  constructor(private readonly table: TableClient, private readonly clock: () => Date = () => new Date()) {}

  async createIfAbsent(key: TenantKey, init: NewTenant<Spec>): Promise<{ record: TenantRecord<Spec>; created: boolean }> {
    assertTenantKey(key);
    const now = this.clock().toISOString();
    const entity = this.toEntity(key, {
      spec: init.spec, specFingerprint: init.specFingerprint, generation: 1, phase: init.phase ?? 'Pending',
      cidr: undefined, lastError: undefined, servingSpec: undefined, servingFingerprint: undefined, lifecycleRun: 0, createdAt: now, updatedAt: now,
    });
    try {
      const response = await this.table.createEntity(entity);
      return { record: this.fromEntity({ ...entity, etag: response.etag ?? '' }), created: true };
    } catch (error) {
      if (!isConflict(error)) throw error;
      const existing = await this.get(key);
      // Deleted between our insert and read: the caller may simply try again.
      if (!existing) throw new ConcurrencyError(`tenant ${describeTenant(key)}`);
      return { record: existing, created: false };
    }
  }

  async get(key: TenantKey): Promise<TenantRecord<Spec> | undefined> {
    try {
      return this.fromEntity(await this.table.getEntity<Record<string, unknown>>(escapeKeyPart(key.cluster), escapeKeyPart(key.name)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async update(current: TenantRecord<Spec>, change: TenantChange<Spec>): Promise<TenantRecord<Spec>> {
    const specChanged = change.spec !== undefined && change.spec.fingerprint !== current.specFingerprint;
    const next = {
      spec: change.spec ? change.spec.value : current.spec,
      specFingerprint: change.spec ? change.spec.fingerprint : current.specFingerprint,
      generation: current.generation + (specChanged ? 1 : 0),
      phase: change.phase ?? current.phase,
      cidr: change.cidr === null ? undefined : change.cidr ?? current.cidr,
      lastError: change.lastError === null ? undefined : change.lastError ?? current.lastError,
      ...serving(current, change),
      lifecycleRun: change.lifecycleRun ?? current.lifecycleRun,
      createdAt: current.createdAt,
      updatedAt: this.clock().toISOString(),
    };
    const entity = this.toEntity(current.key, next);
    try {
      const response = await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
      return this.fromEntity({ ...entity, etag: response.etag ?? '' });
    } catch (error) {
      if (isPreconditionFailed(error) || isNotFound(error)) throw new ConcurrencyError(`tenant ${describeTenant(current.key)}`);
      throw error;
    }
  }

  listByCluster(cluster: string, page: PageOptions = {}): Promise<Page<TenantRecord<Spec>>> {
    return this.list(odata`PartitionKey eq ${escapeKeyPart(cluster)}`, page);
  }

  listAll(page: PageOptions = {}): Promise<Page<TenantRecord<Spec>>> {
    return this.list(undefined, page);
  }

  listExceptPhases(settled: readonly TenantPhase[], page: PageOptions = {}): Promise<Page<TenantRecord<Spec>>> {
    const filter = settled.map((phase) => odata`phase ne ${phase}`).join(' and ');
    return this.list(filter || undefined, page);
  }

  async delete(key: TenantKey, etag?: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(escapeKeyPart(key.cluster), escapeKeyPart(key.name), etag ? { etag } : {});
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (isPreconditionFailed(error)) throw new ConcurrencyError(`tenant ${describeTenant(key)}`);
      throw error;
    }
  }

  private async list(filter: string | undefined, page: PageOptions): Promise<Page<TenantRecord<Spec>>> {
    const pageSize = page.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError(`pageSize: must be 1..1000, got ${pageSize}`);
    const pages = this.table
      .listEntities<Record<string, unknown>>(filter ? { queryOptions: { filter } } : {})
      .byPage({ maxPageSize: pageSize, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) });
    const next = await pages.next();
    if (next.done || !next.value) return { items: [] };
    const items = next.value.map((entity) => this.fromEntity(entity));
    const token = next.value.continuationToken;
    return token ? { items, continuationToken: token } : { items };
  }

  private toEntity(key: TenantKey, r: StoredTenant<Spec>): Entity {
    const entity: Entity = {
      partitionKey: escapeKeyPart(key.cluster), rowKey: escapeKeyPart(key.name),
      cluster: key.cluster, name: key.name, specChunks: 0, specFingerprint: r.specFingerprint,
      generation: r.generation, phase: r.phase, lifecycleRun: r.lifecycleRun, createdAt: r.createdAt, updatedAt: r.updatedAt,
    };
    const specChunks = writeChunks(entity, 'spec', r.spec, key);
    let servingChunks = 0;
    entity.specChunks = specChunks;
    // The serving spec is stored only while it differs from the spec (during an update): one copy otherwise.
    if (r.servingFingerprint !== undefined) {
      entity.servingFingerprint = r.servingFingerprint;
      if (r.servingFingerprint !== r.specFingerprint) entity.servingChunks = servingChunks = writeChunks(entity, 'serving', r.servingSpec, key);
    }
    if (specChunks + servingChunks > MAX_SPEC_CHUNKS) {
      throw new RangeError(`tenant ${describeTenant(key)}: spec and serving spec together are over ${MAX_SPEC_CHUNKS * SPEC_CHUNK_CHARS} characters`);
    }
    if (r.cidr !== undefined) entity.cidr = r.cidr;
    if (r.lastError !== undefined) entity.lastError = JSON.stringify(r.lastError);
    return entity;
  }

  private fromEntity(entity: TableEntityResult<Record<string, unknown>> | (Entity & { etag: string })): TenantRecord<Spec> {
    const what = `tenant row ${entity.partitionKey}/${entity.rowKey}`;
    const parsed = storedRow.safeParse(entity);
    if (!parsed.success) throw new CorruptRecordError(what, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const row = parsed.data;
    const spec = readChunks(entity, 'spec', row.specChunks, what) as Spec;
    let servingSpec: Spec | undefined;
    let servingFingerprint = row.servingFingerprint;
    // Rows written before the serving spec existed: a Ready tenant serves its spec.
    if (servingFingerprint === undefined && row.phase === 'Ready') servingFingerprint = row.specFingerprint;
    if (servingFingerprint !== undefined) {
      if (servingFingerprint === row.specFingerprint) servingSpec = spec;
      else if (row.servingChunks !== undefined) servingSpec = readChunks(entity, 'serving', row.servingChunks, what) as Spec;
      else throw new CorruptRecordError(what, 'servingChunks: missing');
    }
    let lastError: TenantError | undefined;
    if (row.lastError !== undefined) {
      const e = storedError.safeParse(JSON.parse(row.lastError));
      if (!e.success) throw new CorruptRecordError(what, `lastError: ${e.error.issues[0]?.message ?? 'invalid'}`);
      lastError = e.data;
    }
    return {
      key: { cluster: row.cluster, name: row.name },
      spec,
      specFingerprint: row.specFingerprint,
      servingSpec,
      servingFingerprint,
      lifecycleRun: row.lifecycleRun ?? 0,
      generation: row.generation,
      phase: row.phase,
      cidr: row.cidr,
      lastError,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      etag: entity.etag ?? '',
    };
  }
}
