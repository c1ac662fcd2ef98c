import { createHash } from 'node:crypto';
import { RestError, TableClient } from '@azure/data-tables';
import { stableStringify } from '../../domain/spec-fingerprint';
import type { TenantSpec } from '../../domain/tenant-spec';
import { isNotFound } from '../errors';

/** The allowlist a tenant's rules are rendered from (with its CIDR as the only source). */
export type TenantAllowlist = TenantSpec['allow'];

/**
 * Per tenant, whether its allow rules should be in the firewall policy ("open") or not ("closed"),
 * with a version the writer echoes back once a policy write carrying that intent has succeeded.
 * Tenants only write their own row; the single policy writer reads them all and writes the policy.
 * An open intent carries exactly what is to be written (CIDR + allowlist), so a round writes what the
 * lifecycle asked for, never a spec the lifecycle has not reached yet.
 */
export interface FirewallIntent {
  cluster: string;
  name: string;
  state: 'open' | 'closed';
  /** Digest of what the intent asks to be written (CIDR + allowlist; "closed" when closed). */
  fingerprint: string;
  /** The lifecycle run that set this intent: an older run may not change it any more. */
  run: number;
  /** Open only: the CIDR the rules open for (the source address of every rule). */
  cidr?: string;
  /** Open only: the allowlist to render. Absent on rows written before intents carried it. */
  allow?: TenantAllowlist;
  /** Bumped on each change of intent. */
  version: number;
  /** The last version the writer put into the policy. */
  appliedVersion: number;
  /** Where the writer placed the tenant's rules (set when applied open). */
  ruleCollectionGroup?: string;
  ruleCollections?: string[];
  /** Set by the writer when the tenant's rules cannot be placed (policy limits) or were refused (intent gate). */
  failure?: string;
  etag?: string;
}

export type WantedIntent =
  | { state: 'open'; run: number; cidr: string; allow: TenantAllowlist }
  | { state: 'closed'; run: number };

/** The stored intent belongs to a newer lifecycle run than the one asking: the caller is stale. */
export class SupersededIntentError extends Error {
  override readonly name = 'SupersededIntentError';
  constructor(readonly storedRun: number, readonly askedRun: number) {
    super(`superseded by lifecycle run ${storedRun} (this is run ${askedRun})`);
  }
}

const PARTITION = 'intent';
const rowKey = (cluster: string, name: string): string => `${encodeURIComponent(cluster)}|${encodeURIComponent(name)}`;
// A string property holds 64 KiB (32K UTF-16 characters): a long allowlist is split over several,
// with the same bound as the registry's spec (so whatever the registry stores fits here).
const CHUNK_CHARS = 30_000;
const MAX_CHUNKS = 30;

/** The digest that decides "did the intent change?": a replay of the same request keeps the version. */
export function intentFingerprint(wanted: WantedIntent): string {
  if (wanted.state === 'closed') return 'closed';
  return createHash('sha256').update(stableStringify({ cidr: wanted.cidr, allow: wanted.allow })).digest('hex');
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(cluster: string, name: string, wanted: WantedIntent, version: number, current: FirewallIntent | undefined): Entity {
  const entity: Entity = {
    partitionKey: PARTITION, rowKey: rowKey(cluster, name), cluster, name, state: wanted.state, fingerprint: intentFingerprint(wanted), run: wanted.run,
    version, appliedVersion: current?.appliedVersion ?? 0,
    ruleCollectionGroup: current?.ruleCollectionGroup ?? '', ruleCollections: current?.ruleCollections ? JSON.stringify(current.ruleCollections) : '',
    cidr: wanted.state === 'open' ? wanted.cidr : '', allowChunks: 0,
  };
  if (wanted.state === 'open') {
    const json = JSON.stringify(wanted.allow);
    const chunks = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
    if (chunks > MAX_CHUNKS) throw new RangeError(`firewall intent ${cluster}/${name}: allowlist is ${json.length} characters, over ${MAX_CHUNKS * CHUNK_CHARS}`);
    for (let i = 0; i < chunks; i++) entity[`allow${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
    entity.allowChunks = chunks;
  }
  return entity;
}

function fromEntity(e: Record<string, unknown> & { etag?: string }): FirewallIntent {
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const chunks = Number(e.allowChunks ?? 0);
  const allowJson = Array.from({ length: chunks }, (_, i) => String(e[`allow${i}`] ?? '')).join('');
  const collections = text(e.ruleCollections);
  return {
    cluster: String(e.cluster), name: String(e.name), state: e.state === 'open' ? 'open' : 'closed', fingerprint: String(e.fingerprint ?? ''),
    run: Number(e.run ?? 0), version: Number(e.version ?? 0), appliedVersion: Number(e.appliedVersion ?? 0),
    cidr: text(e.cidr),
    allow: chunks > 0 ? (JSON.parse(allowJson) as TenantAllowlist) : undefined,
    ruleCollectionGroup: text(e.ruleCollectionGroup),
    ruleCollections: collections ? (JSON.parse(collections) as string[]) : undefined,
    failure: text(e.failure),
    etag: e.etag,
  };
}

const isRace = (error: unknown): boolean => error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412);

/** True once a write round has carried the intent's current version into the policy. */
export const isApplied = (intent: Pick<FirewallIntent, 'version' | 'appliedVersion'>): boolean => intent.appliedVersion >= intent.version;

/** True when the tenant has no rules in the policy as far as its intent says: closed and carried, or never asked for. */
export const rulesClosed = (intent: FirewallIntent | undefined): boolean => intent === undefined || (intent.state === 'closed' && isApplied(intent));

export class FirewallIntentStore {
  constructor(private readonly table: TableClient) {}

  async get(cluster: string, name: string): Promise<FirewallIntent | undefined> {
    try {
      return fromEntity(await this.table.getEntity<Record<string, unknown>>(PARTITION, rowKey(cluster, name)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records the wanted state for lifecycle run `wanted.run`. Refused (SupersededIntentError) when a newer run
   * already set the intent: a late activity of an older lifecycle cannot reopen or re-close anything.
   * Unchanged state and content keep the version, so a replayed activity never forces a second policy write
   * (unless `force`: drift repair asks for a round although nothing changed on our side).
   */
  async want(cluster: string, name: string, wanted: WantedIntent, options: { force?: boolean } = {}): Promise<FirewallIntent> {
    for (;;) {
      const current = await this.get(cluster, name);
      if (current && current.run > wanted.run) throw new SupersededIntentError(current.run, wanted.run);
      try {
        if (current && current.state === wanted.state && current.fingerprint === intentFingerprint(wanted) && !options.force) {
          if (current.run === wanted.run) return current;
          // Same content, newer run: take the intent over without asking for a write.
          const response = await this.table.updateEntity({ partitionKey: PARTITION, rowKey: rowKey(cluster, name), run: wanted.run }, 'Merge', { etag: current.etag });
          return { ...current, run: wanted.run, etag: response.etag };
        }
        const next = toEntity(cluster, name, wanted, (current?.version ?? 0) + 1, current);
        const response = current?.etag
          ? await this.table.updateEntity(next, 'Replace', { etag: current.etag })
          : await this.table.createEntity(next);
        return fromEntity({ ...next, etag: response.etag });
      } catch (error) {
        if (isRace(error)) continue; // someone wrote the row since we read it: decide again on a fresh read
        throw error;
      }
    }
  }

  async all(): Promise<FirewallIntent[]> {
    const found: FirewallIntent[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) found.push(fromEntity(e));
    return found;
  }

  /** Marks what the writer has put into the policy; skipped when the intent moved on meanwhile. */
  async markApplied(intent: FirewallIntent, placement: { ruleCollectionGroup?: string; ruleCollections?: string[]; failure?: string }): Promise<void> {
    if (!intent.etag) return;
    try {
      await this.table.updateEntity({
        partitionKey: PARTITION, rowKey: rowKey(intent.cluster, intent.name), appliedVersion: intent.version,
        ruleCollectionGroup: placement.ruleCollectionGroup ?? '', ruleCollections: placement.ruleCollections ? JSON.stringify(placement.ruleCollections) : '', failure: placement.failure ?? '',
      }, 'Merge', { etag: intent.etag });
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 412) return; // changed since read: next round applies it
      throw error;
    }
  }
}
