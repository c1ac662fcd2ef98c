/**
 * Loads a v4-model app like the worker's loadEntryPointFile: `package.json` `main` (a glob is allowed), each
 * matched file required (or imported when ESM), then `appStart` hooks, then registrations are frozen.
 */
import { globSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { FunctionRegistry } from './shim';

const packageSchema = z.object({ main: z.string().min(1).optional(), type: z.string().optional() }).loose();

export function resolveEntryFiles(appDir: string): { files: string[]; esm: boolean } {
  const pkgPath = path.join(appDir, 'package.json');
  const parsed = packageSchema.safeParse(JSON.parse(readFileSync(pkgPath, 'utf8')));
  if (!parsed.success) throw new Error(`${pkgPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const main = parsed.data.main ?? 'index.js';
  const files = /[*?{[]/.test(main)
    ? globSync(main, { cwd: appDir }).map((f) => path.resolve(appDir, f)).sort()
    : [path.resolve(appDir, main)];
  if (files.length === 0) throw new Error(`${pkgPath}: "main" (${main}) matches no file; was the app built?`);
  return { files, esm: parsed.data.type === 'module' };
}

export async function loadApp(appDir: string, registry: FunctionRegistry, appHookData: Record<string, unknown>): Promise<string[]> {
  const { files, esm } = resolveEntryFiles(appDir);
  for (const file of files) {
    try {
      if (file.endsWith('.mjs') || (esm && !file.endsWith('.cjs'))) {
        await import(pathToFileURL(file).href);
      } else {
        createRequire(file)(file);
      }
    } catch (err) {
      throw new Error(`Worker was unable to load entry point "${path.relative(appDir, file)}": ${(err as Error).message}`, { cause: err });
    }
  }
  for (const hook of registry.hooks.appStart) await hook({ hookData: {}, appHookData, functionAppDirectory: appDir });
  registry.frozen = true;
  return files;
}
