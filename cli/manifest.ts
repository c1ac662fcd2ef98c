/** Reads a tenant spec from a YAML or JSON file (`-` for stdin); the API validates it and names any bad field. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CliError } from './api';
import { EXIT } from './exit-codes';

export interface TenantManifest {
  cluster: string;
  name: string;
  spec: Record<string, unknown>;
}

/** Pure: the parsed document, or why it cannot be sent (only what the CLI itself needs: cluster and name for the URL). */
export function parseManifest(text: string, source: string): TenantManifest {
  let doc: unknown;
  try {
    // YAML 1.2 is a superset of JSON: one parser for both.
    doc = parse(text);
  } catch (error) {
    throw new CliError(`${source}: not YAML or JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, EXIT.usage);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CliError(`${source}: must hold one tenant spec (an object with name, cluster, …)`, EXIT.usage);
  const spec = doc as Record<string, unknown>;
  for (const field of ['cluster', 'name'] as const)
    if (typeof spec[field] !== 'string' || spec[field] === '') throw new CliError(`${source}: ${field}: required (a string)`, EXIT.usage);
  return { cluster: spec.cluster as string, name: spec.name as string, spec };
}

export function readManifest(file: string): TenantManifest {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, EXIT.usage);
  }
  return parseManifest(text, file === '-' ? 'stdin' : file);
}
