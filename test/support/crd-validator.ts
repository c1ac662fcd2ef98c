/**
 * Validates rendered objects against the REAL CRD schemas in ../shared/reference/crds/ with ajv, following the
 * Kubernetes structural-schema rules that matter for "would the API server accept this":
 * - a property not listed is forbidden (the API server prunes or, with strict field validation, rejects it),
 *   unless the node has `x-kubernetes-preserve-unknown-fields: true`;
 * - `x-kubernetes-int-or-string: true` accepts an integer or a string;
 * - `nullable: true` also accepts null;
 * - Go regexps' `(?i)` (case-insensitive) prefix is honoured (JavaScript has no inline flags);
 * - format `cidr` is checked; int32/int64/date-time via ajv-formats.
 * `x-kubernetes-validations` (CEL) rules are NOT evaluated here; `crdSchema` hands the raw schema to a CEL evaluator
 * (the manifest tests use the Kubernetes emulator's), and the domain code checks the rules that matter to it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const CRD_DIR = path.resolve(__dirname, '../../../shared/reference/crds');

type JsonSchema = { [key: string]: unknown };
interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{ name: string; schema?: { openAPIV3Schema: JsonSchema } }>;
  };
}

/** Minimal ObjectMeta: the fields a manifest may set (the API server fills the rest). */
const objectMeta: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' },
    namespace: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['name'],
  additionalProperties: true,
};

/** Turns one structural-schema node into plain JSON Schema (recursively). */
export function structuralToJsonSchema(node: JsonSchema, isRoot = false): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable' || key === 'description' || key === 'default') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          isRoot && name === 'metadata' ? objectMeta : structuralToJsonSchema(child),
        ]),
      );
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' && value !== null ? structuralToJsonSchema(value as JsonSchema) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as JsonSchema[]).map((child) => structuralToJsonSchema(child));
    } else if (key === 'pattern') {
      out.k8sPattern = value;
    } else {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === 'object' && !preserve && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv, ['int32', 'int64', 'date-time']);
  ajv.addFormat('cidr', { type: 'string', validate: isCidr });
  ajv.addKeyword({
    keyword: 'k8sPattern',
    type: 'string',
    schemaType: 'string',
    error: { message: (ctx) => `must match pattern "${String(ctx.schema)}"` },
    compile(pattern: string) {
      const caseInsensitive = pattern.includes('(?i)');
      const regex = new RegExp(pattern.replace('(?i)', ''), caseInsensitive ? 'iu' : 'u');
      return (value: string) => regex.test(value);
    },
  });
  return ajv;
}

function isCidr(value: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (v4) return v4.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(value);
  return v6 !== null && v6[1]!.includes(':') && Number(v6[2]) <= 128;
}

interface LoadedCrd {
  group: string;
  kind: string;
  version: string;
  scope: 'Namespaced' | 'Cluster';
  validate: ValidateFunction;
  /** The CRD's openAPIV3Schema as published (with its x-kubernetes-* extensions). */
  raw: JsonSchema;
}

let cache: LoadedCrd[] | undefined;
function loadAll(): LoadedCrd[] {
  if (cache) return cache;
  const ajv = newAjv();
  cache = readdirSync(CRD_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => {
      const crd = parse(readFileSync(path.join(CRD_DIR, file), 'utf8')) as Crd;
      return crd.spec.versions
        .filter((version) => version.schema)
        .map((version) => {
          const schema = structuralToJsonSchema(version.schema!.openAPIV3Schema, true);
          const { group, names, scope } = crd.spec;
          return { group, kind: names.kind, version: version.name, scope, validate: ajv.compile(schema), raw: version.schema!.openAPIV3Schema };
        });
    });
  return cache;
}

export interface CrdValidation {
  valid: boolean;
  /** `<json path>: <message>` lines, e.g. `/spec/vxlanMode: must be equal to one of the allowed values`. */
  errors: string[];
}

const describeError = (error: ErrorObject): string => {
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  const allowed = error.keyword === 'enum' ? ` ${JSON.stringify(error.params.allowedValues)}` : '';
  return `${error.instancePath || '/'}: ${error.message ?? error.keyword}${extra}${allowed}`;
};

/** Validates a custom resource by its apiVersion/kind; an unknown kind is an error, never a pass. */
export function validateCustomResource(object: unknown): CrdValidation {
  const { apiVersion, kind, metadata } = (object ?? {}) as { apiVersion?: string; kind?: string; metadata?: { namespace?: string } };
  const crd = loadAll().find((c) => `${c.group}/${c.version}` === apiVersion && c.kind === kind);
  if (!crd) return { valid: false, errors: [`no CRD in ${CRD_DIR} for ${String(apiVersion)} ${String(kind)}`] };
  const errors = crd.validate(object) ? [] : (crd.validate.errors ?? []).map(describeError);
  if (crd.scope === 'Namespaced' && !metadata?.namespace) errors.push('/metadata/namespace: required for a namespaced kind');
  if (crd.scope === 'Cluster' && metadata?.namespace) errors.push('/metadata/namespace: must be absent for a cluster-scoped kind');
  return { valid: errors.length === 0, errors };
}

/** The published openAPIV3Schema of a kind (e.g. to evaluate its CEL rules elsewhere); throws if unknown. */
export function crdSchema(apiVersion: string, kind: string): JsonSchema {
  const crd = loadAll().find((c) => `${c.group}/${c.version}` === apiVersion && c.kind === kind);
  if (!crd) throw new Error(`no CRD for ${apiVersion} ${kind}`);
  return crd.raw;
}

/** The kinds available, for tests that want to prove they covered every CRD they render. */
export const knownKinds = (): string[] => loadAll().map((c) => `${c.group}/${c.version} ${c.kind}`);
