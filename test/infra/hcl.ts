/**
 * Reads Terraform with HashiCorp's own HCL parser (@cdktf/hcl2json: the Go hcl library compiled to
 * wasm) and checks what `terraform validate` would catch without providers or a subscription, plus our
 * own rules. Every checker is pure: it takes parsed modules and returns problems as strings
 * ("<module dir>: <what is wrong>"); an empty list means the check passed.
 */
import { parse, getExpressionAst, getReferencesInExpression, wrapTerraformExpression } from '@cdktf/hcl2json';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** hcl2json output: blocks are arrays of objects, attributes are JSON values, expressions are "${...}" strings. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

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

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const blocks = (v: Json | undefined): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);

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

/** Every string in a JSON value with its path (for messages). */
function* strings(value: Json | undefined, at: string): Generator<{ at: string; text: string }> {
  if (typeof value === 'string') yield { at, text: value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${at}[${i}]`);
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) yield* strings(v, at === '' ? k : `${at}.${k}`);
}

/** Labels of `dynamic "x"` blocks anywhere in a value: inside them, `x.value` / `x.key` are iterators. */
function dynamicLabels(value: Json | undefined, found = new Set<string>()): Set<string> {
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
function expressionSites(mod: TfModule): Array<{ at: string; value: Json }> {
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

const META_ROOTS = new Set(['each', 'count', 'self', 'path', 'terraform']);
const MODULE_META_ARGS = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);

/** References that do not resolve inside their module: undeclared var/local/data/resource/module, or a missing module output. */
export async function checkReferences(mod: TfModule, tree: ModuleTree): Promise<string[]> {
  const problems: string[] = [];
  for (const site of expressionSites(mod)) {
    const iterators = dynamicLabels(site.value);
    for (const { at, text } of strings(site.value, site.at)) {
      if (!text.includes('${')) continue;
      const refs = await getReferencesInExpression(`${mod.dir}/${at}`, text);
      for (const { value } of refs) {
        const parts = value.split('.');
        const [root, second, third] = parts;
        const bad = (why: string) => problems.push(`${mod.dir}: ${at}: ${value}: ${why}`);
        // each.* needs for_each and count.* needs count on the enclosing resource, data source or module call.
        if (root === 'each' && !(isObj(site.value) && 'for_each' in site.value)) bad('each.* used without for_each');
        if (root === 'count' && !(isObj(site.value) && 'count' in site.value)) bad('count.* used without count');
        if (parts.length < 2 || !root || META_ROOTS.has(root) || iterators.has(root)) continue;
        if (root === 'var') {
          if (!mod.variables.has(second!)) bad(`variable "${second}" is not declared`);
        } else if (root === 'local') {
          if (!mod.locals.has(second!)) bad(`local "${second}" is not defined`);
        } else if (root === 'module') {
          if (!mod.moduleCalls.has(second!)) bad(`module "${second}" is not called in this module`);
        } else if (root === 'data') {
          if (!mod.data.has(`${second}.${third}`)) bad(`data source "${second}.${third}" is not declared`);
        } else if (/^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(root)) {
          if (!mod.resources.has(`${root}.${second}`)) bad(`resource "${root}.${second}" is not declared`);
        } else {
          bad('unknown reference');
        }
      }
      // Module outputs, also behind an index (the parser drops the attribute after `[each.key]`).
      for (const m of text.matchAll(/\bmodule\.([A-Za-z_][\w-]*)((?:\[[^\]]*\])*)\.([A-Za-z_][\w-]*)/g)) {
        const [, name, , output] = m;
        const call = mod.moduleCalls.get(name!);
        if (!call) continue; // reported above
        const childDir = resolveSource(mod.dir, call);
        const child = childDir ? tree.get(childDir) : undefined;
        if (child && !child.outputs.has(output!)) problems.push(`${mod.dir}: ${at}: module.${name}.${output}: module "${name}" has no output "${output}"`);
      }
    }
  }
  return problems;
}

/** Module calls: the source exists, every argument is a declared variable, every required variable is passed. */
export function checkModuleCalls(mod: TfModule, tree: ModuleTree): string[] {
  const problems: string[] = [];
  for (const [name, call] of mod.moduleCalls) {
    const childDir = resolveSource(mod.dir, call);
    if (!childDir) {
      problems.push(`${mod.dir}: module "${name}": source ${JSON.stringify(call.source)} is not a local path (registry modules are not bundled)`);
      continue;
    }
    const child = tree.get(childDir);
    if (!child) {
      problems.push(`${mod.dir}: module "${name}": source ${String(call.source)} does not exist`);
      continue;
    }
    for (const arg of Object.keys(call)) {
      if (!MODULE_META_ARGS.has(arg) && !child.variables.has(arg)) problems.push(`${mod.dir}: module "${name}": argument "${arg}" is not a variable of ${String(call.source)}`);
    }
    for (const [variable, decl] of child.variables) {
      if (!('default' in decl) && !(variable in call)) problems.push(`${mod.dir}: module "${name}": required variable "${variable}" of ${String(call.source)} is not passed`);
    }
  }
  return problems;
}

/** Every variable has a type and a description; every output has a description. */
export function checkDeclarations(mod: TfModule): string[] {
  const problems: string[] = [];
  const blank = (v: Json | undefined) => typeof v !== 'string' || v.trim() === '';
  for (const [name, decl] of mod.variables) {
    if (blank(decl.type)) problems.push(`${mod.dir}: variable "${name}" has no type`);
    if (blank(decl.description)) problems.push(`${mod.dir}: variable "${name}" has no description`);
  }
  for (const [name, decl] of mod.outputs) {
    if (blank(decl.description)) problems.push(`${mod.dir}: output "${name}" has no description`);
  }
  return problems;
}

/** Literal patterns that only ever appear in credentials. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/AccountKey=/i, 'storage account key in a connection string'],
  [/SharedAccessSignature=|[?&]sig=[A-Za-z0-9%+/]{16,}/i, 'shared access signature'],
  [/SharedAccessKey=/i, 'shared access key in a connection string'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key'],
  [/InstrumentationKey=[0-9a-f]{8}-/i, 'Application Insights key in a literal connection string'],
  [/[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{30,}/, 'Entra client secret'],
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==/, 'base64 storage/service key'],
];
/** Attribute names that hold credentials: their values must be expressions (references), never literals. */
const SECRET_NAMES = /(password|secret|access_key|account_key|connection_string|sas_token|api_key|private_key)$/i;

/** No credential literals: known secret shapes anywhere in the text, and no literal value for a secret-named attribute. */
export function checkNoSecretLiterals(mod: TfModule): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(mod.sources)) {
    for (const [pattern, what] of SECRET_PATTERNS) if (pattern.test(text)) problems.push(`${mod.dir}/${file}: contains a ${what}`);
  }
  const visit = (value: Json | undefined, at: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${at}[${i}]`));
    else if (isObj(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (SECRET_NAMES.test(k) && typeof v === 'string' && v !== '' && !v.includes('${')) problems.push(`${mod.dir}: ${at}.${k}: literal value for a secret`);
        visit(v, `${at}.${k}`);
      }
    }
  };
  for (const [file, json] of Object.entries(mod.parsed)) visit(json, file);
  return problems;
}

/** `~> 4.50`, `~> 4.50.1`, `4.50.1` or `= 4.50.1`: a major upgrade never happens by itself. */
const PINNED = /^(?:~>\s*\d+\.\d+(?:\.\d+)?|=?\s*\d+\.\d+\.\d+)$/;

/**
 * Providers are declared and pinned: every provider a module uses (resource/data type prefix or
 * provider block) is in its required_providers with a source and a pinned version, and the module
 * states required_version.
 */
export function checkProviderPins(mod: TfModule): string[] {
  const problems: string[] = [];
  const used = new Set<string>([...mod.providerConfigs.keys()]);
  for (const key of [...mod.resources.keys(), ...mod.data.keys()]) used.add(key.split('_')[0]!);
  for (const provider of used) if (!mod.requiredProviders.has(provider)) problems.push(`${mod.dir}: provider "${provider}" is used but not in required_providers`);
  for (const [name, req] of mod.requiredProviders) {
    if (typeof req.source !== 'string' || !/^[\w-]+\/[\w-]+$/.test(req.source)) problems.push(`${mod.dir}: provider "${name}" has no source`);
    if (typeof req.version !== 'string' || !PINNED.test(req.version.trim())) problems.push(`${mod.dir}: provider "${name}" version ${JSON.stringify(req.version)} is not pinned (use "~> X.Y" or an exact version)`);
  }
  if ((mod.resources.size > 0 || mod.data.size > 0 || mod.moduleCalls.size > 0) && !mod.requiredVersion) problems.push(`${mod.dir}: terraform.required_version is not set`);
  return problems;
}

/** The actions granted by every custom role definition (azurerm_role_definition) in a module. */
export function customRoleActions(mod: TfModule): Array<{ role: string; actions: Json[]; dataActions: Json[] }> {
  const found: Array<{ role: string; actions: Json[]; dataActions: Json[] }> = [];
  for (const [key, body] of mod.resources) {
    if (!key.startsWith('azurerm_role_definition.')) continue;
    for (const p of blocks(body.permissions)) {
      found.push({ role: key, actions: Array.isArray(p.actions) ? p.actions : [p.actions ?? null], dataActions: Array.isArray(p.data_actions) ? p.data_actions : p.data_actions === undefined ? [] : [p.data_actions] });
    }
  }
  return found;
}

/**
 * Custom roles grant only listed actions: each action is a literal (so it can be checked), contains
 * no '*', and is in `allowed`; data actions are not granted through custom roles at all.
 */
export function checkRoleActions(mod: TfModule, allowed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { role, actions, dataActions } of customRoleActions(mod)) {
    for (const action of actions) {
      if (typeof action !== 'string' || action.includes('${')) problems.push(`${mod.dir}: ${role}: action ${JSON.stringify(action)} is not a literal string`);
      else if (action.includes('*')) problems.push(`${mod.dir}: ${role}: wildcard action "${action}"`);
      else if (!allowed.has(action)) problems.push(`${mod.dir}: ${role}: action "${action}" is not called by the app (lib/adapters/azure-permissions.ts)`);
    }
    if (dataActions.length > 0) problems.push(`${mod.dir}: ${role}: grants data actions; use a built-in data role scoped to the resource instead`);
  }
  return problems;
}

/** Role assignments never target a subscription or a resource group: each is scoped to one resource. */
export function checkAssignmentScopes(mod: TfModule): string[] {
  const problems: string[] = [];
  for (const [key, body] of mod.resources) {
    if (!key.startsWith('azurerm_role_assignment.')) continue;
    const scope = body.scope;
    if (typeof scope !== 'string') {
      problems.push(`${mod.dir}: ${key}: scope is missing`);
      continue;
    }
    if (/^\/subscriptions\/[^/]+\/?$/i.test(scope) || /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/?$/i.test(scope)) problems.push(`${mod.dir}: ${key}: scope ${scope} is a subscription or resource group`);
    if (/azurerm_subscription|azurerm_client_config|azurerm_resource_group\.|resource_group_id|subscription_id/.test(scope)) problems.push(`${mod.dir}: ${key}: scope ${scope} is a subscription or resource group`);
  }
  return problems;
}

/** Keys of a literal object (map/object constructor) value; undefined when the value is an expression. */
export function literalKeys(value: Json | undefined): string[] | undefined {
  return isObj(value) ? Object.keys(value) : undefined;
}

export interface ContractSetting {
  name: string;
  required: boolean;
  secret?: boolean;
}

/**
 * The Function App's app settings against the app's configuration schema: every required setting is
 * set, nothing is set that the app does not read, no secret is set, host-level settings are only the
 * listed ones, and every app-settings sink of the function module reads the merged local.
 */
export function checkAppSettingsContract(args: {
  root: TfModule;
  functionModule: TfModule;
  functionCallName: string;
  schema: ReadonlyArray<ContractSetting>;
  hostLevel: ReadonlyMap<string, string>;
}): string[] {
  const { root, functionModule, functionCallName, schema, hostLevel } = args;
  const problems: string[] = [];
  const appKeys = literalKeys(root.locals.get('app_settings'));
  if (!appKeys) return [`${root.dir}: local "app_settings" must be a literal map so its keys can be checked`];
  // Host-level settings: every local named *_app_settings except the merged app_settings itself.
  const hostKeys: string[] = [];
  for (const [name, value] of functionModule.locals) {
    if (!name.endsWith('_app_settings')) continue;
    const keys = literalKeys(value);
    if (!keys) return [`${functionModule.dir}: local "${name}" must be a literal map so its keys can be checked`];
    hostKeys.push(...keys);
  }
  if (!functionModule.locals.has('host_app_settings')) return [`${functionModule.dir}: local "host_app_settings" is missing`];
  const byName = new Map(schema.map((s) => [s.name, s]));
  for (const s of schema) if (s.required && !appKeys.includes(s.name)) problems.push(`app setting ${s.name} is required by the app but not set by Terraform`);
  for (const key of appKeys) {
    const s = byName.get(key);
    if (!s) problems.push(`app setting ${key} is set by Terraform but the app does not read it`);
    else if (s.secret) problems.push(`app setting ${key} is a secret: Terraform must not set it`);
    if (hostLevel.has(key)) problems.push(`app setting ${key} is host-level, not the app's`);
  }
  for (const key of hostKeys) {
    if (!hostLevel.has(key)) problems.push(`host-level setting ${key} is not in the documented host-level list`);
    if (byName.has(key)) problems.push(`host-level setting ${key} is also an app setting`);
  }
  const call = root.moduleCalls.get(functionCallName);
  if (!call) problems.push(`${root.dir}: module "${functionCallName}" is not called`);
  else if (call.app_settings !== '${local.app_settings}') problems.push(`${root.dir}: module "${functionCallName}" must receive app_settings = local.app_settings`);
  const merged = functionModule.locals.get('app_settings');
  if (typeof merged !== 'string' || !/merge\(\s*local\.host_app_settings\s*,\s*var\.app_settings\s*\)/.test(merged)) problems.push(`${functionModule.dir}: local "app_settings" must be merge(local.host_app_settings, var.app_settings)`);
  let sinks = 0;
  for (const [key, body] of functionModule.resources) {
    const type = key.split('.')[0]!;
    const sink = type === 'azapi_resource' ? appSettingsOfSite(body) : FUNCTION_APP_TYPES.has(type) ? body.app_settings : undefined;
    if (sink === undefined) continue;
    sinks += 1;
    if (typeof sink !== 'string' || !sink.includes('local.app_settings')) problems.push(`${functionModule.dir}: ${key}: app settings must come from local.app_settings`);
    // Inline entries would bypass the contract: settings are added only through the checked locals.
    else if (FUNCTION_APP_TYPES.has(type) && /[{,]\s*"?[A-Za-z_][\w]*"?\s*=[^=]/.test(sink)) problems.push(`${functionModule.dir}: ${key}: app settings add inline entries; put them in a *_app_settings local`);
  }
  if (sinks === 0) problems.push(`${functionModule.dir}: no Function App resource sets app settings`);
  return problems;
}

const FUNCTION_APP_TYPES = new Set(['azurerm_linux_function_app', 'azurerm_windows_function_app', 'azurerm_function_app_flex_consumption']);

function appSettingsOfSite(body: Obj): Json | undefined {
  const props = isObj(body.body) && isObj(body.body.properties) ? body.body.properties : undefined;
  return props && isObj(props.siteConfig) ? props.siteConfig.appSettings : undefined;
}

/** Documented arguments per resource/data type: "" = top level, other keys = nested block names. */
export type ArgumentSchema = Record<string, Record<string, string[]>>;

const RESOURCE_META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'dynamic', 'timeouts']);

/**
 * Every argument and nested block a resource/data block sets is documented for its type, and every
 * documented required argument of the blocks it writes is set (a typo, a missing argument or one renamed
 * between provider majors fails here, as `terraform validate` would). Types the schema does not cover
 * are reported by `uncoveredTypes`, not here.
 */
export function checkArguments(mod: TfModule, schema: ArgumentSchema, required: ArgumentSchema = {}): string[] {
  const problems: string[] = [];
  const visit = (body: Obj, sections: Record<string, string[]>, needed: Record<string, string[]>, section: string, at: string) => {
    const allowed = new Set(sections[section] ?? []);
    const present = new Set(Object.keys(body));
    for (const [key, value] of Object.entries(body)) {
      if (key === 'dynamic' && isObj(value)) {
        for (const [label, dyn] of Object.entries(value)) {
          present.add(label);
          if (!allowed.has(label)) problems.push(`${mod.dir}: ${at}: dynamic block "${label}" is not an argument`);
          for (const d of blocks(dyn)) for (const content of blocks(d.content)) if (sections[label]) visit(content, sections, needed, label, `${at}.${label}`);
        }
        continue;
      }
      if (section === '' && RESOURCE_META.has(key)) continue;
      if (!allowed.has(key)) {
        problems.push(`${mod.dir}: ${at}: "${key}" is not an argument${section === '' ? '' : ` of block ${section}`}`);
        continue;
      }
      // Nested blocks are arrays of objects; descend when the docs describe the block.
      if (Array.isArray(value) && sections[key]) for (const nested of blocks(value)) visit(nested, sections, needed, key, `${at}.${key}`);
    }
    for (const arg of needed[section] ?? []) if (!present.has(arg)) problems.push(`${mod.dir}: ${at}: required "${arg}"${section === '' ? '' : ` of block ${section}`} is missing`);
  };
  for (const [kind, map] of [['resource', mod.resources], ['data', mod.data]] as const) {
    for (const [key, body] of map) {
      const type = `${kind}.${key.split('.')[0]}`;
      const sections = schema[type];
      if (sections) visit(body, sections, required[type] ?? {}, '', kind === 'data' ? `data.${key}` : key);
    }
  }
  return problems;
}

/** Types a module uses with the given provider prefix that the schema does not describe. */
export function uncoveredTypes(mod: TfModule, schema: ArgumentSchema, prefix: string): string[] {
  const missing: string[] = [];
  for (const [kind, map] of [['resource', mod.resources], ['data', mod.data]] as const) {
    for (const key of map.keys()) {
      const type = key.split('.')[0]!;
      if (type.startsWith(prefix) && !schema[`${kind}.${type}`]) missing.push(`${kind}.${type}`);
    }
  }
  return missing;
}

/** Allowed property names per object path ("" = top, "a.b[]" = items of array a.b) and string enums per property path. */
export interface ObjectSchema {
  resource: string;
  objects: Record<string, string[]>;
  enums: Record<string, string[]>;
}

/**
 * A literal object (parsed HCL) uses only property names the schema allows at every level, and enum
 * values it lists. An object path the schema does not describe is reported (regenerate the fixture), so
 * new nesting cannot slip through unchecked. Expressions ("${...}") are not checked.
 */
export function checkLiteralObject(value: Json, schema: ObjectSchema, at: string): string[] {
  const problems: string[] = [];
  const visit = (v: Json, path: string) => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item, `${path}[]`);
      return;
    }
    if (!isObj(v)) return;
    const allowed = schema.objects[path];
    if (!allowed) {
      problems.push(`${at}: object "${path}" is not described by the ${schema.resource} fixture`);
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      const values = schema.enums[childPath];
      if (!allowed.includes(key)) problems.push(`${at}: "${childPath}" is not a property of ${schema.resource}`);
      else if (typeof child === 'string' && !child.includes('${') && values && !values.includes(child)) problems.push(`${at}: "${childPath}" = "${child}" is not one of ${values.join(', ')}`);
      else visit(child, childPath);
    }
  };
  visit(value, '');
  return problems;
}

/** azapi bodies of `schema.resource` checked with checkLiteralObject; a jsonencode()d body cannot be checked and is refused. */
export function checkAzapiBody(mod: TfModule, schema: ObjectSchema): string[] {
  const problems: string[] = [];
  for (const [key, body] of mod.resources) {
    if (!key.startsWith('azapi_resource.') || body.type !== schema.resource) continue;
    if (isObj(body.body)) problems.push(...checkLiteralObject(body.body, schema, `${mod.dir}: ${key}`));
    else problems.push(`${mod.dir}: ${key}: body must be an HCL object (not jsonencode) so it can be checked`);
  }
  return problems;
}

/** Variables nothing in their module reads (a caller setting them would change nothing), like tflint's unused-declarations rule. */
export function checkUnusedVariables(mod: TfModule): string[] {
  const used = new Set<string>();
  for (const site of expressionSites(mod)) {
    for (const { text } of strings(site.value, site.at)) for (const m of text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) used.add(m[1]!);
  }
  // A variable's own validation reads it, which does not count as a use.
  const usedOutsideValidation = new Set<string>();
  for (const site of expressionSites(mod)) {
    if (site.at.startsWith('variable.')) continue;
    for (const { text } of strings(site.value, site.at)) for (const m of text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) usedOutsideValidation.add(m[1]!);
  }
  return [...mod.variables.keys()].filter((v) => !usedOutsideValidation.has(v)).map((v) => `${mod.dir}: variable "${v}" is declared but never used${used.has(v) ? ' (only by validations)' : ''}`);
}

/** Terraform's built-in functions (language reference, Terraform 1.9; `provider::` functions are checked separately). */
const TERRAFORM_FUNCTIONS = new Set([
  'abs', 'ceil', 'floor', 'log', 'max', 'min', 'parseint', 'pow', 'signum',
  'chomp', 'endswith', 'format', 'formatlist', 'indent', 'join', 'lower', 'regex', 'regexall', 'replace', 'split', 'startswith',
  'strcontains', 'strrev', 'substr', 'templatestring', 'title', 'trim', 'trimprefix', 'trimspace', 'trimsuffix', 'upper',
  'alltrue', 'anytrue', 'chunklist', 'coalesce', 'coalescelist', 'compact', 'concat', 'contains', 'distinct', 'element', 'flatten',
  'index', 'keys', 'length', 'lookup', 'matchkeys', 'merge', 'one', 'range', 'reverse', 'setintersection', 'setproduct',
  'setsubtract', 'setunion', 'slice', 'sort', 'sum', 'transpose', 'values', 'zipmap',
  'base64decode', 'base64encode', 'base64gzip', 'csvdecode', 'jsondecode', 'jsonencode', 'textdecodebase64', 'textencodebase64',
  'urlencode', 'yamldecode', 'yamlencode',
  'abspath', 'dirname', 'pathexpand', 'basename', 'file', 'fileexists', 'fileset', 'filebase64', 'templatefile',
  'formatdate', 'plantimestamp', 'timeadd', 'timecmp', 'timestamp',
  'base64sha256', 'base64sha512', 'bcrypt', 'filebase64sha256', 'filebase64sha512', 'filemd5', 'filesha1', 'filesha256',
  'filesha512', 'md5', 'rsadecrypt', 'sha1', 'sha256', 'sha512', 'uuid', 'uuidv5',
  'cidrhost', 'cidrnetmask', 'cidrsubnet', 'cidrsubnets',
  'can', 'issensitive', 'nonsensitive', 'sensitive', 'tobool', 'tolist', 'tomap', 'tonumber', 'toset', 'tostring', 'try', 'type',
]);

type AstNode = { type?: string; meta?: { name?: string }; children?: AstNode[] };

function functionNames(node: AstNode | null, found: string[] = []): string[] {
  if (!node) return found;
  if (node.type === 'function' && typeof node.meta?.name === 'string') found.push(node.meta.name);
  for (const child of node.children ?? []) functionNames(child, found);
  return found;
}

/** Every function called in an expression is a Terraform built-in (a typo or an invented function fails `terraform validate`). */
export async function checkFunctions(mod: TfModule): Promise<string[]> {
  const problems: string[] = [];
  for (const site of expressionSites(mod)) {
    for (const { at, text } of strings(site.value, site.at)) {
      if (!text.includes('${')) continue;
      const quoted = text.startsWith('"') ? text : `"${text}"`;
      const ast = (await getExpressionAst(`${mod.dir}/${at}`, wrapTerraformExpression(quoted).wrap)) as AstNode | null;
      for (const name of functionNames(ast)) {
        if (!TERRAFORM_FUNCTIONS.has(name) && !name.startsWith('provider::')) problems.push(`${mod.dir}: ${at}: ${name}() is not a Terraform function`);
      }
    }
  }
  return problems;
}
