/**
 * Non-apply patches: JSON merge patch (RFC 7386), strategic merge patch (merge-patch semantics plus the
 * `$patch: delete|replace` directives on maps; lists are replaced, see README LIMITATIONS) and JSON patch (RFC 6902).
 */
import { kubeErrors } from './errors';
import { clone, deepEqual, isObject, type JsonObject } from './json';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'delete') return undefined;
  const { $patch: directive, $retainKeys: _retain, ...rest } = patch;
  const out: JsonObject = isObject(target) && directive !== 'replace' ? { ...target } : {};
  for (const [k, v] of Object.entries(rest)) {
    if (k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) continue;
    if (v === null) delete out[k];
    else {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw kubeErrors.badRequest(`json patch: invalid path "${path}"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, segs: string[], path: string): { parent: unknown; key: string } {
  let cur = doc;
  for (const s of segs.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(s)] : isObject(cur) ? cur[s] : undefined;
    if (cur === undefined) throw kubeErrors.badRequest(`json patch: path "${path}" does not exist`);
  }
  return { parent: cur, key: segs[segs.length - 1] ?? '' };
}

export function jsonPatch(doc: JsonObject, ops: unknown): JsonObject {
  if (!Array.isArray(ops)) throw kubeErrors.badRequest('json patch: body must be an array of operations');
  const out = clone(doc);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw kubeErrors.badRequest('json patch: each operation needs "op" and "path"');
    const segs = pointer(op.path);
    const { parent, key } = parentOf(out, segs, op.path);
    const read = (): unknown => (Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined);
    switch (op.op) {
      case 'add':
      case 'replace':
        if (op.op === 'replace' && read() === undefined) throw kubeErrors.badRequest(`json patch: replace of missing path "${op.path}"`);
        if (Array.isArray(parent)) {
          const i = key === '-' ? parent.length : Number(key);
          if (op.op === 'add') parent.splice(i, 0, clone(op.value));
          else parent[i] = clone(op.value);
        } else if (isObject(parent)) parent[key] = clone(op.value);
        else throw kubeErrors.badRequest(`json patch: path "${op.path}" does not exist`);
        break;
      case 'remove':
        if (read() === undefined) throw kubeErrors.badRequest(`json patch: remove of missing path "${op.path}"`);
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else if (isObject(parent)) delete parent[key];
        break;
      case 'test':
        if (!deepEqual(read(), op.value)) throw kubeErrors.forCode(422, `json patch: test failed at "${op.path}"`);
        break;
      default:
        throw kubeErrors.notImplemented(`json patch op "${op.op}"`);
    }
  }
  return out;
}
