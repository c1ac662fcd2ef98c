/** Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), as `kubectl get` asks for. */
import { isObject, type JsonObject } from './json';
import { metadataOf } from './store';
import type { ResourceType } from './resources';

/** A small JSONPath subset: `.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`. Missing values print as empty. */
export function evalJsonPath(obj: unknown, path: string): unknown {
  const tokens = path.match(/\.[^.[\]]+|\[\?\(@\.[^)]+\)\]|\[\d+\]/g) ?? [];
  let cur: unknown = obj;
  for (const t of tokens) {
    if (cur === undefined || cur === null) return undefined;
    if (t.startsWith('[?')) {
      const m = /\[\?\(@\.([^=!]+)\s*==\s*["']([^"']*)["']\)\]/.exec(t);
      cur = Array.isArray(cur) && m ? cur.find((e) => isObject(e) && String(e[m[1] ?? '']) === m[2]) : undefined;
    } else if (t.startsWith('[')) cur = Array.isArray(cur) ? cur[Number(t.slice(1, -1))] : undefined;
    else cur = isObject(cur) ? cur[t.slice(1)] : undefined;
  }
  return cur;
}

export function humanAge(from: string, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

export function toTable(r: ResourceType, objects: JsonObject[], resourceVersion: string, now: Date, includeObject: string | null): JsonObject {
  const columns = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...r.printerColumns.filter((c) => c.name !== 'Age').map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp of the object.', priority: 0 },
  ];
  const rows = objects.map((o) => {
    const md = metadataOf(o);
    const cells: unknown[] = [md.name];
    for (const c of r.printerColumns.filter((col) => col.name !== 'Age')) {
      const v = c.value ? c.value(o) : evalJsonPath(o, c.jsonPath);
      cells.push(v === undefined || v === null ? (c.type === 'string' ? '' : null) : c.type === 'date' && typeof v === 'string' ? humanAge(v, now) : v);
    }
    cells.push(typeof md.creationTimestamp === 'string' ? humanAge(md.creationTimestamp, now) : '<unknown>');
    const embedded = includeObject === 'Object' ? o : includeObject === 'None' ? undefined
      : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: md };
    return { cells, ...(embedded ? { object: embedded } : {}) };
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: columns, rows };
}
