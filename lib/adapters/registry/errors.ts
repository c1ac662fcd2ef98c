/** Typed failures of the registry, so callers can tell a lost race from a broken request. */
import { RestError } from '@azure/data-tables';

/** The record changed since it was read (ETag mismatch): read it again and re-decide. */
export class ConcurrencyError extends Error {
  constructor(readonly what: string) {
    super(`${what} was changed by someone else since it was read (ETag mismatch); read it again and retry`);
    this.name = 'ConcurrencyError';
  }
}

/** A quarantined block was asked to be freed while it is still held, or a block that is not a claim. */
export class ClaimStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimStateError';
  }
}

/** Allocation kept losing races for longer than its retry budget (heavy contention on one pool). */
export class AllocationContentionError extends Error {
  constructor(readonly attempts: number, tenant: string) {
    super(`allocating a block for ${tenant}: lost ${attempts} races for the pool index in a row; retry later`);
    this.name = 'AllocationContentionError';
  }
}

/** A stored row that does not match the expected shape (hand-edited or written by another version). */
export class CorruptRecordError extends Error {
  constructor(what: string, reason: string) {
    super(`${what}: stored record is invalid: ${reason}`);
    this.name = 'CorruptRecordError';
  }
}

export function statusOf(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  if (typeof error === 'object' && error !== null && typeof (error as { statusCode?: unknown }).statusCode === 'number') {
    return (error as { statusCode: number }).statusCode;
  }
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;
export const isPreconditionFailed = (error: unknown): boolean => statusOf(error) === 412;

/**
 * Runs a read-decide-write round again while another writer changed the record in between (its ETag
 * moved): the one loop for optimistic concurrency on tenant records, used by the API and the activities.
 */
export async function retryOnConcurrency<T>(work: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
    }
  }
}
