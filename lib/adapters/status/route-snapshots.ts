import { gunzipSync, gzipSync } from 'node:zlib';
import type { TableClient } from '@azure/data-tables';
import { describeFailure, isNotFound } from '../errors';

/**
 * Shared, time-stamped snapshots of what Route Server learned (per cluster, and over every BGP
 * connection), in Table storage, so every tenant waiting on a cluster reads one row instead of
 * asking ARM: ARM calls per poll interval do not grow with the number of waiting tenants.
 *
 * A snapshot is refreshed only when it is older than the poll interval, or older than the moment
 * its reader needs (`notBefore`), and by one refresher at a time: the refresher claims the row with
 * a conditional write on its ETag (a lost race means somebody else is reading ARM; the reader waits).
 * `takenAt` is the time just before the refresh's first read, so everything in it is at least that fresh.
 */
export interface SnapshotRow {
  takenAt?: number;
  /** A refresher's claim runs until then (epoch ms); 0 or absent = nobody refreshing. */
  claimUntil?: number;
  /** When the newest tenant waiting on this view began waiting, as far as a refresh has recorded (epoch ms). */
  cadenceFrom?: number;
}

export type SnapshotVerdict = 'use' | 'refresh' | 'wait';

/**
 * What a reader does with the stored row (pure). Use it when it is recent enough for this reader
 * (taken at or after `notBefore`) and younger than `maxAgeMs`; while another refresher holds a live
 * claim, use one that is recent enough even if old, else wait; otherwise refresh it.
 */
export function snapshotVerdict(row: SnapshotRow | undefined, now: number, maxAgeMs: number, notBefore: number): SnapshotVerdict {
  return verdictFrom(row, now, now - maxAgeMs, notBefore);
}

/** As snapshotVerdict, with freshness given as the earliest `takenAt` the reader accepts. */
function verdictFrom(row: SnapshotRow | undefined, now: number, acceptedFrom: number, notBefore: number): SnapshotVerdict {
  const fitting = row?.takenAt !== undefined && row.takenAt >= notBefore;
  if (fitting && row!.takenAt! >= acceptedFrom) return 'use';
  if ((row?.claimUntil ?? 0) > now) return fitting ? 'use' : 'wait';
  return 'refresh';
}

/** The route poll's backoff: the interval doubles from `initialMs` up to `maxMs` (orchestrations/polling.ts). */
export interface WaitCadence {
  initialMs: number;
  maxMs: number;
}

/**
 * The start of the cluster's current refresh cell: the cells are the poll schedule of a tenant that began waiting at
 * `from` (0, i, 3i, 7i, … then every `maxMs`), so a cell is as long as that tenant's current poll interval.
 */
export function cadenceCellStart(now: number, from: number, cadence: WaitCadence): number {
  let start = from;
  let interval = Math.max(1, cadence.initialMs);
  while (start + interval <= now) {
    start += interval;
    if (interval >= cadence.maxMs) return start + Math.floor((now - start) / interval) * interval;
    interval = Math.min(interval * 2, Math.max(cadence.maxMs, 1));
  }
  return start;
}

/**
 * The earliest snapshot (`takenAt`) a tenant waiting for routes since `waitingSince` accepts (pure). The refresh
 * cadence is the cluster's, not each reader's: cells follow the poll schedule of the newest waiter (the row's
 * `cadenceFrom`), and a tenant that has waited longer accepts any snapshot of the current cell, so a cluster is
 * refreshed about once per cell however many tenants wait and at whatever backoff stage their polls are. With each
 * reader's own rule, readers at different stages each triggered refreshes: 100 waiting tenants cost twice the
 * ARM reads of 10. A cell is no longer than such a tenant's own poll interval (it has waited longer than the newest),
 * so what sharing adds to its wait stays within one of its intervals. The newest waiter (and a lone one) keeps its
 * own rule (waitingReaderMaxAgeMs: its previous read is older than that, so each of its polls refreshes): it is
 * never slower than alone, and its refreshes are the ones that start the cells.
 */
export function waitingReaderAcceptsFrom(row: SnapshotRow | undefined, now: number, waitingSince: number, cadence: WaitCadence): number {
  const from = row?.cadenceFrom;
  if (from === undefined || waitingSince >= from) return now - waitingReaderMaxAgeMs(now - waitingSince, cadence.initialMs, cadence.maxMs);
  // One younger than the initial interval always serves (no second refresh just after a cell began).
  return Math.min(now - cadence.initialMs, cadenceCellStart(now, from, cadence));
}

/**
 * How old a snapshot a tenant waiting for routes accepts: half the poll interval its wait has backed off to. The
 * interval doubles from `initialMs` up to `maxMs`, so after waiting `waitedMs` it is about half of that; a reader
 * alone on a cluster still refreshes at every poll (its own previous read is a whole interval old). Without this,
 * every backed-off reader asked for a snapshot younger than the initial interval, so refreshes per interval grew
 * with the readers until nearly every interval had one: 10 waiting tenants cost fewer ARM reads than 100. With it,
 * refreshes follow the most eager reader's interval, not the number of readers. Half, not all of it: what a
 * shared snapshot adds to a tenant's wait for its routes stays within half an interval.
 */
export function waitingReaderMaxAgeMs(waitedMs: number, initialMs: number, maxMs: number): number {
  return Math.max(initialMs, Math.min(maxMs / 2, waitedMs / 4));
}

export type SnapshotRead<T> =
  | { kind: 'snapshot'; takenAt: number; value: T; refreshed: boolean }
  | { kind: 'waiting'; reason: string };

interface Entity extends SnapshotRow {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  parts?: number;
  [part: `p${number}`]: Uint8Array | undefined;
}

/** A Table property holds 64 KiB and an entity 1 MiB: parts of 60,000 bytes, at most 15. */
const PART_BYTES = 60_000;
const MAX_PARTS = 15;
const SNAPSHOTS = 'snapshot';
const WAITS = 'wait';

export interface RouteSnapshotOptions {
  /** Refresh when older than this: the route poll interval. */
  maxAgeMs: number;
  /** How long a refresher's claim holds before another may take over (a crashed refresher). */
  claimTtlMs?: number;
  now?: () => number;
}

export class RouteSnapshotStore {
  private readonly maxAgeMs: number;
  private readonly claimTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly table: TableClient, options: RouteSnapshotOptions) {
    this.maxAgeMs = options.maxAgeMs;
    // Short: a refresh is a few reads (seconds), and a refresher that crashed must not stall every waiting
    // tenant's route check for long (a host SIGKILL mid-refresh once failed an onboarding at its deadline).
    // A refresh that outlives its claim only costs a duplicate read by the next refresher.
    this.claimTtlMs = options.claimTtlMs ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Like `read`, but a reader that is not in a hurry (the drift check) waits out another refresher for up to
   * `waitMs` instead of answering `waiting`: longer than the claim TTL, a crashed refresher's claim lapses and
   * this reader takes over.
   */
  async readPatiently<T>(key: string, notBefore: number, refresh: (previous: T | undefined) => Promise<T>, waitMs: number, pollMs = 500): Promise<SnapshotRead<T>> {
    const deadline = this.now() + waitMs;
    for (;;) {
      const read = await this.read(key, notBefore, refresh);
      if (read.kind === 'snapshot' || this.now() >= deadline) return read;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** How long a reader waits out another refresher before the claim of a crashed one has lapsed. */
  get patienceMs(): number {
    return this.claimTtlMs + 5_000;
  }

  /**
   * The snapshot `key` taken at or after `notBefore`: the stored one, or a new one read by `refresh`
   * if this caller wins the claim, or `waiting` while another refresher is at work. `refresh` gets the
   * stored value (if any) to reuse what need not be read every time. `maxAgeMs`: how old a snapshot this reader
   * accepts, at least the store's (a backed-off waiting tenant, see waitingReaderMaxAgeMs).
   */
  async read<T>(key: string, notBefore: number, refresh: (previous: T | undefined) => Promise<T>, maxAgeMs = this.maxAgeMs): Promise<SnapshotRead<T>> {
    return this.readAccepting(key, notBefore, refresh, (_row, now) => now - Math.max(this.maxAgeMs, maxAgeMs));
  }

  /**
   * The read of a tenant waiting for routes since `notBefore`: the refresh cadence is the view's, not the reader's
   * (waitingReaderAcceptsFrom), and a refresh it makes records the newest wait it has seen (`cadenceFrom`).
   */
  async readWaiting<T>(key: string, notBefore: number, refresh: (previous: T | undefined) => Promise<T>, cadence: WaitCadence): Promise<SnapshotRead<T>> {
    return this.readAccepting(key, notBefore, refresh, (row, now) => Math.min(now - this.maxAgeMs, waitingReaderAcceptsFrom(row, now, notBefore, cadence)), notBefore);
  }

  private async readAccepting<T>(key: string, notBefore: number, refresh: (previous: T | undefined) => Promise<T>, acceptedFrom: (row: Entity | undefined, now: number) => number, waitingSince?: number): Promise<SnapshotRead<T>> {
    const row = await this.get(SNAPSHOTS, key);
    const now = this.now();
    const verdict = verdictFrom(row, now, acceptedFrom(row, now), notBefore);
    if (verdict === 'use') return { kind: 'snapshot', takenAt: row!.takenAt!, value: decode<T>(row!), refreshed: false };
    if (verdict === 'wait') return { kind: 'waiting', reason: 'another reader is refreshing the route snapshot' };
    const claimEtag = await this.claim(key, row, now);
    if (claimEtag === undefined) return { kind: 'waiting', reason: 'another reader is refreshing the route snapshot' };
    const takenAt = this.now();
    let value: T;
    try {
      value = await refresh(row?.parts ? decode<T>(row) : undefined);
    } catch (error) {
      await this.releaseClaim(key, claimEtag);
      throw error;
    }
    const cadenceFrom = Math.max(row?.cadenceFrom ?? 0, waitingSince ?? 0);
    await this.store(key, takenAt, value, claimEtag, cadenceFrom > 0 ? cadenceFrom : undefined);
    return { kind: 'snapshot', takenAt, value, refreshed: true };
  }

  /**
   * When this tenant's lifecycle run started waiting (`kind`: routes or withdrawal): the first call
   * of the run records now, later calls of the same run read it back. A snapshot for that wait must be
   * taken at or after it, so it cannot predate what the run did before the wait (e.g. remove the gateway).
   */
  async waitStarted(tenant: string, run: number, kind: 'routes' | 'withdrawal'): Promise<number> {
    const rowKey = `${kind}:${encodeURIComponent(tenant)}`;
    try {
      const e = await this.table.getEntity<{ run: number; at: number }>(WAITS, rowKey);
      if (e.run === run) return e.at;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const at = this.now();
    await this.table.upsertEntity({ partitionKey: WAITS, rowKey, run, at }, 'Replace');
    return at;
  }

  private async get(partitionKey: string, rowKey: string): Promise<Entity | undefined> {
    try {
      return await this.table.getEntity<Entity>(partitionKey, rowKey);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Takes the refresher's claim with a conditional write; undefined when somebody else got there first. */
  private async claim(key: string, row: Entity | undefined, now: number): Promise<string | undefined> {
    try {
      if (row?.etag === undefined) {
        return (await this.table.createEntity({ partitionKey: SNAPSHOTS, rowKey: key, claimUntil: now + this.claimTtlMs })).etag;
      }
      return (await this.table.updateEntity({ partitionKey: SNAPSHOTS, rowKey: key, claimUntil: now + this.claimTtlMs }, 'Merge', { etag: row.etag })).etag;
    } catch (error) {
      const status = describeFailure(error).status;
      if (status === 409 || status === 412) return undefined;
      throw error;
    }
  }

  /** Writes the snapshot under our claim; a claim taken over meanwhile (412) keeps the other refresher's row. */
  private async store(key: string, takenAt: number, value: unknown, claimEtag: string, cadenceFrom: number | undefined): Promise<void> {
    const bytes = gzipSync(JSON.stringify(value));
    const parts = Math.ceil(bytes.length / PART_BYTES);
    // Too big for one row: not shared (each reader reads ARM for itself) rather than failing the reader.
    if (parts > MAX_PARTS) { await this.releaseClaim(key, claimEtag); return; }
    const entity: Entity = { partitionKey: SNAPSHOTS, rowKey: key, takenAt, claimUntil: 0, parts, ...(cadenceFrom !== undefined ? { cadenceFrom } : {}) };
    for (let i = 0; i < parts; i += 1) entity[`p${i}`] = bytes.subarray(i * PART_BYTES, (i + 1) * PART_BYTES);
    try {
      await this.table.updateEntity(entity, 'Replace', { etag: claimEtag });
    } catch (error) {
      if (describeFailure(error).status !== 412) throw error;
    }
  }

  private async releaseClaim(key: string, claimEtag: string): Promise<void> {
    try {
      await this.table.updateEntity({ partitionKey: SNAPSHOTS, rowKey: key, claimUntil: 0 }, 'Merge', { etag: claimEtag });
    } catch {
      // best effort: the claim expires by itself
    }
  }
}

function decode<T>(row: Entity): T {
  const parts = Array.from({ length: row.parts ?? 0 }, (_, i) => row[`p${i}`] ?? new Uint8Array());
  return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as T;
}
