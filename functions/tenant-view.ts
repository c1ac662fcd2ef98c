import type { TenantRecord } from '../lib/adapters/registry';
import type { TenantProgress } from '../lib/adapters/status/tenant-progress-store';
import type { TenantSpec } from '../lib/domain/tenant-spec';

/** The tenant as GET shows it: registry truth (spec, phase, CIDR) plus the lifecycle's last report. */
export function tenantView(record: TenantRecord<TenantSpec>, progress: TenantProgress | undefined) {
  const error = progress?.error ?? record.lastError?.message;
  return {
    name: record.key.name,
    cluster: record.key.cluster,
    cidr: record.cidr ?? null,
    phase: record.phase,
    operation: progress?.operation,
    steps: progress?.steps ?? [],
    routes: progress?.routes ?? { expected: [], learned: {} },
    firewall: progress?.firewall
      ? { ruleCollectionGroup: progress.firewall.ruleCollectionGroup, ruleCollection: progress.firewall.ruleCollections[0], ruleCollections: progress.firewall.ruleCollections }
      : null,
    ...(error && record.phase === 'Failed' ? { error } : {}),
    // A failed update leaves the tenant Ready on its previous spec: say what was tried and why it failed.
    ...(record.lastError && record.phase !== 'Failed' ? { lastAttempt: { outcome: 'Failed', step: record.lastError.step, error: record.lastError.message, at: record.lastError.at } } : {}),
    spec: record.spec,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
