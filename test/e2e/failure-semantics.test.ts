import { createRegistry } from '../../lib/adapters/registry';
import { awaitInstance } from '../../local/sandbox/await-instance';
import type { LifecycleInput } from '../../orchestrations/lifecycle-input';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { pollUntil, tenantRules, tenantSpec, useSandbox, waitForPhase, type TenantView } from './support';

type View = TenantView & { spec: { gateway: { replicas: number } }; lastAttempt?: { step?: string; error: string } };

/**
 * What a failure leaves behind, seen from outside: a failed update keeps what works, a missing
 * application namespace is refused before anything is taken, created namespaces go with the tenant.
 */
describe('failure semantics over HTTP', () => {
  const t = useSandbox({ appSettings: { ROUTE_WAIT_DEADLINE_SECONDS: '6', ROUTE_POLL_MAX_SECONDS: '2' } });

  it('a failed update never takes away what works: still Ready on the previous spec, same CIDR, rules and pool kept', async () => {
    expect((await t.api('POST', '/tenants', tenantSpec('steady', { namespaces: [] }))).status).toBe(202);
    const ready = await waitForPhase(t.api, 'spoke1-aks', 'steady', ['Ready', 'Failed']);
    expect(ready.phase).toBe('Ready');
    const rulesBefore = tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'steady').rules;
    expect(rulesBefore.length).toBeGreaterThan(0);

    // The third gateway pod's /31 will not be learned in time.
    t.sandbox.arm.control.setTimings({ routePropagationMs: 600_000 });
    const put = await t.api('PUT', '/tenants/spoke1-aks/steady', tenantSpec('steady', { namespaces: [], gateway: { replicas: 3, prefixLength: 29 } }));
    expect(put.status).toBe(202);
    await waitForPhase(t.api, 'spoke1-aks', 'steady', ['Updating'], 20_000).catch(() => undefined);
    const after = (await waitForPhase(t.api, 'spoke1-aks', 'steady', ['Ready', 'Failed'], 60_000)) as View;
    t.sandbox.arm.control.setTimings({ routePropagationMs: 300 });

    expect(after.phase).toBe('Ready');
    expect(after.cidr).toBe(ready.cidr);
    expect(after.spec.gateway.replicas).toBe(2);
    expect(after.lastAttempt).toMatchObject({ step: 'waitForRoutes', error: expect.stringContaining('keeps serving its previous spec') });
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'steady-pool')).toBe(true);
    const gateway = (await t.cloud.kube.read({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 'steady-egw', namespace: 'steady-egw' } })) as { spec?: { replicas?: number } };
    expect(gateway.spec?.replicas).toBe(2);
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'steady').rules).toEqual(rulesBefore);

    // The same PUT once the network recovers starts from there and succeeds.
    expect((await t.api('PUT', '/tenants/spoke1-aks/steady', tenantSpec('steady', { namespaces: [], gateway: { replicas: 3, prefixLength: 29 } }))).status).toBe(202);
    // Not waitForPhase: the first poll can still see the previous Ready; wait for the new spec to serve.
    const retried = await pollUntil(async () => (await t.api<View>('GET', '/tenants/spoke1-aks/steady')).body,
      (v) => v.phase === 'Ready' && v.spec.gateway.replicas === 3 && v.routes.expected.length === 3, 85_000);
    expect(retried).toMatchObject({ phase: 'Ready', cidr: ready.cidr });
    expect(retried.routes.expected).toHaveLength(3);
    expect(retried.lastAttempt).toBeUndefined();
  }, 180_000);

  it('refuses a missing application namespace with 422 naming namespaces[i], before anything is allocated', async () => {
    const res = await t.api<{ error: { code: string; details: Array<{ field: string; reason: string }> } }>('POST', '/tenants', tenantSpec('nons', { namespaces: ['default', 'absent-apps'] }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('NamespaceNotFound');
    expect(res.body.error.details).toEqual([{ field: 'namespaces[1]', reason: expect.stringContaining('absent-apps does not exist on cluster spoke1-aks') }]);
    expect((await t.api('GET', '/tenants/spoke1-aks/nons')).status).toBe(404);
  });

  it('creates missing namespaces when asked, labelled as managed, and deletes only those (when empty) on offboarding', async () => {
    const spec = tenantSpec('makes', { namespaces: ['makes-apps'], createNamespaces: true });
    expect((await t.api('POST', '/tenants', spec)).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'makes', ['Ready', 'Failed'])).phase).toBe('Ready');
    const ns = await t.cloud.core.readNamespace({ name: 'makes-apps' });
    expect(ns.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('egress-pilot');
    expect(ns.metadata?.annotations?.['egress-pilot.io/created-for-tenant']).toBe('makes');
    expect((await t.api('DELETE', '/tenants/spoke1-aks/makes')).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'makes', ['Deleted', 'Failed'])).phase).toBe('Deleted');
    expect(await t.cloud.exists('v1', 'Namespace', 'makes-apps')).toBe(false);
    // The namespace that existed before stays: only its steering went.
    expect(await t.cloud.exists('v1', 'Namespace', 'default')).toBe(true);
  }, 120_000);
});

describe('a late activity of a terminated lifecycle', () => {
  const t = useSandbox();

  it('cannot recreate what the offboarding that interrupted it removed', async () => {
    // The onboarding's IPPool apply hangs for 5 s: DELETE arrives and offboards meanwhile.
    t.sandbox.kube.clusters.get('spoke1-aks')!.faults.add({ method: 'PATCH', pathPrefix: '/apis/projectcalico.org/v3/ippools', delayMs: 5000, count: 1 });
    expect((await t.api('POST', '/tenants', tenantSpec('late', { namespaces: [] }))).status).toBe(202);
    await waitForPhase(t.api, 'spoke1-aks', 'late', ['ApplyingGateway'], 20_000);
    expect((await t.api('DELETE', '/tenants/spoke1-aks/late')).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'late', ['Deleted', 'Failed'], 60_000)).phase).toBe('Deleted');
    // Let the hung apply finish (and whatever it would do next).
    await new Promise((r) => setTimeout(r, 9000));
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'late-pool')).toBe(false);
    expect(await t.cloud.exists('operator.tigera.io/v1', 'EgressGateway', 'late-egw', 'late-egw')).toBe(false);
    expect(await t.cloud.exists('projectcalico.org/v3', 'EgressGatewayPolicy', 'late-egw')).toBe(false);
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'late').collections).toHaveLength(0);
    const view = (await t.api<TenantView>('GET', '/tenants/spoke1-aks/late')).body;
    expect(view).toMatchObject({ phase: 'Deleted', cidr: null });
  }, 120_000);
});

describe('a tenant left mid-lifecycle with no lifecycle running', () => {
  const t = useSandbox({ appSettings: { LIFECYCLE_RESUME_GRACE_SECONDS: '5' } });

  it('is finished by the resume sweep: a DELETE accepted with 202 whose offboarding never started still ends Deleted', async () => {
    expect((await t.api('POST', '/tenants', tenantSpec('stranded', { namespaces: [] }))).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'stranded', ['Ready', 'Failed'])).phase).toBe('Ready');
    // What a crash between the DELETE's registry write and the start of its offboarding leaves.
    const { tenants } = await createRegistry<TenantSpec>({ connectionString: t.sandbox.info.storageConnectionString }, { pool: { supernet: '10.99.0.0/16' } });
    const record = (await tenants.get({ cluster: 'spoke1-aks', name: 'stranded' }))!;
    await tenants.update(record, { phase: 'Deleting' });
    await new Promise((r) => setTimeout(r, 6000));
    // The sweep runs every minute and at host start; run it now through the host's admin API.
    const sweep = await fetch(`${t.sandbox.info.apiBaseUrl.replace(/\/api$/, '')}/admin/functions/resumeLifecycles`, {
      method: 'POST', headers: { 'x-functions-key': t.sandbox.info.masterKey, 'content-type': 'application/json' }, body: JSON.stringify({ input: '' }),
    });
    expect(sweep.status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'stranded', ['Deleted', 'Failed'], 60_000)).phase).toBe('Deleted');
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'stranded-pool')).toBe(false);
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'stranded').collections).toHaveLength(0);

    // A sweep that read the record while it was stranded and starts its onboarding only now, after the
    // offboarding finished: the lifecycle must find the tenant moved on and resurrect nothing.
    const input: LifecycleInput = {
      cluster: 'spoke1-aks', name: 'stranded', operation: 'onboard', onRouteFailure: 'rollback',
      timing: { routeDeadlineSeconds: 30, pollInitialSeconds: 1, pollMaxSeconds: 2 },
      resumeOf: { phase: 'Pending', updatedAt: record.updatedAt },
    };
    const id = encodeURIComponent('tenant:spoke1-aks:stranded');
    const started = await fetch(`${t.sandbox.host.baseUrl}/runtime/webhooks/durabletask/orchestrators/tenantLifecycle/${id}?code=${encodeURIComponent(t.sandbox.info.masterKey)}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input),
    });
    expect(started.status).toBe(202);
    const output = await awaitInstance<{ skipped?: string }>(t.sandbox.host.baseUrl, t.sandbox.info.masterKey, 'tenant:spoke1-aks:stranded', 60_000);
    expect(output?.skipped).toContain('moved on');
    expect((await t.api<TenantView>('GET', '/tenants/spoke1-aks/stranded')).body).toMatchObject({ phase: 'Deleted', cidr: null });
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'stranded-pool')).toBe(false);
  }, 150_000);
});
