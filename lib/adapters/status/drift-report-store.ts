import { RestError, TableClient } from '@azure/data-tables';
import type { DriftReport } from '../../domain/drift';

export interface StoredDriftReport {
  checkedAt: string;
  instanceId: string;
  repaired: string[];
  /** Per drifted tenant: repaired, skipped (moved on since the read) or failed, and why. */
  repairs?: Array<{ tenant: string; outcome: 'repaired' | 'skipped' | 'failed'; detail?: string }>;
  /** Per cluster whose peering drifted: its bootstrap run again (resynced), skipped (one was running) or failed. */
  resyncs?: Array<{ cluster: string; outcome: 'resynced' | 'skipped' | 'failed'; detail?: string }>;
  report: DriftReport;
}

/** The last drift report, so `GET /api/drift` answers without re-reading the cloud. */
export class DriftReportStore {
  constructor(private readonly table: TableClient) {}

  async put(value: StoredDriftReport): Promise<void> {
    const json = JSON.stringify(value);
    // A property holds 64 KiB; a long report is split over several (the entity limit is 1 MiB).
    const parts = json.match(/[\s\S]{1,30000}/g) ?? [''];
    if (parts.length > 30) throw new RangeError(`drift report of ${json.length} characters is too large to store`);
    const entity: Record<string, unknown> = { partitionKey: 'drift', rowKey: 'last', parts: parts.length };
    parts.forEach((p, i) => { entity[`p${i}`] = p; });
    await this.table.upsertEntity(entity as { partitionKey: string; rowKey: string }, 'Replace');
  }

  async last(): Promise<StoredDriftReport | undefined> {
    try {
      const e = await this.table.getEntity<Record<string, unknown>>('drift', 'last');
      const parts = Number(e.parts ?? 0);
      return JSON.parse(Array.from({ length: parts }, (_, i) => String(e[`p${i}`] ?? '')).join('')) as StoredDriftReport;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}
