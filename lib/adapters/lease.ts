import type { TableClient } from '@azure/data-tables';
import { describeFailure, isNotFound } from './errors';

/** Who holds a lease now, as stored. */
export interface LeaseState {
  holder: string;
  /** Epoch ms; a holder that stops renewing loses the lease at this time. */
  expiresAt: number;
  /** The fencing token: +1 on every acquisition, so a newer holder always has a larger one. */
  generation: number;
}

interface LeaseEntity {
  holder: string;
  expiresAt: number;
  generation?: number;
}

/**
 * A named, expiring lease in Table storage: one holder at a time across every host instance.
 * Used to make one writer per firewall policy; expiry means a crashed holder blocks nobody for long.
 * Acquire and renew are conditional writes (insert-if-absent, update-if-ETag), never read-then-write races.
 *
 * Fencing: every acquisition bumps `generation`, and `renew` succeeds only while the row is still the one
 * this holder wrote (its ETag). A holder that stalled past expiry and was replaced therefore learns it at
 * its next renew, before it writes again; callers renew before every write they make under the lease.
 */
export class TableLease {
  constructor(
    private readonly table: TableClient,
    private readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private etag: string | undefined;
  /** The fencing token of our current holding (0 when we hold nothing). */
  generation = 0;

  async tryAcquire(): Promise<boolean> {
    const expiresAt = this.now() + this.ttlMs;
    try {
      const current = await this.table.getEntity<LeaseEntity>('lease', this.name);
      if (current.holder !== this.holder && current.expiresAt > this.now()) return false;
      const generation = (current.generation ?? 0) + 1;
      const result = await this.table.updateEntity({ partitionKey: 'lease', rowKey: this.name, holder: this.holder, expiresAt, generation }, 'Replace', { etag: current.etag });
      this.hold(result.etag, generation);
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        try {
          const result = await this.table.createEntity({ partitionKey: 'lease', rowKey: this.name, holder: this.holder, expiresAt, generation: 1 });
          this.hold(result.etag, 1);
          return true;
        } catch (inner) {
          if (isStatus(inner, 409)) return false;
          throw inner;
        }
      }
      if (isStatus(error, 412)) return false;
      throw error;
    }
  }

  /**
   * Extends the lease by its TTL if nobody took it since our last write (even when it expired meanwhile:
   * nobody else acquired, so nobody else wrote). False when it was taken: we are fenced out and must stop.
   */
  async renew(): Promise<boolean> {
    if (!this.etag) return false;
    try {
      const result = await this.table.updateEntity(
        { partitionKey: 'lease', rowKey: this.name, holder: this.holder, expiresAt: this.now() + this.ttlMs, generation: this.generation },
        'Replace', { etag: this.etag });
      this.etag = result.etag;
      return true;
    } catch (error) {
      if (isStatus(error, 412) || isNotFound(error)) {
        this.etag = undefined;
        this.generation = 0;
        return false;
      }
      throw error;
    }
  }

  /** The lease as stored now (whoever holds it), for "waiting for …" messages. */
  async current(): Promise<LeaseState | undefined> {
    try {
      const e = await this.table.getEntity<LeaseEntity>('lease', this.name);
      return { holder: e.holder, expiresAt: e.expiresAt, generation: e.generation ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Gives the lease up at once (best effort: if it was lost meanwhile, there is nothing to give). */
  async release(): Promise<void> {
    if (!this.etag) return;
    try {
      // The generation stays: the next holder's token must still be larger than every earlier one.
      await this.table.updateEntity({ partitionKey: 'lease', rowKey: this.name, holder: '', expiresAt: 0, generation: this.generation }, 'Replace', { etag: this.etag });
    } catch (error) {
      if (!isStatus(error, 412) && !isNotFound(error)) throw error;
    } finally {
      this.etag = undefined;
      this.generation = 0;
    }
  }

  private hold(etag: string | undefined, generation: number): void {
    this.etag = etag;
    this.generation = generation;
  }
}

const isStatus = (error: unknown, status: number): boolean => describeFailure(error).status === status;
