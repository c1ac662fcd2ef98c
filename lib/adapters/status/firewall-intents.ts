import { RestError, TableClient } from '@azure/data-tables';

/**
 * Per tenant, whether its allow rules should be in the firewall policy ("open") or not ("closed"),
 * with a version the writer echoes back once a policy write carrying that intent has succeeded.
 * Tenants only write their own row; the single policy writer reads them all and writes the policy.
 */
export interface FirewallIntent {
  cluster: string;
  name: string;
  state: 'open' | 'closed';
  /** Digest of the rules as rendered when the intent was set. */
  fingerprint: string;
  /** Bumped on each change of intent. */
  version: number;
  /** The last version the writer put into the policy. */
  appliedVersion: number;
  /** Where the writer placed the tenant's rules (set when applied open). */
  ruleCollectionGroup?: string;
  ruleCollections?: string[];
  /** Set by the writer when the tenant's rules cannot be placed (policy limits). */
  failure?: string;
  etag?: string;
}

const PARTITION = 'intent';
const rowKey = (cluster: string, name: string): string => `${encodeURIComponent(cluster)}|${encodeURIComponent(name)}`;

interface IntentEntity {
  partitionKey: string;
  rowKey: string;
  cluster: string;
  name: string;
  state: string;
  fingerprint: string;
  version: number;
  appliedVersion: number;
  ruleCollectionGroup?: string;
  ruleCollections?: string;
  failure?: string;
}

function fromEntity(e: IntentEntity & { etag?: string }): FirewallIntent {
  return {
    cluster: e.cluster, name: e.name, state: e.state === 'open' ? 'open' : 'closed', fingerprint: e.fingerprint, version: e.version, appliedVersion: e.appliedVersion,
    ruleCollectionGroup: e.ruleCollectionGroup || undefined,
    ruleCollections: e.ruleCollections ? (JSON.parse(e.ruleCollections) as string[]) : undefined,
    failure: e.failure || undefined,
    etag: e.etag,
  };
}

export class FirewallIntentStore {
  constructor(private readonly table: TableClient) {}

  async get(cluster: string, name: string): Promise<FirewallIntent | undefined> {
    try {
      return fromEntity(await this.table.getEntity<IntentEntity>(PARTITION, rowKey(cluster, name)));
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /**
   * Records the wanted state. Unchanged state and fingerprint (the tenant's rules as rendered) keep the
   * version, so a replayed activity never forces a second policy write (unless `force`: drift repair).
   */
  async want(cluster: string, name: string, state: 'open' | 'closed', fingerprint: string, options: { force?: boolean } = {}): Promise<FirewallIntent> {
    for (;;) {
      const current = await this.get(cluster, name);
      // `force` (drift repair) asks for a write round even though nothing changed on our side.
      if (current && current.state === state && current.fingerprint === fingerprint && !options.force) return current;
      const next: IntentEntity = {
        partitionKey: PARTITION, rowKey: rowKey(cluster, name), cluster, name, state, fingerprint,
        version: (current?.version ?? 0) + 1, appliedVersion: current?.appliedVersion ?? 0,
        ruleCollectionGroup: current?.ruleCollectionGroup ?? '', ruleCollections: current?.ruleCollections ? JSON.stringify(current.ruleCollections) : '',
      };
      try {
        const response = current?.etag
          ? await this.table.updateEntity(next, 'Replace', { etag: current.etag })
          : await this.table.createEntity(next);
        return fromEntity({ ...next, etag: response.etag });
      } catch (error) {
        if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412)) continue;
        throw error;
      }
    }
  }

  async all(): Promise<FirewallIntent[]> {
    const found: FirewallIntent[] = [];
    for await (const e of this.table.listEntities<IntentEntity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) found.push(fromEntity(e));
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
