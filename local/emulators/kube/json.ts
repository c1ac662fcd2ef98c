/** Small JSON helpers shared by the store, patches and validation. Objects are plain JSON trees. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ak = Object.keys(a).filter((k) => a[k] !== undefined);
    const bk = Object.keys(b).filter((k) => b[k] !== undefined);
    return ak.length === bk.length && ak.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function getIn(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** Returns the object at `path`, creating empty objects on the way. */
export function ensureObject(root: JsonObject, path: readonly string[]): JsonObject {
  let cur = root;
  for (const seg of path) {
    const next = cur[seg];
    if (isObject(next)) cur = next;
    else {
      const created: JsonObject = {};
      cur[seg] = created;
      cur = created;
    }
  }
  return cur;
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
