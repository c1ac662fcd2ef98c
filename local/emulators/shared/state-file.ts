/**
 * An emulator's state kept in one JSON file, so that the emulated cloud survives a crash of the process
 * that runs it, as the real cloud survives its clients' crashes.
 *
 * Writes are atomic, the way Azurite's and LocalStack's persistence keep their files whole: the new
 * content goes to a temporary file in the same folder, is fsync'ed, then renamed over the old file, and
 * the folder is fsync'ed so the rename itself is durable. A crash at any moment leaves either the old
 * file or the new one, never a mix. Writes are coalesced: changes only mark the state dirty, and one
 * write after `debounceMs` takes whatever the state is then (a burst of changes is one write).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** What is on disk: a format name and version, so a file of another program or version is refused, not misread. */
export interface StateEnvelope {
  format: string;
  version: number;
  savedAt: string;
  state: unknown;
}

export type StateRestore<T> =
  | { kind: 'restored'; state: T; savedAt: string }
  | { kind: 'missing' }
  | { kind: 'unusable'; reason: string };

let tempCounter = 0;
const tempName = (file: string): string => `${file}.${process.pid}.${++tempCounter}.tmp`;

/** Leftovers of writes a crash interrupted (`<file>.<pid>.<n>.tmp`): never the state, always safe to drop. */
function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) rmSync(path.join(dir, name), { force: true });
}

function fsyncDirSync(dir: string): void {
  // Makes the rename durable; some platforms cannot open a folder for reading, then the rename is all we get.
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // not supported here
  }
}

/** Atomic replace of `file`. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempName(file);
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  fsyncDirSync(path.dirname(file));
}

/**
 * Reads a state file: `missing` when there is none, `unusable` (with the reason, for the operator) when it
 * is not JSON, not of `format`, of another version, or `parse` refuses its content.
 */
export function readStateFile<T>(file: string, format: string, version: number, parse: (state: unknown) => T): StateRestore<T> {
  removeStaleTemps(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unusable', reason: `cannot read it (${(error as Error).message})` };
  }
  let envelope: Partial<StateEnvelope>;
  try {
    envelope = JSON.parse(text) as Partial<StateEnvelope>;
  } catch (error) {
    return { kind: 'unusable', reason: `not JSON (${(error as Error).message})` };
  }
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== format) {
    return { kind: 'unusable', reason: `not a ${format} file` };
  }
  if (envelope.version !== version) return { kind: 'unusable', reason: `unknown version ${String(envelope.version)} (this emulator reads version ${version})` };
  try {
    return { kind: 'restored', state: parse(envelope.state), savedAt: String(envelope.savedAt ?? '') };
  } catch (error) {
    return { kind: 'unusable', reason: `invalid content (${(error as Error).message})` };
  }
}

export interface StateWriterOptions {
  file: string;
  format: string;
  version: number;
  /** The state now (called at write time, not at change time). */
  snapshot: () => unknown;
  /** Delay between the first change and the write that carries it (and every change after it). Default 100 ms. */
  debounceMs?: number;
  /** A write that failed (disk full…): reported, and retried at the next change. */
  onError?: (error: Error) => void;
}

/** Coalesced atomic writes of one state file. */
export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastWritten = '';
  private closed = false;
  /** Writes done (benchmarks and tests: a burst of changes is one write). */
  writes = 0;

  constructor(private readonly options: StateWriterOptions) {}

  private text(): { body: string; text: string } {
    const body = JSON.stringify(this.options.snapshot());
    const envelope = `{"format":${JSON.stringify(this.options.format)},"version":${this.options.version},"savedAt":${JSON.stringify(new Date().toISOString())},"state":${body}}`;
    return { body, text: envelope };
  }

  /** Something changed: write within `debounceMs`. */
  markDirty(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.debounceMs ?? 100);
    this.timer.unref();
  }

  /** Write now if the state differs from the last write; waits for a write in flight first. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing !== undefined) await this.writing;
    const { body, text } = this.text();
    if (body === this.lastWritten) return;
    this.writing = writeFileAtomic(this.options.file, text)
      .then(() => {
        this.lastWritten = body;
        this.writes += 1;
      })
      .catch((error: unknown) => this.options.onError?.(error instanceof Error ? error : new Error(String(error))))
      .finally(() => { this.writing = undefined; });
    await this.writing;
  }

  /** Last flush; later changes are not written. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}

/** The subset of a zod schema a state file's parse needs (this folder imports no zod). */
export interface StateSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** `parse` for `readStateFile` from a schema: its first issue is the reason (`store.revision: Too small…`). */
export function parseWithSchema<T>(schema: StateSchema<T>): (state: unknown) => T {
  return (state) => {
    const parsed = schema.safeParse(state);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.map(String).join('.') || '(state)'}: ${issue?.message ?? 'invalid'}`);
  };
}

/** The `state` option of both emulators: the folder, the write delay, and who hears of a failed write. */
export interface StateOptions {
  dir: string;
  /** Default 100 ms. */
  debounceMs?: number;
  onWriteError?: (error: Error) => void;
}

/**
 * The writer that keeps `file` up to date with `snapshot()`. Unless the file was just restored it is
 * written at once, so the folder always holds a usable file (a fresh start, or one that replaced a bad file).
 */
export function keepStateFile(file: string, format: string, version: number, snapshot: () => unknown, options: StateOptions, restored: boolean): StateWriter {
  const writer = new StateWriter({
    file, format, version, snapshot, onError: options.onWriteError ?? (() => undefined),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  if (!restored) writer.markDirty();
  return writer;
}

/** What an emulator did with one state file at start, for its operator. */
export interface RestoreReport {
  /** What the file holds, e.g. `cluster spoke1-aks`, `ARM emulator`. */
  what: string;
  file: string;
  outcome: 'restored' | 'missing' | 'unusable';
  /** Why an unusable file was not used. */
  reason?: string;
}

export function restoreReport(what: string, file: string, result: StateRestore<unknown>): RestoreReport {
  return { what, file, outcome: result.kind, ...(result.kind === 'unusable' ? { reason: result.reason } : {}) };
}
