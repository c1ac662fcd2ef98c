import { RestError, type TableClient } from '@azure/data-tables';

/**
 * A named, expiring lease in Table storage: one holder at a time across every host instance.
 * Used to make one writer per firewall policy; expiry means a crashed holder blocks nobody for long.
 * Acquire and renew are conditional writes (insert-if-absent, update-if-ETag), never read-then-write races.
 */
export class TableLease {
  constructor(
    private readonly table: TableClient,
    private readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private etag: string | undefined;

  async tryAcquire(): Promise<boolean> {
    const expiresAt = this.now() + this.ttlMs;
    try {
      const current = await this.table.getEntity<{ holder: string; expiresAt: number }>('lease', this.name);
      if (current.holder !== this.holder && current.expiresAt > this.now()) return false;
      const result = await this.table.updateEntity({ partitionKey: 'lease', rowKey: this.name, holder: this.holder, expiresAt }, 'Replace', { etag: current.etag });
      this.etag = result.etag;
      return true;
    } catch (error) {
      if (isStatus(error, 404)) {
        try {
          const result = await this.table.createEntity({ partitionKey: 'lease', rowKey: this.name, holder: this.holder, expiresAt });
          this.etag = result.etag;
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

  /** Gives the lease up at once (best effort: if it was lost meanwhile, there is nothing to give). */
  async release(): Promise<void> {
    if (!this.etag) return;
    try {
      await this.table.updateEntity({ partitionKey: 'lease', rowKey: this.name, holder: '', expiresAt: 0 }, 'Replace', { etag: this.etag });
    } catch (error) {
      if (!isStatus(error, 412) && !isStatus(error, 404)) throw error;
    } finally {
      this.etag = undefined;
    }
  }
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError ? error.statusCode === status : (error as { statusCode?: number } | null)?.statusCode === status;
}
