import { appServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { PoolExhaustedError } from '../../lib/adapters/registry';
import { whyNotResume } from '../../lib/domain/lifecycle/admission';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import type { TenantProgressRecord } from './contracts';
import { requireCurrentRun, requireTenant, takeTenant, updateTenant } from './tenant-record';

export { requireTenant } from './tenant-record';

/**
 * A lifecycle's first step: takes the tenant by bumping its run number. From here on, activities of
 * any older run (a terminated lifecycle's late ones) refuse to change anything. A lifecycle the resume
 * sweep started takes it only if the record is still the stranded one the sweep read (`resumeOf`).
 */
registerActivity('beginTenantLifecycle', (input: TenantRef & { resumeOf?: { phase: string; updatedAt: string } }) =>
  takeTenant(input, (record) => whyNotResume(record, input.resumeOf)));

export type ProgressInput = TenantProgressRecord & {
  run: number;
  /** Ready: the spec now serves. Released: nothing serves any more (Deleted, or a failed onboarding rolled back). */
  serving?: 'spec' | 'none';
};

/** Writes the phase (and error) to the registry and the step report to the progress store. */
registerActivity('recordTenantProgress', async (p: ProgressInput) => {
  const services = await appServices();
  const failedStep = p.steps.find((s) => s.state === 'Failed')?.name;
  await updateTenant(p.tenant, {
    phase: p.phase,
    lastError: p.error ? { message: p.error, step: failedStep, at: new Date().toISOString() } : null,
    ...(p.serving === 'spec' ? { servingSpec: 'spec' as const } : p.serving === 'none' ? { servingSpec: null } : {}),
  }, p.run);
  await services.progress.put(p.tenant.cluster, p.tenant.name, {
    operation: p.operation, instanceId: p.instanceId, steps: p.steps, routes: p.routes, firewall: p.firewall, error: p.error,
    ...(p.egress ? { egress: p.egress } : {}),
    updatedAt: new Date().toISOString(),
  });
});

/**
 * A failed update gives the tenant back the spec that was working (the serving spec), so the
 * orchestrator can re-converge to it and a new PUT diffs against what is really deployed.
 */
registerActivity('restoreServingSpec', async (input: TenantRef & { run: number }): Promise<{ restored: boolean; droppedNamespaces: string[] }> => {
  let restored = false;
  let droppedNamespaces: string[] = [];
  await updateTenant(input, (record) => {
    if (record.servingSpec === undefined || record.servingFingerprint === undefined) return {};
    restored = record.servingFingerprint !== record.specFingerprint;
    // Namespaces only the failed spec steered: their steering goes with it.
    droppedNamespaces = record.spec.namespaces.filter((ns) => !record.servingSpec!.namespaces.includes(ns));
    return { spec: { value: record.servingSpec, fingerprint: record.servingFingerprint } };
  }, input.run);
  return { restored, droppedNamespaces };
});

/** Claims the tenant's block (its existing one on a retry) and records it on the tenant. */
registerActivity('allocateTenantCidr', async (input: TenantRef & { run: number }) => {
  const services = await appServices();
  const record = await requireCurrentRun(input, input.run);
  let cidr: string;
  try {
    ({ cidr } = await services.registry.claims.allocate(input, record.spec.gateway.prefixLength));
  } catch (error) {
    if (error instanceof PoolExhaustedError) throw new PermanentError(error.message);
    throw error;
  }
  if (record.cidr !== cidr) await updateTenant(input, { cidr }, input.run);
  return { cidr };
});

/**
 * Quarantines the tenant's block and, since this runs only once its routes are withdrawn (or were
 * never advertised), frees it at once. Idempotent: a second run finds nothing to release.
 */
registerActivity('releaseTenantCidr', async (input: TenantRef & { run: number }) => {
  const services = await appServices();
  const record = await requireCurrentRun(input, input.run);
  const released = await services.registry.claims.release(input);
  const block = released ?? record.cidr;
  if (block) await services.registry.claims.confirmWithdrawn(block);
  await updateTenant(input, { cidr: null }, input.run);
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
