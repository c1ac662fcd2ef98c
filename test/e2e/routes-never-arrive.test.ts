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
