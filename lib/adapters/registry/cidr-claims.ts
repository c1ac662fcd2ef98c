/**
 * CIDR claims of one egress pool in Table Storage. Design and storage-operation counts:
 * ./README.md. In short, one partition per pool holds
 *   - `index`: the pool's /31 occupancy bitmap (allocated + quarantined), guarded by its ETag;
 *   - `t:<cluster>:<name>`: the tenant's current block (the idempotency point read);
 *   - `b:<address>`: the block's claim (tenant, state allocated|quarantined).
 * An allocation reads the tenant row and the index, picks the best-fit block with the pure
 * domain math, and commits index + block row + tenant row in ONE entity-group transaction: the
 * index write is conditional on its ETag and both inserts fail if the rows exist, so a lost race
 * changes nothing and is retried. No operation reads more than a fixed number of rows.
 */
import { odata, type TableClient, type TableTransactionResponse, type TransactionAction } from '@azure/data-tables';
import { blockSize, formatCidr, parseCidr, type Cidr } from '../../domain/cidr';
import { bestFitCandidates, PoolExhaustedError, poolUsage, remainingCapacity } from '../../domain/cidr-allocation';
import { OccupancyBitmap, UNIT_PREFIX_LENGTH } from '../../domain/cidr-bitmap';
import { AllocationContentionError, ClaimStateError, ConcurrencyError, CorruptRecordError, isConflict, isNotFound, isPreconditionFailed } from './errors';
import { assertTenantKey, BLOCK_ROW_RANGE, blockRowKey, describeTenant, INDEX_ROW_KEY, poolPartitionKey, tenantClaimRowKey, type TenantKey } from './keys';
import type { Page, PageOptions } from './tenant-registry';

export type ClaimState = 'allocated' | 'quarantined';

export interface BlockClaim {
  readonly cidr: string;
  readonly tenant: TenantKey;
  readonly state: ClaimState;
  readonly allocatedAt: string;
  readonly releasedAt?: string;
}

export interface PoolReport {
  readonly supernet: string;
  readonly capacityAddresses: number;
  /** Allocated, quarantined and reserved addresses together. */
  readonly takenAddresses: number;
  readonly freeAddresses: number;
  readonly largestFree: string | undefined;
  /** How many more blocks of `prefixLength` fit (when asked). */
  readonly remainingBlocks?: number;
}

export interface CidrClaims {
  /** The pool this instance allocates from, e.g. 10.99.0.0/16. */
  readonly supernet: string;
  /**
   * The tenant's block: its existing one (`existing: true`, whatever prefixLength it was asked for
   * now), else a new best-fit block of `prefixLength`. Throws PoolExhaustedError with the counts.
   */
  allocate(tenant: TenantKey, prefixLength: number): Promise<{ cidr: string; existing: boolean }>;
  /** The tenant's current (allocated) block, if any. One point read. */
  get(tenant: TenantKey): Promise<string | undefined>;
  /** The claim of exactly this block, if any. */
  getBlock(cidr: string): Promise<BlockClaim | undefined>;
  /**
   * Moves the tenant's block to quarantine: it stays taken (never handed out) until
   * confirmWithdrawn. Returns the quarantined block, or undefined when the tenant held none.
   */
  release(tenant: TenantKey): Promise<string | undefined>;
  /**
   * Told that the block's routes are withdrawn: frees a quarantined block. True when freed now,
   * false when there was no claim (already freed). ClaimStateError when it is still allocated.
   */
  confirmWithdrawn(cidr: string): Promise<boolean>;
  /** Claims in address order, optionally only one state; paged. */
  list(options?: PageOptions & { state?: ClaimState }): Promise<Page<BlockClaim>>;
  /** Occupancy counts (one point read), for the capacity check before onboarding. */
  usage(prefixLength?: number): Promise<PoolReport>;
}

export interface PoolOptions {
  /** The egress supernet (EGRESS_SUPERNET), /12 or smaller. */
  readonly supernet: string;
  /** Never handed out (EGRESS_RESERVED_CIDRS). */
  readonly reserved?: readonly string[];
}

export interface RetryTuning {
  /** Races an allocation may lose before AllocationContentionError. Default 200. */
  readonly maxAttempts?: number;
  /** Full-jitter backoff between races: random(0, min(maxDelayMs, baseDelayMs·2^attempt)). Defaults 2 and 100. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

// Base64 bitmap chunks stay below the 64 KiB string-property limit (32K UTF-16 characters).
const BITMAP_CHUNK_CHARS = 30_000;

interface IndexState {
  readonly bitmap: OccupancyBitmap;
  readonly etag: string;
}

interface TenantClaimRow {
  readonly cidr: string;
}

export class TableCidrClaims implements CidrClaims {
  readonly supernet: string;
  private readonly pool: Cidr;
  private readonly reserved: Cidr[];
  private readonly pk: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly table: TableClient,
    options: PoolOptions,
    private readonly clock: () => Date = () => new Date(),
    tuning: RetryTuning = {},
  ) {
    this.pool = parseCidr(options.supernet, { strict: true });
    OccupancyBitmap.byteLength(this.pool); // validates the supernet size early
    this.supernet = formatCidr(this.pool);
    this.reserved = (options.reserved ?? []).map((r) => parseCidr(r, { strict: true }));
    this.pk = poolPartitionKey(this.pool);
    this.maxAttempts = tuning.maxAttempts ?? 200;
    this.baseDelayMs = tuning.baseDelayMs ?? 2;
    this.maxDelayMs = tuning.maxDelayMs ?? 100;
    this.random = tuning.random ?? Math.random;
    this.sleep = tuning.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async allocate(tenant: TenantKey, prefixLength: number): Promise<{ cidr: string; existing: boolean }> {
    assertTenantKey(tenant);
    if (!Number.isInteger(prefixLength) || prefixLength < this.pool.prefixLength || prefixLength > UNIT_PREFIX_LENGTH) {
      throw new RangeError(`prefixLength: must be an integer ${this.pool.prefixLength}..${UNIT_PREFIX_LENGTH} for pool ${this.supernet}, got ${prefixLength}`);
    }
    let checkTenant = true;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (checkTenant) {
        const held = await this.readTenantClaim(tenant); // 1 point read
        if (held) return { cidr: held.cidr, existing: true };
      }
      const index = await this.readIndex(); // 1 point read (plus 1 insert, once per pool's lifetime)
      const [block] = bestFitCandidates({ supernet: this.pool, used: index.bitmap.takenBlocks(), reserved: this.reserved, prefixLength }, 1);
      if (!block) {
        throw new PoolExhaustedError(this.pool, prefixLength, poolUsage(this.pool, [...index.bitmap.takenBlocks(), ...this.reserved]));
      }
      const cidr = formatCidr(block);
      const now = this.clock().toISOString();
      const actions: TransactionAction[] = [
        ['update', this.indexEntity(index.bitmap.with(block, true)), 'Replace', { etag: index.etag }],
        ['create', { partitionKey: this.pk, rowKey: blockRowKey(block), cidr, cluster: tenant.cluster, name: tenant.name, state: 'allocated', allocatedAt: now }],
        ['create', { partitionKey: this.pk, rowKey: tenantClaimRowKey(tenant), cidr, allocatedAt: now }],
      ];
      const outcome = await this.commit(actions); // 1 transaction
      if (outcome === 'committed') return { cidr, existing: false };
      // Only a row conflict can mean the tenant got a block meanwhile; a stale index just needs re-reading.
      checkTenant = outcome === 'conflict';
      await this.backoff(attempt);
    }
    throw new AllocationContentionError(this.maxAttempts, describeTenant(tenant));
  }

  async get(tenant: TenantKey): Promise<string | undefined> {
    return (await this.readTenantClaim(tenant))?.cidr;
  }

  async getBlock(cidr: string): Promise<BlockClaim | undefined> {
    const block = parseCidr(cidr, { strict: true });
    const row = await this.readBlockRow(block);
    return row && row.claim.cidr === formatCidr(block) ? row.claim : undefined;
  }

  async release(tenant: TenantKey): Promise<string | undefined> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const held = await this.readTenantClaim(tenant);
      if (!held) return undefined;
      const block = parseCidr(held.cidr, { strict: true });
      const actions: TransactionAction[] = [
        // Transactional deletes are unconditional; a concurrent release makes this one fail (404) and re-read.
        ['delete', { partitionKey: this.pk, rowKey: tenantClaimRowKey(tenant) }],
        ['update', { partitionKey: this.pk, rowKey: blockRowKey(block), state: 'quarantined', releasedAt: this.clock().toISOString() }, 'Merge', { etag: '*' }],
      ];
      const outcome = await this.commit(actions);
      if (outcome === 'committed') return held.cidr;
      // A conflict is a concurrent release (the next read sees no tenant row) or a block row that is gone.
      if (outcome === 'conflict' && (await this.readTenantClaim(tenant)) && !(await this.readBlockRow(block))) {
        throw new CorruptRecordError(`claim of ${describeTenant(tenant)}`, `it names ${held.cidr}, which has no block row`);
      }
      await this.backoff(attempt);
    }
    throw new ConcurrencyError(`claim of ${describeTenant(tenant)}`);
  }

  async confirmWithdrawn(cidr: string): Promise<boolean> {
    const block = parseCidr(cidr, { strict: true });
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const row = await this.readBlockRow(block);
      if (!row) return false;
      if (row.claim.cidr !== formatCidr(block)) throw new ClaimStateError(`${formatCidr(block)} is not a claimed block; the claim at that address is ${row.claim.cidr}`);
      if (row.claim.state !== 'quarantined') {
        throw new ClaimStateError(`${row.claim.cidr} is still allocated to ${describeTenant(row.claim.tenant)}; release it before confirming its routes are withdrawn`);
      }
      const index = await this.readIndex();
      const actions: TransactionAction[] = [
        ['update', this.indexEntity(index.bitmap.with(block, false)), 'Replace', { etag: index.etag }],
        // The block row can only be deleted or re-created together with an index change, which the
        // index ETag above catches; quarantined never goes back to allocated. So this delete is safe unconditional.
        ['delete', { partitionKey: this.pk, rowKey: blockRowKey(block) }],
      ];
      if ((await this.commit(actions)) === 'committed') return true;
      await this.backoff(attempt);
    }
    throw new ConcurrencyError(`pool index of ${this.supernet}`);
  }

  async list(options: PageOptions & { state?: ClaimState } = {}): Promise<Page<BlockClaim>> {
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError(`pageSize: must be 1..1000, got ${pageSize}`);
    let filter = odata`PartitionKey eq ${this.pk} and RowKey ge ${BLOCK_ROW_RANGE.from} and RowKey lt ${BLOCK_ROW_RANGE.to}`;
    if (options.state) filter += ` and ${odata`state eq ${options.state}`}`;
    const pages = this.table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: pageSize, ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}) });
    const next = await pages.next();
    if (next.done || !next.value) return { items: [] };
    const items = next.value.map((e) => toBlockClaim(e));
    const token = next.value.continuationToken;
    return token ? { items, continuationToken: token } : { items };
  }

  async usage(prefixLength?: number): Promise<PoolReport> {
    const index = await this.readIndex();
    const taken = [...index.bitmap.takenBlocks(), ...this.reserved];
    const u = poolUsage(this.pool, taken);
    const capacity = blockSize(this.pool.prefixLength);
    return {
      supernet: this.supernet,
      capacityAddresses: capacity,
      takenAddresses: capacity - u.freeAddresses,
      freeAddresses: u.freeAddresses,
      largestFree: u.largestFree ? formatCidr(u.largestFree) : undefined,
      ...(prefixLength !== undefined ? { remainingBlocks: remainingCapacity(this.pool, taken, prefixLength) } : {}),
    };
  }

  /**
   * Runs the transaction. A lost race writes nothing and says why: `conflict` (a row to insert
   * exists, or one to change is gone) or `stale` (the index changed since it was read).
   */
  private async commit(actions: TransactionAction[]): Promise<'committed' | 'conflict' | 'stale'> {
    try {
      const response: TableTransactionResponse = await this.table.submitTransaction(actions);
      if (response.status >= 200 && response.status < 300) return 'committed';
      throw new Error(`transaction on pool ${this.supernet} answered ${response.status}`);
    } catch (error) {
      if (isPreconditionFailed(error)) return 'stale';
      if (isConflict(error) || isNotFound(error)) return 'conflict';
      throw error;
    }
  }

  private async backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(attempt, 20));
    await this.sleep(this.random() * ceiling);
  }

  private async readTenantClaim(tenant: TenantKey): Promise<TenantClaimRow | undefined> {
    try {
      const e = await this.table.getEntity<Record<string, unknown>>(this.pk, tenantClaimRowKey(tenant));
      if (typeof e.cidr !== 'string') throw new CorruptRecordError(`claim of ${describeTenant(tenant)}`, 'cidr: missing');
      return { cidr: e.cidr };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async readBlockRow(block: Cidr): Promise<{ claim: BlockClaim } | undefined> {
    try {
      const e = await this.table.getEntity<Record<string, unknown>>(this.pk, blockRowKey(block));
      return { claim: toBlockClaim(e) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Reads the pool index, creating an empty one the first time the pool is used. */
  private async readIndex(): Promise<IndexState> {
    for (;;) {
      try {
        const e = await this.table.getEntity<Record<string, unknown>>(this.pk, INDEX_ROW_KEY);
        return { bitmap: this.decodeBitmap(e), etag: e.etag };
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      try {
        const empty = OccupancyBitmap.empty(this.pool);
        const created = await this.table.createEntity(this.indexEntity(empty));
        return { bitmap: empty, etag: created.etag ?? '' };
      } catch (error) {
        if (!isConflict(error)) throw error; // someone else created it: read theirs
      }
    }
  }

  private indexEntity(bitmap: OccupancyBitmap): Record<string, unknown> & { partitionKey: string; rowKey: string } {
    const encoded = Buffer.from(bitmap.toBytes()).toString('base64');
    const chunks = Math.max(1, Math.ceil(encoded.length / BITMAP_CHUNK_CHARS));
    const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
      partitionKey: this.pk, rowKey: INDEX_ROW_KEY, supernet: this.supernet, unitPrefixLength: UNIT_PREFIX_LENGTH, chunks,
    };
    for (let i = 0; i < chunks; i++) entity[`bits${i}`] = encoded.slice(i * BITMAP_CHUNK_CHARS, (i + 1) * BITMAP_CHUNK_CHARS);
    return entity;
  }

  private decodeBitmap(e: Record<string, unknown>): OccupancyBitmap {
    const what = `pool index of ${this.supernet}`;
    if (e.supernet !== this.supernet || e.unitPrefixLength !== UNIT_PREFIX_LENGTH || typeof e.chunks !== 'number') {
      throw new CorruptRecordError(what, `expected supernet ${this.supernet} with /${UNIT_PREFIX_LENGTH} units, found ${String(e.supernet)} /${String(e.unitPrefixLength)}`);
    }
    let encoded = '';
    for (let i = 0; i < e.chunks; i++) {
      const part = e[`bits${i}`];
      if (typeof part !== 'string') throw new CorruptRecordError(what, `bits${i}: missing`);
      encoded += part;
    }
    try {
      return OccupancyBitmap.fromBytes(this.pool, Buffer.from(encoded, 'base64'));
    } catch (error) {
      throw new CorruptRecordError(what, error instanceof Error ? error.message : String(error));
    }
  }
}

function toBlockClaim(e: Record<string, unknown>): BlockClaim {
  const { cidr, cluster, name, state, allocatedAt, releasedAt } = e;
  if (typeof cidr !== 'string' || typeof cluster !== 'string' || typeof name !== 'string' || typeof allocatedAt !== 'string' ||
    (state !== 'allocated' && state !== 'quarantined')) {
    throw new CorruptRecordError(`block row ${String(e.rowKey)}`, 'expected cidr, cluster, name, allocatedAt and state allocated|quarantined');
  }
  return { cidr, tenant: { cluster, name }, state, allocatedAt, ...(typeof releasedAt === 'string' ? { releasedAt } : {}) };
}

