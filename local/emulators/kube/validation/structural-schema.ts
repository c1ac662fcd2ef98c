/**
 * Turns a CRD's structural OpenAPI v3 schema into a JSON Schema ajv can compile, honouring the
 * x-kubernetes extensions that change what is valid:
 * - x-kubernetes-preserve-unknown-fields: unknown fields allowed (otherwise objects with properties are closed);
 * - x-kubernetes-int-or-string: integer or string;
 * - OpenAPI 3.0 boolean exclusiveMinimum/Maximum become draft-07 numbers.
 * x-kubernetes-validations (CEL) are evaluated separately by cel-rules.ts.
 */
import { isObject, type JsonObject } from '../json';

const COPIED = ['type', 'enum', 'format', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'required', 'nullable', 'default', 'multipleOf'] as const;

export function toJsonSchema(schema: JsonObject, formats: Set<string>): JsonObject {
  const out: JsonObject = {};
  for (const key of COPIED) if (schema[key] !== undefined) out[key] = schema[key];
  if (typeof schema.format === 'string') formats.add(schema.format);
  if (schema.exclusiveMinimum === true && typeof schema.minimum === 'number') {
    out.exclusiveMinimum = schema.minimum;
    delete out.minimum;
  }
  if (schema.exclusiveMaximum === true && typeof schema.maximum === 'number') {
    out.exclusiveMaximum = schema.maximum;
    delete out.maximum;
  }
  if (isObject(schema.properties)) {
    const props: JsonObject = {};
    for (const [name, sub] of Object.entries(schema.properties)) if (isObject(sub)) props[name] = toJsonSchema(sub, formats);
    out.properties = props;
  }
  if (isObject(schema.items)) out.items = toJsonSchema(schema.items, formats);
  if (isObject(schema.additionalProperties)) out.additionalProperties = toJsonSchema(schema.additionalProperties, formats);
  else if (typeof schema.additionalProperties === 'boolean') out.additionalProperties = schema.additionalProperties;
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[combinator];
    if (Array.isArray(list)) out[combinator] = list.filter(isObject).map((s) => toJsonSchema(s, formats));
  }
  if (isObject(schema.not)) out.not = toJsonSchema(schema.not, formats);

  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    delete out.format;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-embedded-resource'] === true;
  if (out.type === 'object' && isObject(out.properties) && out.additionalProperties === undefined && !preserve) {
    out.additionalProperties = false;
  }
  return out;
}
