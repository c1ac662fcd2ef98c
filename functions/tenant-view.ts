import type { TenantRecord } from '../lib/adapters/registry';
import { z } from 'zod';
import { tenantProgressSchema, type TenantProgress } from '../lib/adapters/status/tenant-progress-store';
import type { TenantSpec } from '../lib/domain/tenant-spec';

/**
 * What a running lifecycle said last in its custom status: a waiting step's notes (firewall queued / writing,
 * routes missing) and the /31s learned so far, which the progress store only gets when a step begins or ends.
 */
export const liveProgressSchema = z.object({ steps: tenantProgressSchema.shape.steps, routes: tenantProgressSchema.shape.routes });
export type LiveProgress = z.infer<typeof liveProgressSchema>;

/** The tenant as GET shows it: registry truth (spec, phase, CIDR) plus the lifecycle's last report (live while it runs). */
export function tenantView(record: TenantRecord<TenantSpec>, progress: TenantProgress | undefined, live?: LiveProgress) {
  const error = progress?.error ?? record.lastError?.message;
  return {
    name: record.key.name,
    cluster: record.key.cluster,
    cidr: record.cidr ?? null,
    phase: record.phase,
    operation: progress?.operation,
    steps: live?.steps ?? progress?.steps ?? [],
    routes: live?.routes ?? progress?.routes ?? { expected: [], learned: {} },
    firewall: progress?.firewall
      ? { ruleCollectionGroup: progress.firewall.ruleCollectionGroup, ruleCollection: progress.firewall.ruleCollections[0], ruleCollections: progress.firewall.ruleCollections }
      : null,
    // Degraded: its spec serves but egress verification failed; the error names target and outcome.
    ...(error && (record.phase === 'Failed' || record.phase === 'Degraded') ? { error } : {}),
    // A failed update leaves the tenant Ready on its previous spec: say what was tried and why it failed.
    ...(record.lastError && record.phase !== 'Failed' && record.phase !== 'Degraded' ? { lastAttempt: { outcome: 'Failed', step: record.lastError.step, error: record.lastError.message, at: record.lastError.at } } : {}),
    ...(progress?.egress ? { egress: egressView(progress.egress) } : {}),
    spec: record.spec,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** `egress` in GET: when, per target what happened, and the source the echo saw. */
function egressView(egress: NonNullable<TenantProgress['egress']>) {
  return {
    verifiedAt: egress.verifiedAt, ok: egress.ok, results: egress.results,
    ...(egress.sourceSeen !== undefined ? { sourceSeen: egress.sourceSeen } : {}),
    ...(egress.skipped !== undefined ? { skipped: egress.skipped } : {}),
    ...(egress.problems.length > 0 ? { problems: egress.problems } : {}),
    ...(egress.ranIn ? { ranIn: egress.ranIn } : {}),
  };
}
