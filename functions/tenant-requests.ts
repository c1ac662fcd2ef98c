import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { validateTenantSpec, type FieldError, type TenantSpec } from '../lib/domain/tenant-spec';
import type { Config } from '../lib/domain/config';

/** Parses and validates a tenant spec body; every bad field is reported, nothing is stored. */
export async function readSpec(request: HttpRequest, config: Config): Promise<{ ok: true; spec: TenantSpec } | { ok: false; errors: FieldError[]; code: string }> {
  let body: unknown;
  const text = await request.text();
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, code: 'InvalidJson', errors: [{ field: '(body)', reason: 'is not valid JSON' }] };
  }
  const result = validateTenantSpec(body, { allowBroadRules: config.allowBroadRules, defaultPrefixLength: config.defaultPoolPrefixLength });
  return result.ok ? result : { ok: false, code: 'InvalidTenantSpec', errors: result.errors };
}

/** Query of GET /api/tenants. */
export const listQuery = z.object({
  cluster: z.string().min(1).max(63).optional(),
  limit: z.coerce.number().int().min(1, { error: 'must be 1..100' }).max(100, { error: 'must be 1..100' }).default(50),
  continuationToken: z.string().min(1).optional(),
});

export function queryObject(request: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  request.query.forEach((value, key) => { out[key] = value; });
  return out;
}
