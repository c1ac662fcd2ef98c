/** Object metadata checks that apimachinery applies to every kind: names, labels, annotations. */
import { isObject, type JsonObject } from '../json';
import type { StatusCause } from '../errors';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 2 && (!DNS_SUBDOMAIN.test(parts[0] ?? '') || (parts[0] ?? '').length > 253)) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

export function validateMetadata(obj: JsonObject, nameIsLabel: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const md = isObject(obj.metadata) ? obj.metadata : {};
  const name = md.name;
  if (typeof name !== 'string' || name === '') {
    causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  } else if (nameIsLabel ? !DNS_LABEL.test(name) || name.length > 63 : !DNS_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 ${nameIsLabel ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = md[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      causes.push({ reason: 'FieldValueTypeInvalid', field: `metadata.${field}`, message: 'Invalid value: must be a map of string to string' });
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      if (!validKey(k)) causes.push({ reason: 'FieldValueInvalid', field: `metadata.${field}`, message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'` });
      if (typeof v !== 'string') causes.push({ reason: 'FieldValueTypeInvalid', field: `metadata.${field}.${k}`, message: 'Invalid value: must be a string' });
      else if (field === 'labels' && (v.length > 63 || !LABEL_VALUE.test(v))) causes.push({ reason: 'FieldValueInvalid', field: `metadata.labels`, message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
    }
  }
  return causes;
}
