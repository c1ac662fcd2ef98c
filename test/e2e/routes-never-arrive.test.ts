import { tenantRules, tenantSpec, useSandbox, waitForPhase } from './support';

/** Route Server never learns the tenant's /31s: onboarding fails with the reason, the firewall stays shut. */
describe('onboarding when routes never arrive', () => {
  const t = useSandbox({ appSettings: { ROUTE_WAIT_DEADLINE_SECONDS: '6', ROUTE_POLL_MAX_SECONDS: '2', ON_ROUTE_FAILURE: 'rollback' } });

  it('ends Failed naming the missing /31s per instance, opens no firewall rule, rolls back and frees the CIDR', async () => {
    // Route Server hears nothing new: advertisements take ten minutes to propagate.
    t.sandbox.arm.control.setTimings({ routePropagationMs: 600_000 });
    expect((await t.api('POST', '/tenants', tenantSpec('lost', { namespaces: [] }))).status).toBe(202);
    const view = await waitForPhase(t.api, 'spoke1-aks', 'lost', ['Ready', 'Failed'], 60_000);
    expect(view.phase).toBe('Failed');
    expect(view.error).toMatch(/routes not learned within 6s: missing 10\.99\.0\.\d+\/31.* on RouteServiceRole_IN_0; .* on RouteServiceRole_IN_1/);
    expect(view.error).toContain('rolled back: nothing of the tenant is left');
    expect(view.steps.find((s) => s.name === 'waitForRoutes')?.state).toBe('Failed');
    expect(view.steps.find((s) => s.name === 'openFirewall')?.state).toBe('Pending');
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'lost').collections).toHaveLength(0);
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'lost-pool')).toBe(false);
    expect(view.cidr).toBeNull();

    // A retry after the network recovers onboards the same tenant.
    t.sandbox.arm.control.setTimings({ routePropagationMs: 300 });
    expect((await t.api('POST', '/tenants', tenantSpec('lost', { namespaces: [] }))).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'lost', ['Ready', 'Failed'], 60_000)).phase).toBe('Ready');
  }, 120_000);
});

/**
 * ON_ROUTE_FAILURE=keep: the operator wants to debug the BGP side with the tenant's pool still there. The CIDR
 * and the Calico objects stay, the firewall never opens, not even when the routes arrive late, and a DELETE
 * still takes everything away, the CIDR last.
 */
describe('onboarding when routes never arrive, with ON_ROUTE_FAILURE=keep', () => {
  const t = useSandbox({ appSettings: { ROUTE_WAIT_DEADLINE_SECONDS: '6', ROUTE_POLL_MAX_SECONDS: '2', ON_ROUTE_FAILURE: 'keep' } });

  it('ends Failed keeping CIDR and pool with no rule, stays shut when the routes come late, and a DELETE frees all', async () => {
    t.sandbox.arm.control.setTimings({ routePropagationMs: 600_000 });
    expect((await t.api('POST', '/tenants', tenantSpec('kept', { namespaces: [] }))).status).toBe(202);
    const failed = await waitForPhase(t.api, 'spoke1-aks', 'kept', ['Ready', 'Failed'], 60_000);
    expect(failed.phase).toBe('Failed');
    expect(failed.error).toContain('CIDR and Calico resources kept (ON_ROUTE_FAILURE=keep), firewall rules closed');
    expect(failed.cidr).toMatch(/^10\.99\.\d+\.\d+\/29$/);
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'kept-pool')).toBe(true);
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'kept').collections).toHaveLength(0);

    // The network recovers: Route Server learns the kept pool's /31s, and still no rule opens for a Failed tenant.
    t.sandbox.arm.control.setTimings({ routePropagationMs: 300 });
    const inKept = (network: string | undefined): boolean => network !== undefined && network.startsWith(failed.cidr!.split('.').slice(0, 3).join('.'));
    const deadline = Date.now() + 30_000;
    while (!Object.values(await t.cloud.learnedRoutes()).some((routes) => routes.some((r) => inKept(r.network))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(Object.values(await t.cloud.learnedRoutes()).some((routes) => routes.some((r) => inKept(r.network)))).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000)); // a few writer rounds' worth
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'kept').collections).toHaveLength(0);
    expect((await t.api('GET', '/tenants/spoke1-aks/kept')).body).toMatchObject({ phase: 'Failed' });

    // DELETE takes everything away: pool gone, routes withdrawn, CIDR free again.
    expect((await t.api('DELETE', '/tenants/spoke1-aks/kept')).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'kept', ['Deleted', 'Failed'], 60_000)).phase).toBe('Deleted');
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'kept-pool')).toBe(false);
    expect(Object.values(await t.cloud.learnedRoutes()).some((routes) => routes.some((r) => inKept(r.network)))).toBe(false);
    expect((await t.api('POST', '/tenants', tenantSpec('after', { namespaces: [] }))).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'after', ['Ready', 'Failed'], 60_000))).toMatchObject({ phase: 'Ready', cidr: failed.cidr });
  }, 180_000);
});
