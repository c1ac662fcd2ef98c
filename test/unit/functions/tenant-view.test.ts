import type { TenantRecord } from '../../../lib/adapters/registry';
import type { TenantProgress } from '../../../lib/adapters/status/tenant-progress-store';
import type { TenantSpec } from '../../../lib/domain/tenant-spec';
import { liveProgressSchema, tenantView } from '../../../functions/tenant-view';

const spec = { name: 't1', cluster: 'spoke1-aks', namespaces: [], gateway: { replicas: 2, prefixLength: 29 }, allow: { applications: [], networks: [] } } as unknown as TenantSpec;
const record: TenantRecord<TenantSpec> = {
  key: { cluster: 'spoke1-aks', name: 't1' }, spec, specFingerprint: 'f', generation: 1, phase: 'OpeningFirewall', cidr: '10.99.0.0/29',
  lastError: undefined, servingSpec: undefined, servingFingerprint: undefined, lifecycleRun: 1, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', etag: 'W/"1"',
};
const stored: TenantProgress = {
  operation: 'onboard', instanceId: 'tenant:spoke1-aks:t1', updatedAt: '2026-01-01T00:00:01Z',
  steps: [{ name: 'openFirewall', state: 'Running', startedAt: '2026-01-01T00:00:01Z' }],
  routes: { expected: ['10.99.0.0/31'], learned: { RouteServiceRole_IN_0: 0, RouteServiceRole_IN_1: 0 } },
};

describe('tenantView', () => {
  it('shows a running lifecycle\'s live notes and routes over the progress recorded when its step began', () => {
    const live = liveProgressSchema.parse({
      phase: 'OpeningFirewall', step: 'openFirewall',
      steps: [{ name: 'openFirewall', state: 'Running', startedAt: '2026-01-01T00:00:01Z', detail: 'queued: waiting for the writer held by x' }],
      routes: { expected: ['10.99.0.0/31'], learned: { RouteServiceRole_IN_0: 1, RouteServiceRole_IN_1: 1 } },
    });
    const view = tenantView(record, stored, live);
    expect(view.steps[0]!.detail).toBe('queued: waiting for the writer held by x');
    expect(view.routes.learned).toEqual({ RouteServiceRole_IN_0: 1, RouteServiceRole_IN_1: 1 });
    expect(tenantView(record, stored).steps[0]!.detail).toBeUndefined();
  });

  it('refuses a custom status that is not a lifecycle\'s progress (a bootstrap\'s, or none yet)', () => {
    expect(liveProgressSchema.safeParse(null).success).toBe(false);
    expect(liveProgressSchema.safeParse({ step: 'x' }).success).toBe(false);
  });
});
