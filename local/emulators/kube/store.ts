/**
 * One generic object store per cluster, keyed by resource + namespace + name (client-go tracker style).
 * The store alone assigns uid, creationTimestamp, resourceVersion and generation; handlers never do.
 * Stored objects are replaced, never mutated, so the references it hands out are stable snapshots.
 */
import { randomUUID } from 'node:crypto';
import { kubeErrors } from './errors';
import { clone, deepEqual, isObject, type JsonObject } from './json';
import { resourceKey, type ResourceType } from './resources';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent { type: StoreEventType; resource: ResourceType; object: JsonObject }
export type StoreListener = (event: StoreEvent) => void;

export function metadataOf(obj: JsonObject): JsonObject {
  return isObject(obj.metadata) ? obj.metadata : {};
}

function nameOf(obj: JsonObject): string {
  return String(metadataOf(obj).name ?? '');
}

function specChanged(a: JsonObject, b: JsonObject): boolean {
  const strip = (o: JsonObject): JsonObject => {
    const { metadata: _m, status: _s, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(a), strip(b));
}

/** Everything a store holds, as JSON: its revision counter and its objects per resource key. */
export interface StoreSnapshot {
  revision: number;
  objects: Record<string, JsonObject[]>;
}

export class ObjectStore {
  private revision = 0;
  private readonly buckets = new Map<string, Map<string, JsonObject>>();
  private readonly listeners = new Set<StoreListener>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  resourceVersion(): string {
    return String(this.revision);
  }

  on(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bucket(r: ResourceType): Map<string, JsonObject> {
    const key = resourceKey(r);
    let b = this.buckets.get(key);
    if (!b) {
      b = new Map();
      this.buckets.set(key, b);
    }
    return b;
  }

  private emit(type: StoreEventType, resource: ResourceType, object: JsonObject): void {
    for (const l of [...this.listeners]) l({ type, resource, object });
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  get(r: ResourceType, namespace: string, name: string): JsonObject | undefined {
    return this.bucket(r).get(`${namespace}/${name}`);
  }

  /** Objects of one resource (one namespace, or all when namespace is undefined), ordered by namespace/name. */
  list(r: ResourceType, namespace?: string): JsonObject[] {
    const entries = [...this.bucket(r).entries()];
    const selected = namespace === undefined ? entries : entries.filter(([k]) => k.startsWith(`${namespace}/`));
    return selected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  }

  count(r: ResourceType): number {
    return this.bucket(r).size;
  }

  create(r: ResourceType, input: JsonObject): JsonObject {
    const obj = clone(input);
    const md = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
    const namespace = r.namespaced ? String(md.namespace ?? '') : '';
    const key = `${namespace}/${nameOf(obj)}`;
    if (this.bucket(r).has(key)) throw kubeErrors.alreadyExists(r.plural, r.group, nameOf(obj));
    if (!r.namespaced) delete md.namespace;
    md.uid = randomUUID();
    md.creationTimestamp = this.timestamp();
    md.resourceVersion = String(++this.revision);
    if (!r.builtin || r.kind === 'Job' || r.kind === 'Pod') md.generation = 1;
    delete md.deletionTimestamp;
    this.bucket(r).set(key, obj);
    this.emit('ADDED', r, obj);
    return obj;
  }

  /**
   * Replaces an object. `expectedResourceVersion` (when given) must match the stored one (409 Conflict).
   * An update that changes nothing is not written and keeps the resourceVersion.
   */
  update(r: ResourceType, input: JsonObject, expectedResourceVersion?: string): JsonObject {
    const obj = clone(input);
    const md = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
    const namespace = r.namespaced ? String(md.namespace ?? '') : '';
    const key = `${namespace}/${nameOf(obj)}`;
    const old = this.bucket(r).get(key);
    if (!old) throw kubeErrors.notFound(r.plural, r.group, nameOf(obj));
    const oldMd = metadataOf(old);
    if (expectedResourceVersion !== undefined && expectedResourceVersion !== '' && expectedResourceVersion !== oldMd.resourceVersion) {
      throw kubeErrors.conflict(r.plural, r.group, nameOf(obj));
    }
    for (const k of ['uid', 'creationTimestamp', 'generation', 'resourceVersion'] as const) {
      if (oldMd[k] !== undefined) md[k] = oldMd[k];
      else delete md[k];
    }
    if (!r.namespaced) delete md.namespace;
    if (deepEqual(old, obj)) return old;
    if (typeof oldMd.generation === 'number' && specChanged(old, obj)) md.generation = oldMd.generation + 1;
    md.resourceVersion = String(++this.revision);
    this.bucket(r).set(key, obj);
    this.emit('MODIFIED', r, obj);
    return obj;
  }

  snapshot(): StoreSnapshot {
    const objects: Record<string, JsonObject[]> = {};
    for (const [key, bucket] of this.buckets) if (bucket.size > 0) objects[key] = [...bucket.values()];
    return { revision: this.revision, objects };
  }

  /**
   * Puts a snapshot back (before anything watches the store: no events). Objects keep their uid,
   * resourceVersion and generation, and the counter goes on from the saved revision, so a client's
   * resourceVersion stays valid across a restart. `resourceOf` maps a key to its served resource.
   */
  restore(snapshot: StoreSnapshot, resourceOf: (key: string) => ResourceType | undefined): void {
    this.buckets.clear();
    for (const [key, objects] of Object.entries(snapshot.objects)) {
      const r = resourceOf(key);
      if (!r) throw new Error(`objects of ${key}, which this emulator does not serve`);
      const bucket = this.bucket(r);
      for (const obj of objects) bucket.set(`${r.namespaced ? String(metadataOf(obj).namespace ?? '') : ''}/${nameOf(obj)}`, obj);
    }
    this.revision = snapshot.revision;
  }

  delete(r: ResourceType, namespace: string, name: string): JsonObject {
    const key = `${r.namespaced ? namespace : ''}/${name}`;
    const old = this.bucket(r).get(key);
    if (!old) throw kubeErrors.notFound(r.plural, r.group, name);
    this.bucket(r).delete(key);
    const gone = clone(old);
    metadataOf(gone).resourceVersion = String(++this.revision);
    this.emit('DELETED', r, gone);
    return gone;
  }
}
