/**
 * Field ownership (metadata.managedFields, FieldsV1) and server-side apply, simplified from
 * structured-merge-diff: a field set is the set of leaf paths; lists are atomic (owned as a whole).
 */
import { kubeErrors } from './errors';
import { clone, deepEqual, isObject, type JsonObject } from './json';

export interface ManagedEntry { manager: string; operation: 'Apply' | 'Update'; apiVersion: string; time: string; subresource?: string; paths: Set<string> }

const IGNORED_TOP = new Set(['apiVersion', 'kind']);
const IGNORED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/** Leaf paths of a JSON object, skipping fields the server owns. `status` is skipped when it is a subresource. */
export function leafPaths(obj: JsonObject, skipStatus: boolean): Set<string> {
  const out = new Set<string>();
  const visit = (value: unknown, path: string[]): void => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        if (path.length === 0 && (IGNORED_TOP.has(k) || (skipStatus && k === 'status'))) continue;
        if (path.length === 1 && path[0] === 'metadata' && IGNORED_METADATA.has(k)) continue;
        visit(v, [...path, k]);
      }
    } else if (path.length > 0) out.add(JSON.stringify(path));
  };
  visit(obj, []);
  return out;
}

function valueAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const s of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function deletePath(obj: JsonObject, path: string[]): void {
  const parents: JsonObject[] = [];
  let cur: unknown = obj;
  for (const s of path.slice(0, -1)) {
    if (!isObject(cur)) return;
    parents.push(cur);
    cur = cur[s];
  }
  if (!isObject(cur)) return;
  delete cur[path[path.length - 1] ?? ''];
  // Remove maps left empty by the deletion (not the root or metadata).
  for (let i = path.length - 2; i >= 1; i--) {
    const parent = parents[i];
    const key = path[i] ?? '';
    const child = parent?.[key];
    if (parent && isObject(child) && Object.keys(child).length === 0) delete parent[key];
    else break;
  }
}

function deepMerge(target: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    const t = target[k];
    if (isObject(v) && isObject(t)) deepMerge(t, v); // an empty map in the applied config keeps the live one
    else target[k] = clone(v);
  }
}

export function toFieldsV1(paths: Set<string>): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let cur = root;
    for (const seg of JSON.parse(p) as string[]) {
      const key = `f:${seg}`;
      const next = cur[key];
      if (isObject(next)) cur = next;
      else {
        const created: JsonObject = {};
        cur[key] = created;
        cur = created;
      }
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (node: unknown, path: string[]): void => {
    if (!isObject(node)) return;
    const keys = Object.keys(node).filter((k) => k !== '.');
    if (keys.length === 0 && path.length > 0) out.add(JSON.stringify(path));
    for (const k of keys) visit(node[k], [...path, k.replace(/^[fkv]:/, '')]);
  };
  visit(fields, []);
  return out;
}

export function readManaged(obj: JsonObject | undefined): ManagedEntry[] {
  const md = obj && isObject(obj.metadata) ? obj.metadata : {};
  const list = Array.isArray(md.managedFields) ? md.managedFields : [];
  return list.filter(isObject).map((e) => ({
    manager: String(e.manager ?? ''),
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: String(e.apiVersion ?? ''),
    time: String(e.time ?? ''),
    ...(typeof e.subresource === 'string' ? { subresource: e.subresource } : {}),
    paths: fromFieldsV1(e.fieldsV1),
  }));
}

export function writeManaged(obj: JsonObject, entries: ManagedEntry[]): void {
  const md = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  const kept = entries.filter((e) => e.paths.size > 0);
  md.managedFields = kept.map((e) => ({
    manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.paths), ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
  if (kept.length === 0) delete md.managedFields;
}

function pathLabel(p: string): string {
  return (JSON.parse(p) as string[]).map((s) => `.${s}`).join('');
}

export interface ApplyRequest {
  live: JsonObject | undefined;
  applied: JsonObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  now: string;
  skipStatus: boolean;
  /** For conflict messages. */
  resource: string; group: string; name: string;
}

/** Server-side apply: returns the merged object with updated managedFields (or throws 409 on conflicts). */
export function serverSideApply(req: ApplyRequest): JsonObject {
  const applied = clone(req.applied);
  if (req.skipStatus) delete applied.status;
  const appliedPaths = leafPaths(applied, req.skipStatus);
  const entries = readManaged(req.live);
  const isMine = (e: ManagedEntry): boolean => e.manager === req.manager && e.operation === 'Apply' && !e.subresource;

  const conflicts: Array<{ manager: string; field: string; entry: ManagedEntry; path: string }> = [];
  for (const e of entries) {
    if (isMine(e)) continue;
    for (const p of appliedPaths) {
      if (!e.paths.has(p)) continue;
      const path = JSON.parse(p) as string[];
      const before = valueAt(req.live, path);
      const after = valueAt(applied, path);
      if (isObject(before) && isObject(after)) continue; // owning a map node is not owning its entries
      if (!deepEqual(before, after)) conflicts.push({ manager: e.manager, field: pathLabel(p), entry: e, path: p });
    }
  }
  if (conflicts.length > 0 && !req.force) throw kubeErrors.applyConflict(req.resource, req.group, req.name, conflicts);
  for (const c of conflicts) c.entry.paths.delete(c.path);

  const merged: JsonObject = req.live ? clone(req.live) : {};
  const mine = entries.find(isMine);
  if (mine) {
    for (const p of mine.paths) {
      if (appliedPaths.has(p)) continue;
      if (entries.some((e) => e !== mine && e.paths.has(p))) continue;
      const path = JSON.parse(p) as string[];
      // A map this manager once applied empty may since hold other managers' fields: keep those.
      const current = valueAt(merged, path);
      if (isObject(current) && Object.keys(current).length > 0) continue;
      deletePath(merged, path);
    }
  }
  deepMerge(merged, applied);
  const next = entries.filter((e) => !isMine(e));
  next.push({ manager: req.manager, operation: 'Apply', apiVersion: req.apiVersion, time: mine && deepEqual([...mine.paths].sort(), [...appliedPaths].sort()) ? mine.time : req.now, paths: appliedPaths });
  // Keep a stable order: existing managers first, as the real server does.
  const order = entries.map((e) => `${e.manager}|${e.operation}`);
  next.sort((a, b) => {
    const ia = order.indexOf(`${a.manager}|${a.operation}`);
    const ib = order.indexOf(`${b.manager}|${b.operation}`);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
  });
  writeManaged(merged, next);
  return merged;
}

/** Ownership after a non-apply write (create, update, patch): changed leaves move to `manager`'s Update entry. */
export function recordUpdate(old: JsonObject | undefined, updated: JsonObject, manager: string, apiVersion: string, now: string, skipStatus: boolean, subresource?: string): void {
  const entries = readManaged(old);
  const before = old ? leafPaths(old, false) : new Set<string>();
  const after = leafPaths(updated, false);
  const changed = new Set<string>();
  for (const p of after) {
    if (skipStatus && !subresource && p.startsWith('["status"')) continue;
    if (!before.has(p) || !deepEqual(valueAt(old, JSON.parse(p) as string[]), valueAt(updated, JSON.parse(p) as string[]))) changed.add(p);
  }
  const removed = [...before].filter((p) => !after.has(p));
  if (changed.size === 0 && removed.length === 0) {
    writeManaged(updated, entries);
    return;
  }
  for (const e of entries) for (const p of [...changed, ...removed]) e.paths.delete(p);
  let mine = entries.find((e) => e.manager === manager && e.operation === 'Update' && e.subresource === subresource);
  if (!mine) {
    mine = { manager, operation: 'Update', apiVersion, time: now, paths: new Set(), ...(subresource ? { subresource } : {}) };
    entries.push(mine);
  }
  mine.time = now;
  for (const p of changed) mine.paths.add(p);
  writeManaged(updated, entries);
}
