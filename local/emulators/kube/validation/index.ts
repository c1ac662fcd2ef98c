/**
 * One validator per kind: metadata rules for all, the CRD's own openAPIV3Schema (ajv) and CEL rules for
 * CRD kinds, a few hand-written checks for built-in kinds. Also applies schema defaults, as the API server does.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import ipaddr from 'ipaddr.js';
import { isObject, type JsonObject } from '../json';
import type { StatusCause } from '../errors';
import type { ResourceType } from '../resources';
import { toJsonSchema } from './structural-schema';
import { evaluateCelRules } from './cel-rules';
import { validateMetadata } from './metadata';
import { validateBuiltin } from './builtin-kinds';

export interface ValidationOptions {
  /** Strict: unknown fields are refused (422). Ignore/Warn: they are pruned; Warn reports them. */
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
}

export interface ValidationResult { causes: StatusCause[]; warnings: string[] }

function fieldPath(instancePath: string, extra?: string): string {
  const segs = instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segs.push(extra);
  let out = '';
  for (const s of segs) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

function valueAt(obj: unknown, instancePath: string): unknown {
  let cur = obj;
  for (const seg of instancePath.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function shown(v: unknown): string {
  return typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'array' : 'object') : JSON.stringify(v) ?? 'null';
}

function toCauses(errors: ErrorObject[], obj: JsonObject): { causes: StatusCause[]; unknown: string[] } {
  const causes: StatusCause[] = [];
  const unknown: string[] = [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    const p = e.params as Record<string, unknown>;
    const value = valueAt(obj, e.instancePath);
    const at = fieldPath(e.instancePath);
    switch (e.keyword) {
      case 'additionalProperties':
        unknown.push(fieldPath(e.instancePath, String(p.additionalProperty)));
        break;
      case 'required':
        causes.push({ reason: 'FieldValueRequired', field: fieldPath(e.instancePath, String(p.missingProperty)), message: 'Required value' });
        break;
      case 'enum': {
        const allowed = Array.isArray(p.allowedValues) ? p.allowedValues.map((v) => JSON.stringify(v)).join(', ') : '';
        causes.push({ reason: 'FieldValueNotSupported', field: at, message: `Unsupported value: ${shown(value)}: supported values: ${allowed}` });
        break;
      }
      case 'type':
        if (anyOfPaths.has(e.instancePath)) break;
        causes.push({ reason: 'FieldValueTypeInvalid', field: at, message: `Invalid value: ${shown(value)}: ${at} in body must be of type ${String(p.type)}: ${shown(value)}` });
        break;
      case 'anyOf':
        causes.push({ reason: 'FieldValueTypeInvalid', field: at, message: `Invalid value: ${shown(value)}: ${at} in body must be of type integer or string: ${shown(value)}` });
        break;
      default:
        causes.push({ reason: 'FieldValueInvalid', field: at, message: `Invalid value: ${shown(value)}: ${at} in body ${e.message ?? 'is invalid'}` });
    }
  }
  return { causes, unknown };
}

function removeField(obj: JsonObject, path: string): void {
  const segs = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let cur: unknown = obj;
  for (const s of segs.slice(0, -1)) cur = Array.isArray(cur) ? cur[Number(s)] : isObject(cur) ? cur[s] : undefined;
  const last = segs[segs.length - 1] ?? '';
  if (isObject(cur)) delete cur[last];
}

export class KindValidator {
  private readonly validate?: ValidateFunction;

  constructor(readonly resource: ResourceType, ajv: Ajv) {
    if (resource.schema) {
      const formats = new Set<string>();
      const schema = toJsonSchema(resource.schema, formats);
      for (const f of formats) if (!ajv.formats[f]) ajv.addFormat(f, true);
      this.validate = ajv.compile(schema);
    }
  }

  /** Validates `obj` in place (defaults filled, unknown fields pruned unless Strict). */
  check(obj: JsonObject, old: JsonObject | undefined, options: ValidationOptions): ValidationResult {
    const causes = validateMetadata(obj, this.resource.kind === 'Namespace');
    const warnings: string[] = [];
    if (this.validate && this.resource.schema) {
      this.validate(obj);
      const { causes: schemaCauses, unknown } = toCauses(this.validate.errors ?? [], obj);
      causes.push(...schemaCauses);
      if (unknown.length > 0) {
        if (options.fieldValidation === 'Strict') {
          causes.push(...unknown.map((f) => ({ reason: 'FieldValueInvalid', field: f, message: `unknown field "${f}": field not declared in schema` })));
        } else {
          for (const f of unknown) removeField(obj, f);
          if (options.fieldValidation === 'Warn') warnings.push(...unknown.map((f) => `unknown field "${f}"`));
        }
      }
      if (schemaCauses.length === 0) causes.push(...evaluateCelRules(this.resource.schema, obj, old));
    } else {
      causes.push(...validateBuiltin(this.resource.kind, obj));
    }
    return { causes, warnings };
  }
}

/** CRD patterns are Go (RE2) regular expressions: translate the inline `(?i)` flag that JS lacks. */
function goRegExp(pattern: string, flags: string): RegExp {
  let extra = '';
  // Inline flags such as `^(?i)(Info|Debug)$` apply to the whole pattern here (an approximation of RE2).
  const source = pattern.replace(/\(\?([ims]+)\)/g, (_m, f: string) => {
    extra += f;
    return '';
  });
  const all = [...new Set(flags + extra)].join('');
  try {
    return new RegExp(source, all);
  } catch {
    return new RegExp(source, all.replace('u', ''));
  }
}
goRegExp.code = 'goRegExp';

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false, code: { regExp: goRegExp } });
  addFormats(ajv);
  ajv.addFormat('cidr', { type: 'string', validate: (s: string) => { try { ipaddr.parseCIDR(s); return true; } catch { return false; } } });
  ajv.addFormat('ip', { type: 'string', validate: (s: string) => ipaddr.isValid(s) });
  return ajv;
}
