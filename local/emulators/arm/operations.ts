import { randomUUID } from 'node:crypto';
import type { ArmError } from './errors';

/**
 * Long-running operations and timed state transitions. Nothing runs on a timer: transitions are
 * due at a time and are applied (`settle`) at the start of every request, so a state read is always
 * consistent with the clock, tests need no fake timers, and stop() leaves nothing behind.
 */
export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface Operation {
  id: string;
  /** Resource the operation acts on (for locks and messages). */
  resourceId: string;
  status: OperationStatus;
  dueAt: number;
  /** Runs once when the operation becomes due; returns the result body (POST actions) if any. */
  complete: () => Promise<unknown> | unknown;
  result?: unknown;
  error?: { code: string; message: string };
  /** The status code the operationResults (Location) URL answers with when done: 200 (body) or 204. */
  doneStatus: 200 | 204;
  /** Keys (lower-cased resource ids) this operation locks while in progress. */
  locks: string[];
  /** When the operation reached Succeeded/Failed (ms). */
  finishedAt?: number;
  /** When set, the operation ends Failed with this error and `onFail` runs instead of `complete`. */
  failWith?: ArmError;
  onFail?: () => void;
}

/** Finished operations (and their results, e.g. 2,000 learned routes) are forgotten after this long. */
export const FINISHED_OPERATION_RETENTION_MS = 10 * 60_000;

export class Operations {
  private readonly ops = new Map<string, Operation>();

  constructor(private readonly now: () => number, private readonly retentionMs = FINISHED_OPERATION_RETENTION_MS) {}

  start(init: Omit<Operation, 'id' | 'status' | 'dueAt'> & { durationMs: number }): Operation {
    const op: Operation = { ...init, id: randomUUID(), status: 'InProgress', dueAt: this.now() + init.durationMs };
    this.ops.set(op.id, op);
    return op;
  }

  get(id: string): Operation | undefined {
    return this.ops.get(id);
  }

  /** The in-progress operation holding a lock on `key`, if any. */
  lockHolder(key: string): Operation | undefined {
    const k = key.toLowerCase();
    for (const op of this.ops.values()) {
      if (op.status === 'InProgress' && op.locks.includes(k)) return op;
    }
    return undefined;
  }

  private settling: Promise<void> = Promise.resolve();

  /** Apply every transition that is due, oldest first; concurrent callers share one pass at a time. */
  settle(): Promise<void> {
    this.settling = this.settling.then(() => this.settleDue());
    return this.settling;
  }

  private async settleDue(): Promise<void> {
    for (const [id, op] of this.ops) {
      if (op.finishedAt !== undefined && op.finishedAt + this.retentionMs < this.now()) this.ops.delete(id);
    }
    const due = [...this.ops.values()].filter((op) => op.status === 'InProgress' && op.dueAt <= this.now()).sort((a, b) => a.dueAt - b.dueAt);
    for (const op of due) {
      if (op.status !== 'InProgress') continue;
      if (op.failWith !== undefined) {
        op.status = 'Failed';
        op.error = { code: op.failWith.code, message: op.failWith.message };
        op.finishedAt = this.now();
        op.onFail?.();
        continue;
      }
      try {
        op.result = await op.complete();
        op.status = 'Succeeded';
      } catch (e) {
        op.status = 'Failed';
        op.error = { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) };
      }
      op.finishedAt = this.now();
    }
  }

  clear(): void {
    this.ops.clear();
  }
}
