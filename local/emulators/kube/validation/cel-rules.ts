/**
 * Evaluates a CRD's x-kubernetes-validations CEL rules with @bufbuild/cel, walking the schema and the
 * object together (and the old object, on update, for transition rules that use `oldSelf`).
 * Kubernetes CEL library functions used by the reference CRDs (ip, cidr, isIP, family) are added here.
 */
import { celEnv, celFunc, celMethod, CelScalar, isCelError, parse, plan, type CelEnv } from '@bufbuild/cel';
import ipaddr from 'ipaddr.js';
import { isObject, type JsonObject } from '../json';
import type { StatusCause } from '../errors';

interface Rule { rule: string; message?: string; reason?: string; fieldPath?: string }

function family(address: string): bigint {
  try { return ipaddr.parse(address).kind() === 'ipv6' ? 6n : 4n; } catch { return 0n; }
}

/** ip and cidr values are carried as strings: `cidr(s).ip()` yields the address part. */
const kubernetesLibrary = [
  celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (s) => ipaddr.isValid(s) && !s.includes('/')),
  celFunc('isCIDR', [CelScalar.STRING], CelScalar.BOOL, (s) => { try { ipaddr.parseCIDR(s); return true; } catch { return false; } }),
  celFunc('ip', [CelScalar.STRING], CelScalar.STRING, (s) => s),
  celFunc('cidr', [CelScalar.STRING], CelScalar.STRING, (s) => s),
  celMethod('ip', CelScalar.STRING, [], CelScalar.STRING, function () { return this.split('/')[0] ?? ''; }),
  celMethod('family', CelScalar.STRING, [], CelScalar.INT, function () { return family(this.split('/')[0] ?? ''); }),
  celMethod('prefixLength', CelScalar.STRING, [], CelScalar.INT, function () { return BigInt(this.split('/')[1] ?? '0'); }),
];

let env: CelEnv | undefined;
const plans = new Map<string, ReturnType<typeof plan>>();

function compiled(rule: string): ReturnType<typeof plan> {
  env ??= celEnv({ funcs: kubernetesLibrary });
  let p = plans.get(rule);
  if (!p) {
    p = plan(env, parse(rule));
    plans.set(rule, p);
  }
  return p;
}

function schemaType(schema: JsonObject): string | undefined {
  return typeof schema.type === 'string' ? schema.type : undefined;
}

/** JSON → CEL input: integers become CEL ints (bigint) where the schema says integer or int-or-string. */
function toCel(value: unknown, schema: JsonObject | undefined): unknown {
  if (typeof value === 'number') {
    const integral = schema ? schemaType(schema) === 'integer' || schema['x-kubernetes-int-or-string'] === true : Number.isInteger(value);
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema && isObject(schema.items) ? schema.items : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    const props = schema && isObject(schema.properties) ? schema.properties : {};
    const extra = schema && isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      const sub = props[k];
      out[k] = toCel(v, isObject(sub) ? sub : extra);
    }
    return out;
  }
  return value;
}

function rulesOf(schema: JsonObject): Rule[] {
  const list = schema['x-kubernetes-validations'];
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).filter((r) => typeof r.rule === 'string').map((r) => ({
    rule: String(r.rule),
    ...(typeof r.message === 'string' ? { message: r.message } : {}),
    ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
    ...(typeof r.fieldPath === 'string' ? { fieldPath: r.fieldPath } : {}),
  }));
}

const NO_OLD = Symbol('no old value');

function walk(schema: JsonObject, value: unknown, old: unknown, path: string, causes: StatusCause[]): void {
  if (value === undefined || value === null) return;
  for (const r of rulesOf(schema)) {
    const transition = /\boldSelf\b/.test(r.rule);
    if (transition && old === NO_OLD) continue;
    const bindings: Record<string, unknown> = { self: toCel(value, schema) };
    if (transition) bindings.oldSelf = toCel(old, schema);
    let ok: boolean;
    let detail = '';
    try {
      const result = compiled(r.rule)(bindings as never);
      if (isCelError(result)) {
        ok = false;
        detail = `: evaluation error: ${result.message}`;
      } else ok = result === true;
    } catch (e) {
      ok = false;
      detail = `: compile error: ${(e as Error).message}`;
    }
    if (!ok) {
      const field = r.fieldPath ? `${path}${r.fieldPath}` : path;
      const shown = typeof value === 'object' ? 'object' : JSON.stringify(value);
      causes.push({ reason: r.reason ?? 'FieldValueInvalid', field: field.replace(/^\./, ''), message: `Invalid value: ${shown}: ${r.message ?? `failed rule: ${r.rule}`}${detail}` });
    }
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    const extra = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = isObject(props[k]) ? (props[k] as JsonObject) : extra;
      if (!sub) continue;
      const oldChild = isObject(old) && k in old ? old[k] : NO_OLD;
      walk(sub, v, oldChild, isObject(props[k]) ? `${path}.${k}` : `${path}[${k}]`, causes);
    }
  } else if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((v, i) => walk(items, v, NO_OLD, `${path}[${i}]`, causes));
  }
}

/** Returns one cause per failed rule; `old` is the stored object on update, undefined on create. */
export function evaluateCelRules(schema: JsonObject, obj: JsonObject, old: JsonObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(schema, obj, old ?? NO_OLD, '', causes);
  return causes;
}
