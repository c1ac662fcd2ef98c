import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { clusterNameSchema, validateTenantSpec, type TenantSpec } from '../lib/domain/tenant-spec';
import type { Config } from '../lib/domain/config';
import { problem } from './http-problems';
import { readJsonBody, type Guarded } from './request-guards';

/** Reads and validates a tenant spec body (415, 413, 400 with every bad field named); nothing is stored. */
export async function readSpec(request: HttpRequest, config: Config): Promise<Guarded<TenantSpec>> {
  const body = await readJsonBody(request);
  if (!body.ok) return body;
  const result = validateTenantSpec(body.value, { allowBroadRules: config.allowBroadRules, defaultPrefixLength: config.defaultPoolPrefixLength });
  if (result.ok) return { ok: true, value: result.spec };
  return { ok: false, response: problem(400, 'InvalidTenantSpec', `tenant spec rejected: ${result.errors.map((e) => `${e.field} ${e.reason}`).join('; ')}`, result.errors) };
}

/** A continuation token as the registry hands it out: base64 of a JSON object naming the next partition and row keys. */
function isContinuationToken(token: string): boolean {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
    return typeof decoded === 'object' && decoded !== null && typeof (decoded as { nextPartitionKey?: unknown }).nextPartitionKey === 'string';
  } catch {
    return false;
  }
}

/** Query of GET /api/tenants; `code` is the function key (read by the host), anything else unknown is refused by name. */
export const listQuery = z.strictObject({
  cluster: clusterNameSchema.optional(),
  limit: z.string().regex(/^[0-9]{1,3}$/, { error: 'must be 1..100' }).transform(Number).pipe(z.number().int().min(1, { error: 'must be 1..100' }).max(100, { error: 'must be 1..100' })).default(50),
  continuationToken: z.string().max(4096, { error: 'is not a continuation token this API issued' })
    .refine(isContinuationToken, { error: 'is not a continuation token this API issued' }).optional(),
  code: z.string().optional(),
});

/** The query as own properties (fromEntries: a `__proto__` parameter stays a key, so it is refused by name). */
export function queryObject(request: HttpRequest): Record<string, string> {
  return Object.fromEntries(request.query.entries());
}
