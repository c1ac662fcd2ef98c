/** Hand-written checks for the built-in kinds (the emulator has no Go types to validate against). */
import { isObject, type JsonObject } from '../json';
import type { StatusCause } from '../errors';

function requireObject(obj: JsonObject, field: string, causes: StatusCause[]): JsonObject | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (!isObject(v)) causes.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${field} must be an object` });
  return isObject(v) ? v : undefined;
}

export function validateBuiltin(kind: string, obj: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = requireObject(obj, 'spec', causes);
  switch (kind) {
    case 'Pod': {
      const containers = spec?.containers;
      if (!Array.isArray(containers) || containers.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
      else containers.forEach((c, i) => {
        if (!isObject(c) || typeof c.name !== 'string' || c.name === '') causes.push({ reason: 'FieldValueRequired', field: `spec.containers[${i}].name`, message: 'Required value' });
      });
      break;
    }
    case 'Job':
      if (!spec || !isObject(spec.template)) causes.push({ reason: 'FieldValueRequired', field: 'spec.template', message: 'Required value' });
      break;
    case 'ConfigMap':
      for (const field of ['data', 'binaryData'] as const) {
        const data = obj[field];
        if (data === undefined || data === null) continue;
        if (!isObject(data)) causes.push({ reason: 'FieldValueTypeInvalid', field, message: 'Invalid value: must be a map of string to string' });
        else for (const [k, v] of Object.entries(data)) if (typeof v !== 'string') causes.push({ reason: 'FieldValueTypeInvalid', field: `${field}[${k}]`, message: 'Invalid value: must be a string' });
      }
      break;
    default:
      break;
  }
  return causes;
}
