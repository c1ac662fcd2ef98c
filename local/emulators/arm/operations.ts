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
  /** The ARM operation whose request started it (e.g. `firewallPolicyRuleCollectionGroups.createOrUpdate`): its polls count against it. */
  startedBy?: string;
}

/** An operation as JSON (no callbacks), for a restart. */
export interface SavedOperation {
  id: string;
  resourceId: string;
  status: OperationStatus;
  dueAt: number;
  doneStatus: 200 | 204;
  locks: string[];
  finishedAt?: number;
  result?: unknown;
  error?: { code: string; message: string };
  failWith?: { status: number; code: string; message: string };
  startedBy?: string;
}

/** Finished operations (and their results, e.g. 2,000 learned routes) are forgotten after this long. */
export const FINISHED_OPERATION_RETENTION_MS = 10 * 60_000;

export class Operations {
  private readonly ops = new Map<string, Operation>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number, private readonly retentionMs = FINISHED_OPERATION_RETENTION_MS) {}

  /** Called when an operation starts, finishes or is forgotten. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  start(init: Omit<Operation, 'id' | 'status' | 'dueAt'> & { durationMs: number }): Operation {
    const op: Operation = { ...init, id: randomUUID(), status: 'InProgress', dueAt: this.now() + init.durationMs };
    this.ops.set(op.id, op);
    this.changed();
    return op;
  }

  /** Every operation as JSON; results that are not plain JSON are left out. */
  snapshot(): SavedOperation[] {
    return [...this.ops.values()].map((op) => ({
      id: op.id, resourceId: op.resourceId, status: op.status, dueAt: op.dueAt, doneStatus: op.doneStatus, locks: op.locks,
      ...(op.finishedAt !== undefined ? { finishedAt: op.finishedAt } : {}),
      ...(op.result !== undefined ? { result: op.result } : {}),
      ...(op.error !== undefined ? { error: op.error } : {}),
      ...(op.failWith !== undefined ? { failWith: { status: op.failWith.status, code: op.failWith.code, message: op.failWith.message } } : {}),
      ...(op.startedBy !== undefined ? { startedBy: op.startedBy } : {}),
    }));
  }

  /** Takes back an operation saved before a restart, with its id and due time, and the callbacks that finish it. */
  adopt(op: Operation): void {
    this.ops.set(op.id, op);
    this.changed();
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
      if (op.finishedAt !== undefined && op.finishedAt + this.retentionMs < this.now()) {
        this.ops.delete(id);
        this.changed();
      }
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
    if (due.length > 0) this.changed();
  }

  clear(): void {
    this.ops.clear();
    this.changed();
  }
}
