/** The emulators' state files: coalesced atomic writes, and every way a file can be unusable named. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readStateFile, StateWriter } from '../../../local/emulators/shared/state-file';

describe('state files', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'state-file-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const parse = (s: unknown): { n: number } => {
    if (typeof s !== 'object' || s === null || typeof (s as { n?: unknown }).n !== 'number') throw new Error('n: expected a number');
    return s as { n: number };
  };

  it('a burst of changes is one write; an unchanged state is not written again; no temporary file is left', async () => {
    const file = path.join(dir, 'x.json');
    let n = 0;
    const writer = new StateWriter({ file, format: 'test/x', version: 1, snapshot: () => ({ n }), debounceMs: 30 });
    for (let i = 0; i < 100; i++) {
      n = i;
      writer.markDirty();
    }
    await new Promise((r) => setTimeout(r, 150));
    expect(writer.writes).toBe(1);
    expect(readStateFile(file, 'test/x', 1, parse)).toMatchObject({ kind: 'restored', state: { n: 99 } });
    writer.markDirty();
    await writer.flush();
    expect(writer.writes).toBe(1);
    n = 100;
    await writer.close();
    expect(writer.writes).toBe(2);
    writer.markDirty();
    n = 101;
    await new Promise((r) => setTimeout(r, 60));
    expect(readStateFile(file, 'test/x', 1, parse)).toMatchObject({ state: { n: 100 } });
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('names a missing, corrupt, foreign, other-version or invalid file, and drops temporaries a crash left', () => {
    const file = path.join(dir, 'x.json');
    expect(readStateFile(file, 'test/x', 1, parse)).toEqual({ kind: 'missing' });
    writeFileSync(file, '{"format":"test/x","vers');
    expect(readStateFile(file, 'test/x', 1, parse)).toMatchObject({ kind: 'unusable', reason: expect.stringMatching(/^not JSON/) });
    writeFileSync(file, JSON.stringify({ format: 'other', version: 1, state: { n: 1 } }));
    expect(readStateFile(file, 'test/x', 1, parse)).toEqual({ kind: 'unusable', reason: 'not a test/x file' });
    writeFileSync(file, JSON.stringify({ format: 'test/x', version: 2, state: { n: 1 } }));
    expect(readStateFile(file, 'test/x', 1, parse)).toEqual({ kind: 'unusable', reason: 'unknown version 2 (this emulator reads version 1)' });
    writeFileSync(file, JSON.stringify({ format: 'test/x', version: 1, state: { n: 'one' } }));
    expect(readStateFile(file, 'test/x', 1, parse)).toEqual({ kind: 'unusable', reason: 'invalid content (n: expected a number)' });
    writeFileSync(`${file}.4242.7.tmp`, 'half a write');
    writeFileSync(file, JSON.stringify({ format: 'test/x', version: 1, savedAt: 't', state: { n: 1 } }));
    expect(readStateFile(file, 'test/x', 1, parse)).toEqual({ kind: 'restored', state: { n: 1 }, savedAt: 't' });
    expect(readdirSync(dir)).toEqual(['x.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ state: { n: 1 } });
  });
});
