/**
 * Schema checks against vendored extracts of the real provider/API schemas (test/infra/fixtures): documented
 * and required arguments per resource type, and literal objects (azapi bodies, Helm values) against an
 * Azure type or a CRD.
 */
import { blocks, isObj, type Json, type Obj, type TfModule } from './hcl';

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
