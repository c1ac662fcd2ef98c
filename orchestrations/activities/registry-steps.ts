import { appServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { ConcurrencyError, PoolExhaustedError, type TenantChange, type TenantRecord } from '../../lib/adapters/registry';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import type { TenantProgressRecord } from './contracts';

export async function requireTenant(tenant: TenantRef): Promise<TenantRecord<TenantSpec>> {
  const { registry } = await appServices();
  const record = await registry.tenants.get(tenant);
  if (!record) throw new PermanentError(`tenant ${tenant.cluster}/${tenant.name} is not in the registry`);
  return record;
}

/** Re-reads and writes until the ETag holds: the HTTP API may change the same record meanwhile. */
async function updateTenant(tenant: TenantRef, change: TenantChange<TenantSpec>): Promise<void> {
  const { registry } = await appServices();
  for (let attempt = 1; ; attempt++) {
    const record = await requireTenant(tenant);
    try {
      await registry.tenants.update(record, change);
      return;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= 10) throw error;
    }
  }
}

/** Writes the phase (and error) to the registry and the step report to the progress store. */
registerActivity('recordTenantProgress', async (p: TenantProgressRecord) => {
  const services = await appServices();
  await updateTenant(p.tenant, {
    phase: p.phase,
    lastError: p.error ? { message: p.error, step: p.steps.find((s) => s.state === 'Failed')?.name, at: new Date().toISOString() } : p.phase === 'Failed' ? undefined : null,
  });
  await services.progress.put(p.tenant.cluster, p.tenant.name, {
    operation: p.operation, instanceId: p.instanceId, steps: p.steps, routes: p.routes, firewall: p.firewall, error: p.error,
    updatedAt: new Date().toISOString(),
  });
});

/** Claims the tenant's block (its existing one on a retry) and records it on the tenant. */
registerActivity('allocateTenantCidr', async (tenant: TenantRef) => {
  const services = await appServices();
  const record = await requireTenant(tenant);
  let cidr: string;
  try {
    ({ cidr } = await services.registry.claims.allocate(tenant, record.spec.gateway.prefixLength));
  } catch (error) {
    if (error instanceof PoolExhaustedError) throw new PermanentError(error.message);
    throw error;
  }
  if (record.cidr !== cidr) await updateTenant(tenant, { cidr });
  return { cidr };
});

/**
 * Quarantines the tenant's block and, since this runs only once its routes are withdrawn (or were
 * never advertised), frees it at once. Idempotent: a second run finds nothing to release.
 */
registerActivity('releaseTenantCidr', async (tenant: TenantRef) => {
  const services = await appServices();
  const record = await requireTenant(tenant);
  const released = await services.registry.claims.release(tenant);
  const block = released ?? record.cidr;
  if (block) await services.registry.claims.confirmWithdrawn(block);
  await updateTenant(tenant, { cidr: null });
});

registerActivity('publishTenantEvent', async (input: { tenant: TenantRef; eventType: string }) => {
  const services = await appServices();
  const record = await requireTenant(input.tenant);
  const progress = await services.progress.get(input.tenant.cluster, input.tenant.name);
  await services.events.publish({
    // Same tenant, spec generation and type → same id, so a retried publish is recognisably one event.
    id: `${input.tenant.cluster}/${input.tenant.name}/${record.generation}/${input.eventType}`,
    eventType: input.eventType,
    subject: `tenants/${input.tenant.cluster}/${input.tenant.name}`,
    data: { cluster: input.tenant.cluster, name: input.tenant.name, cidr: record.cidr, namespaces: record.spec.namespaces, firewall: progress?.firewall, routes: progress?.routes },
  });
});
