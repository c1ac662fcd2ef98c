/**
 * Reads Terraform with HashiCorp's own HCL parser (@cdktf/hcl2json: the Go hcl library compiled to
 * wasm) into per-module indexes (variables, locals, resources, module calls...) that the checkers in
 * language-checks.ts, schema-checks.ts and policy-checks.ts work on. Checkers are pure: they take parsed
 * modules and return problems as strings ("<module dir>: <what is wrong>"); empty means the check passed.
 */
import { parse } from '@cdktf/hcl2json';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** hcl2json output: blocks are arrays of objects, attributes are JSON values, expressions are "${...}" strings. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json };

export interface TfModule {
  /** Directory of the module (absolute on disk, or any label for inline sources). */
  dir: string;
  /** Raw text per file name, for literal scans. */
  sources: Record<string, string>;
  /** Parsed JSON per file name. */
  parsed: Record<string, Obj>;
  variables: Map<string, Obj>;
  outputs: Map<string, Obj>;
  locals: Map<string, Json>;
  /** Keyed "type.name". */
  resources: Map<string, Obj>;
  /** Keyed "type.name". */
  data: Map<string, Obj>;
  moduleCalls: Map<string, Obj>;
  /** Provider configuration blocks (`provider "x" {}`), by provider name. */
  providerConfigs: Map<string, Obj[]>;
  requiredProviders: Map<string, Obj>;
  requiredVersion: string | undefined;
}

/** A set of modules keyed by directory, so module calls can be resolved. */
export type ModuleTree = Map<string, TfModule>;

export const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const blocks = (v: Json | undefined): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);

/** Parses one module from in-memory sources (file name → HCL text). Throws on syntax errors, naming the file. */
export async function parseModule(dir: string, sources: Record<string, string>): Promise<TfModule> {
  const mod: TfModule = {
    dir, sources, parsed: {}, variables: new Map(), outputs: new Map(), locals: new Map(), resources: new Map(),
    data: new Map(), moduleCalls: new Map(), providerConfigs: new Map(), requiredProviders: new Map(), requiredVersion: undefined,
  };
  for (const [file, text] of Object.entries(sources)) {
    const json = (await parse(file, text)) as Obj;
    mod.parsed[file] = json;
    for (const [name, decl] of Object.entries(isObj(json.variable) ? json.variable : {})) mod.variables.set(name, blocks(decl)[0] ?? {});
    for (const [name, decl] of Object.entries(isObj(json.output) ? json.output : {})) mod.outputs.set(name, blocks(decl)[0] ?? {});
    for (const l of blocks(json.locals)) for (const [name, value] of Object.entries(l)) mod.locals.set(name, value);
    for (const [kind, target] of [['resource', mod.resources], ['data', mod.data]] as const) {
      const byType = json[kind];
      if (!isObj(byType)) continue;
      for (const [type, named] of Object.entries(byType)) {
        if (!isObj(named)) continue;
        for (const [name, body] of Object.entries(named)) target.set(`${type}.${name}`, blocks(body)[0] ?? {});
      }
    }
    for (const [name, body] of Object.entries(isObj(json.module) ? json.module : {})) mod.moduleCalls.set(name, blocks(body)[0] ?? {});
    for (const [name, body] of Object.entries(isObj(json.provider) ? json.provider : {})) mod.providerConfigs.set(name, blocks(body));
    for (const tf of blocks(json.terraform)) {
      if (typeof tf.required_version === 'string') mod.requiredVersion = tf.required_version;
      for (const rp of blocks(tf.required_providers)) {
        for (const [name, req] of Object.entries(rp)) mod.requiredProviders.set(name, isObj(req) ? req : { version: req });
      }
    }
  }
  return mod;
}

/** Parses every `*.tf` file of a directory. */
export async function loadModuleDir(dir: string): Promise<TfModule> {
  const sources: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.tf')).sort()) sources[f] = readFileSync(path.join(dir, f), 'utf8');
  return parseModule(dir, sources);
}

/** Local module sources (`./x`, `../x`) resolved against the calling module's directory. */
export function resolveSource(callerDir: string, call: Obj): string | undefined {
  const source = call.source;
  if (typeof source !== 'string' || !/^\.\.?\//.test(source)) return undefined;
  return path.resolve(callerDir, source);
}

/** Loads a root module and, recursively, every local module it calls that exists on disk. */
export async function loadTree(rootDir: string, tree: ModuleTree = new Map()): Promise<ModuleTree> {
  const dir = path.resolve(rootDir);
  if (tree.has(dir)) return tree;
  const mod = await loadModuleDir(dir);
  tree.set(dir, mod);
  for (const call of mod.moduleCalls.values()) {
    const child = resolveSource(dir, call);
    if (child && existsSync(child) && statSync(child).isDirectory()) await loadTree(child, tree);
  }
  return tree;
}

/** Every resource and data block: its schema key ("resource.x" / "data.x"), provider type, key ("x.name") and label for messages. */
export function* typedBlocks(mod: TfModule): Generator<{ kind: 'resource' | 'data'; schemaKey: string; type: string; key: string; at: string; body: Obj }> {
  for (const [kind, map] of [['resource', mod.resources], ['data', mod.data]] as const) {
    for (const [key, body] of map) {
      const type = key.split('.')[0]!;
      yield { kind, schemaKey: `${kind}.${type}`, type, key, at: kind === 'data' ? `data.${key}` : key, body };
    }
  }
}

/** Every string in a JSON value with its path (for messages). */
export function* strings(value: Json | undefined, at: string): Generator<{ at: string; text: string }> {
  if (typeof value === 'string') yield { at, text: value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${at}[${i}]`);
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) yield* strings(v, at === '' ? k : `${at}.${k}`);
}

/** Labels of `dynamic "x"` blocks anywhere in a value: inside them, `x.value` / `x.key` are iterators. */
export function dynamicLabels(value: Json | undefined, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) dynamicLabels(v, found);
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'dynamic' && isObj(v)) for (const label of Object.keys(v)) found.add(label);
      dynamicLabels(v, found);
    }
  }
  return found;
}

/** Everything in a module that may hold expressions, with a readable location. */
export function expressionSites(mod: TfModule): Array<{ at: string; value: Json }> {
  const sites: Array<{ at: string; value: Json }> = [];
  for (const [name, decl] of mod.variables) {
    // `type` is a type expression, not a reference; defaults cannot reference anything either.
    const { type: _type, ...rest } = decl;
    sites.push({ at: `variable.${name}`, value: rest });
  }
  for (const [name, decl] of mod.outputs) sites.push({ at: `output.${name}`, value: decl });
  for (const [name, value] of mod.locals) sites.push({ at: `local.${name}`, value });
  for (const [key, body] of mod.resources) {
    const { lifecycle: _lifecycle, ...rest } = body; // ignore_changes lists attribute names, not references
    sites.push({ at: key, value: rest });
  }
  for (const [key, body] of mod.data) sites.push({ at: `data.${key}`, value: body });
  for (const [name, call] of mod.moduleCalls) sites.push({ at: `module.${name}`, value: call });
  for (const [name, configs] of mod.providerConfigs) sites.push({ at: `provider.${name}`, value: configs });
  return sites;
}
