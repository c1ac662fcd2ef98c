import { appServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { retryOnConcurrency, type TenantChange, type TenantRecord } from '../../lib/adapters/registry';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import type { TenantRef } from '../lifecycle-input';

/** The tenant's registry record; a missing one is permanent (nothing to converge). */
export async function requireTenant(tenant: TenantRef): Promise<TenantRecord<TenantSpec>> {
  const { registry } = await appServices();
  const record = await registry.tenants.get(tenant);
  if (!record) throw new PermanentError(`tenant ${tenant.cluster}/${tenant.name} is not in the registry`);
  return record;
}

/** Thrown by an activity whose lifecycle run no longer holds the tenant (a newer one started). */
export class SupersededError extends PermanentError {
  constructor(tenant: TenantRef, run: number, current: number) {
    super(`superseded: lifecycle run ${current} now holds tenant ${tenant.cluster}/${tenant.name} (this activity belongs to run ${run}); nothing was changed`);
  }
}

/**
 * The record, if `run` still holds the tenant. Every activity that changes the cloud asks first,
 * so a late activity of a terminated lifecycle changes nothing.
 */
export async function requireCurrentRun(tenant: TenantRef, run: number): Promise<TenantRecord<TenantSpec>> {
  const record = await requireTenant(tenant);
  if (record.lifecycleRun !== run) throw new SupersededError(tenant, run, record.lifecycleRun);
  return record;
}

/**
 * Re-reads and writes until the ETag holds (the HTTP API may change the same record meanwhile).
 * `change` sees the fresh record; with `run`, the write happens only while that run holds the tenant.
 */
export async function updateTenant(
  tenant: TenantRef,
  change: TenantChange<TenantSpec> | ((record: TenantRecord<TenantSpec>) => TenantChange<TenantSpec>),
  run?: number,
): Promise<TenantRecord<TenantSpec>> {
  const { registry } = await appServices();
  return retryOnConcurrency(async () => {
    const record = run === undefined ? await requireTenant(tenant) : await requireCurrentRun(tenant, run);
    return registry.tenants.update(record, typeof change === 'function' ? change(record) : change);
  });
}

/**
 * Takes the tenant for a new run (a lifecycle, a drift repair): judges the fresh record and bumps its
 * run under that record's ETag, so the judgement and the take are one step; a record changed in between
 * is read and judged again. `judge` returns why not to take it, or undefined.
 */
export async function takeTenant(tenant: TenantRef, judge: (record: TenantRecord<TenantSpec>) => string | undefined): Promise<{ run: number } | { skipped: string }> {
  const { registry } = await appServices();
  return retryOnConcurrency(async () => {
    const record = await registry.tenants.get(tenant);
    if (!record) return { skipped: 'no longer in the registry' };
    const why = judge(record);
    if (why !== undefined) return { skipped: why };
    const taken = await registry.tenants.update(record, { lifecycleRun: record.lifecycleRun + 1 });
    return { run: taken.lifecycleRun };
  });
}
