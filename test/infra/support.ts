/** Loads the bundled Terraform once per test file: the platform root, the per-cluster Calico root and their modules. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadTree, type ModuleTree, type TfModule } from './hcl';

export const INFRA = path.resolve(__dirname, '../../infra');
export const ROOTS = [INFRA, path.join(INFRA, 'calico')];

/** Every module reachable from the two roots, keyed by absolute directory. */
export async function loadInfra(): Promise<ModuleTree> {
  const tree: ModuleTree = new Map();
  for (const root of ROOTS) await loadTree(root, tree);
  return tree;
}

/** Directories under infra/modules (each should be called by a root). */
export function moduleDirs(): string[] {
  const base = path.join(INFRA, 'modules');
  return readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(base, d.name));
}

export function mustGet(tree: ModuleTree, dir: string): TfModule {
  const mod = tree.get(dir);
  if (!mod) throw new Error(`module ${dir} was not loaded`);
  return mod;
}

/** Whether a terraform binary is on PATH: the tests that run it are skipped (and counted as skipped) without one. */
export function haveTerraform(): boolean {
  return spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
}
