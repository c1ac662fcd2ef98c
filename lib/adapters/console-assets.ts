import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The web console's static files, read from the package (functions/console.ts serves them): console/ at the
 * package root holds the page, lib/console the compiled view modules. Read once, then kept in memory.
 */
/** Where the compiled app lives (dist/, or the sources under ts-node/jest), and the package root above it. */
const COMPILED_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_ROOT = path.basename(COMPILED_ROOT) === 'dist' ? path.dirname(COMPILED_ROOT) : COMPILED_ROOT;
const FOLDERS = { page: path.join(PACKAGE_ROOT, 'console'), modules: path.join(COMPILED_ROOT, 'lib', 'console') };

function fileOf(asset: string): string {
  if (asset === '') return path.join(FOLDERS.page, 'index.html');
  if (asset.startsWith('lib/console/')) return path.join(FOLDERS.modules, asset.slice('lib/console/'.length));
  return path.join(FOLDERS.page, asset);
}

const cache = new Map<string, Buffer>();

/** The bytes of a console asset ('' is the page), or undefined when there is no such file. */
export async function readConsoleAsset(asset: string): Promise<Buffer | undefined> {
  return read(fileOf(asset));
}

async function read(file: string): Promise<Buffer | undefined> {
  const hit = cache.get(file);
  if (hit) return hit;
  try {
    const body = await readFile(file);
    cache.set(file, body);
    return body;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

