/**
 * Schema checks against vendored extracts of the real provider/API schemas (test/infra/fixtures): documented
 * and required arguments per resource type, and literal objects (azapi bodies, Helm values) against an
 * Azure type or a CRD.
 */
import { blocks, isObj, typedBlocks, type Json, type Obj, type TfModule } from './hcl';

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
  for (const { schemaKey, at, body } of typedBlocks(mod)) {
    const sections = schema[schemaKey];
    if (sections) visit(body, sections, required[schemaKey] ?? {}, '', at);
  }
  return problems;
}

/** Types a module uses with the given provider prefix that the schema does not describe. */
export function uncoveredTypes(mod: TfModule, schema: ArgumentSchema, prefix: string): string[] {
  const missing: string[] = [];
  for (const { type, schemaKey } of typedBlocks(mod)) if (type.startsWith(prefix) && !schema[schemaKey]) missing.push(schemaKey);
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

/** A provider schema extract (fixtures/extract-azurerm-schema-from-jsii.cjs): per "resource.x" / "data.x". */
export interface BlockSchema {
  attributes: Record<string, { type: string; required?: boolean }>;
  blocks: Record<string, BlockSchema & { nesting: 'single' | 'list'; required: boolean }>;
}
export interface ProviderSchema {
  provider: string;
  types: Record<string, BlockSchema>;
}

/** "azurerm_x.name.block.inner" → "inner" (the newer-names fixture keys blocks by their own name; "" = top). */
const sectionOf = (at: string): string => {
  const parts = at.replace(/^data\./, '').split('.');
  return parts.length <= 2 ? '' : parts[parts.length - 1]!;
};

/** Argument names a module sets that `schema` lacks but `newer` documents: the pin must require the newer release. */
export function namesNewerThan(mod: TfModule, schema: ProviderSchema, newer: ArgumentSchema, prefix = 'azurerm_'): string[] {
  const found: string[] = [];
  for (const { type, schemaKey, key, body } of typedBlocks(mod)) {
    const block = schema.types[schemaKey];
    if (!type.startsWith(prefix) || !block) continue;
    for (const name of Object.keys(body)) if (!RESOURCE_META.has(name) && !block.attributes[name] && !block.blocks[name] && (newer[schemaKey]?.[''] ?? []).includes(name)) found.push(`${key}.${name}`);
  }
  return found;
}

const isExpression = (v: Json): boolean => typeof v === 'string' && v.includes('${');
const NUMERIC = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Why a literal value cannot convert to an argument's type (Terraform's conversions), or undefined. */
function literalTypeProblem(value: Json, type: string): string | undefined {
  if (isExpression(value) || value === null || type === 'any') return undefined;
  const shown = JSON.stringify(value).slice(0, 40);
  if (type === 'string') return typeof value === 'object' ? `${shown} is not a string` : undefined;
  if (type === 'number') return typeof value === 'number' || (typeof value === 'string' && NUMERIC.test(value)) ? undefined : `${shown} is not a number`;
  if (type === 'bool') return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : `${shown} is not a bool`;
  const collection = /^(list|set|map)\((.+)\)$/.exec(type);
  if (!collection) return undefined;
  if (collection[1] === 'map') {
    if (!isObj(value)) return `${shown} is not a map`;
    for (const v of Object.values(value)) {
      const inner = literalTypeProblem(v, collection[2]!);
      if (inner) return `map element ${inner}`;
    }
    return undefined;
  }
  if (!Array.isArray(value)) return `${shown} is not a list`;
  for (const v of value) {
    if (isObj(v)) return `a list element is an object (${shown}): is this a block written as an argument?`;
    const inner = literalTypeProblem(v, collection[2]!);
    if (inner) return `list element ${inner}`;
  }
  return undefined;
}

/**
 * Every azurerm block against the provider's machine-readable schema: argument types (literals that Terraform
 * could not convert), required arguments and blocks, nested blocks written as blocks (not `x = {…}`) and an
 * argument not written as a block, at most one of a single-nesting block, and unknown names at every level.
 * Expressions are not evaluated: only literals are type-checked (that, and conversions of computed values, is
 * `terraform validate` / `plan`'s job).
 */
export function checkProviderSchema(mod: TfModule, schema: ProviderSchema, options: { prefix?: string; newer?: ArgumentSchema } = {}): string[] {
  const prefix = options.prefix ?? 'azurerm_';
  const problems: string[] = [];
  // Names a later release documents (options.newer, by "type" and block name) but this schema lacks: added
  // after the extract's release, so not type-checked here; the pin must then require that later release.
  let newerSections: Record<string, string[]> = {};
  const visit = (body: Obj, block: BlockSchema, at: string, top: boolean) => {
    const present = new Set<string>();
    for (const [key, value] of Object.entries(body)) {
      if (top && RESOURCE_META.has(key) && key !== 'dynamic') continue;
      if (key === 'dynamic' && isObj(value)) {
        for (const [label, dyn] of Object.entries(value)) {
          present.add(label);
          const nested = block.blocks[label];
          if (!nested) problems.push(`${mod.dir}: ${at}: dynamic "${label}" is not a block of ${schema.provider}`);
          else for (const d of blocks(dyn)) for (const content of blocks(d.content)) visit(content, nested, `${at}.${label}`, false);
        }
        continue;
      }
      present.add(key);
      const nested = block.blocks[key];
      const attribute = block.attributes[key];
      if (nested) {
        const instances = Array.isArray(value) ? value : [value];
        if (!Array.isArray(value) || instances.some((i) => !isObj(i))) {
          problems.push(`${mod.dir}: ${at}: "${key}" is a block: write ${key} { … }, not ${key} = …`);
          continue;
        }
        if (nested.nesting === 'single' && instances.length > 1) problems.push(`${mod.dir}: ${at}: block "${key}" may appear once, found ${instances.length}`);
        for (const instance of blocks(value)) visit(instance, nested, `${at}.${key}`, false);
      } else if (attribute) {
        // hcl2json writes `key { … }` as an array of objects: an argument cannot be written as a block.
        const written = Array.isArray(value) && value.length > 0 && value.every(isObj) && !/object|any/.test(attribute.type);
        if (written) problems.push(`${mod.dir}: ${at}: "${key}" is an argument of type ${attribute.type}, not a block`);
        else {
          const problem = literalTypeProblem(value, attribute.type);
          if (problem) problems.push(`${mod.dir}: ${at}: "${key}" (${attribute.type}): ${problem}`);
        }
      } else if (!(newerSections[sectionOf(at)] ?? []).includes(key)) {
        problems.push(`${mod.dir}: ${at}: "${key}" is not an argument or block in ${schema.provider}`);
      }
    }
    for (const [name, a] of Object.entries(block.attributes)) if (a.required && !present.has(name)) problems.push(`${mod.dir}: ${at}: required argument "${name}" is missing`);
    for (const [name, b] of Object.entries(block.blocks)) if (b.required && !present.has(name)) problems.push(`${mod.dir}: ${at}: required block "${name}" is missing`);
  };
  for (const { kind, type, schemaKey, at, body } of typedBlocks(mod)) {
    if (!type.startsWith(prefix)) continue;
    const block = schema.types[schemaKey];
    newerSections = options.newer?.[schemaKey] ?? {};
    if (!block) problems.push(`${mod.dir}: ${at}: ${kind} type ${type} is not in the ${schema.provider} schema extract (regenerate it)`);
    else visit(body, block, at, true);
  }
  return problems;
}
