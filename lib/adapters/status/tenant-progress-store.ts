import { RestError, TableClient } from '@azure/data-tables';
import { z } from 'zod';

/**
 * What the running lifecycle last reported for a tenant (steps, routes, firewall placement), kept
 * beside the registry so `GET /api/tenants/{cluster}/{name}` answers from two point reads without
 * asking the orchestration. The registry stays the source of truth for spec, phase and CIDR.
 */
const stepSchema = z.object({
  name: z.string(),
  state: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped']),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  detail: z.string().optional(),
});

export const tenantProgressSchema = z.object({
  operation: z.enum(['onboard', 'update', 'offboard']),
  instanceId: z.string(),
  steps: z.array(stepSchema),
  routes: z.object({ expected: z.array(z.string()), learned: z.record(z.string(), z.number()) }).optional(),
  firewall: z.object({ ruleCollectionGroup: z.string(), ruleCollections: z.array(z.string()) }).optional(),
  error: z.string().optional(),
  /** The last egress verification (lib/domain/egress-verification.ts). */
  egress: z.object({
    verifiedAt: z.string(),
    ok: z.boolean(),
    results: z.array(z.object({
      target: z.string(), kind: z.string(), expected: z.string(), outcome: z.enum(['allowed', 'refused', 'error', 'skipped']),
      detail: z.string(), latencyMs: z.number().optional(), ok: z.boolean(),
    })),
    sourceSeen: z.string().optional(),
    problems: z.array(z.string()),
    skipped: z.string().optional(),
    ranIn: z.object({ namespace: z.string(), job: z.string() }).optional(),
  }).optional(),
  updatedAt: z.string(),
});
export type TenantProgress = z.infer<typeof tenantProgressSchema>;

const key = (s: string): string => encodeURIComponent(s);

export class TenantProgressStore {
  constructor(private readonly table: TableClient) {}

  async put(cluster: string, name: string, progress: TenantProgress): Promise<void> {
    await this.table.upsertEntity({ partitionKey: key(cluster), rowKey: key(name), json: JSON.stringify(progress) }, 'Replace');
  }

  async get(cluster: string, name: string): Promise<TenantProgress | undefined> {
    try {
      const entity = await this.table.getEntity<{ json: string }>(key(cluster), key(name));
      const parsed = tenantProgressSchema.safeParse(JSON.parse(entity.json));
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}
