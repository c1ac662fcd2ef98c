import { randomUUID } from 'node:crypto';

/** One stored ARM resource: the wire JSON minus the envelope fields the store owns (id, name, type, etag). */
export interface StoredResource {
  id: string;
  name: string;
  type: string;
  resourceGroup: string;
  /** Lower-cased id of the parent resource for child resources (rule collection groups, bgpConnections...). */
  parentKey?: string;
  etag: string;
  /** `location`, `tags`, `properties`, `sku`... as they go on the wire. */
  body: Record<string, unknown>;
  /** Emulator-only facts about the resource (never on the wire), e.g. a Route Server's VNet prefixes. */
  meta?: Record<string, unknown>;
}

/**
 * The one object store of the emulator, keyed by lower-cased resource id (ARM ids are
 * case-insensitive). The store, not the handlers, bumps the etag on every write.
 */
export class ResourceStore {
  private readonly items = new Map<string, StoredResource>();
  private readonly listeners = new Set<() => void>();

  /** Called after every write (persistence marks its state dirty). Returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Every resource as JSON (etags included), for a restart. */
  snapshot(): StoredResource[] {
    return [...this.items.values()];
  }

  /** Puts a snapshot back: same ids, bodies and etags (an If-Match taken before a restart still matches). */
  restore(items: readonly StoredResource[]): void {
    this.items.clear();
    for (const item of items) this.items.set(ResourceStore.key(item.id), item);
    this.changed();
  }

  static key(id: string): string {
    return id.toLowerCase();
  }

  get(id: string): StoredResource | undefined {
    return this.items.get(ResourceStore.key(id));
  }

  /** Create or replace; returns the stored record with a new etag and whether it was created. */
  put(resource: Omit<StoredResource, 'etag'>): { resource: StoredResource; created: boolean } {
    const key = ResourceStore.key(resource.id);
    const created = !this.items.has(key);
    const stored: StoredResource = { ...resource, etag: `W/"${randomUUID()}"` };
    this.items.set(key, stored);
    this.changed();
    return { resource: stored, created };
  }

  /** Change the body of an existing resource (a state transition); bumps the etag. */
  update(id: string, change: (body: Record<string, unknown>) => Record<string, unknown>): StoredResource | undefined {
    const current = this.get(id);
    if (current === undefined) return undefined;
    return this.put({ ...current, body: change(structuredClone(current.body)) }).resource;
  }

  delete(id: string): boolean {
    const key = ResourceStore.key(id);
    const removed = this.items.delete(key);
    // Children go with their parent, as in ARM.
    for (const [childKey, item] of this.items) {
      if (item.parentKey !== undefined && (item.parentKey === key || item.parentKey.startsWith(`${key}/`))) this.items.delete(childKey);
    }
    this.changed();
    return removed;
  }

  list(filter: { type: string; resourceGroup?: string; parentId?: string }): StoredResource[] {
    const type = filter.type.toLowerCase();
    const parentKey = filter.parentId === undefined ? undefined : ResourceStore.key(filter.parentId);
    return [...this.items.values()]
      .filter((r) => r.type.toLowerCase() === type)
      .filter((r) => filter.resourceGroup === undefined || r.resourceGroup.toLowerCase() === filter.resourceGroup.toLowerCase())
      .filter((r) => parentKey === undefined || r.parentKey === parentKey)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  clear(): void {
    this.items.clear();
    this.changed();
  }
}

/** The wire form of a stored resource: `{ id, name, type, etag, ...body }`. */
export function toWire(resource: StoredResource, etagField: 'etag' | 'eTag' = 'etag'): Record<string, unknown> {
  return { id: resource.id, name: resource.name, type: resource.type, [etagField]: resource.etag, ...resource.body };
}
