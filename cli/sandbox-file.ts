/**
 * Finds the sandbox's sandbox.json (written by `npm start`, local/sandbox/sandbox.ts): in EGRESS_SANDBOX_DIR
 * when set, else in `.sandbox/` of this folder or the nearest parent that has one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sandboxInfoSchema, type SandboxInfo } from './connection';

export function findSandboxFile(cwd: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.EGRESS_SANDBOX_DIR) {
    const file = path.join(path.resolve(cwd, env.EGRESS_SANDBOX_DIR), 'sandbox.json');
    return existsSync(file) ? file : undefined;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, '.sandbox', 'sandbox.json');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The file's URL and keys; a file that is not what the sandbox writes is ignored with the reason. */
export function readSandboxFile(file: string): { ok: true; value: { path: string; info: SandboxInfo } } | { ok: false; reason: string } {
  try {
    const parsed = sandboxInfoSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return { ok: false, reason: `${file}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'not a sandbox.json'}` };
    return { ok: true, value: { path: file, info: parsed.data } };
  } catch (error) {
    return { ok: false, reason: `${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
