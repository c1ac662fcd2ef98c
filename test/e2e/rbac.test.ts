/**
 * Least privilege, proven by running: the sandbox's emulators enforce exactly the rights infra/ grants the app
 * (ARM custom roles at their scopes, the Kubernetes ClusterRole egress-pilot), so the bootstrap at start and
 * every onboarding here ran with nothing more. Taking one right away fails the step that needs it, with ARM's
 * or the API server's 403 naming the action and scope, and the tenant ends Failed and rolled back, never open.
 */
import { rbacRefusals } from '../../local/emulators/arm/counts';
import { tenantRules, tenantSpec, useSandbox, waitForPhase } from './support';

const LEARNED_ROUTES = 'Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action';
const figures = { armRefused: 0, kubeRefused: 0 };

describe('RBAC enforced in the emulators, from infra/', () => {
  const t = useSandbox();
  const rbac = () => {
    if (t.sandbox.rbac === undefined) throw new Error('the sandbox runs without RBAC');
    return t.sandbox.rbac;
  };
  afterEach(() => { rbac().arm.restore(); rbac().kube.restore(); });
  afterAll(() => {
    // The figure: calls refused by RBAC in the negative tests.
    console.log(`calls refused by RBAC in the negative tests: ${JSON.stringify(figures)}`);
  });

  it('bootstraps both clusters and onboards a tenant with exactly the granted rights: nothing refused', async () => {
    expect(rbac().summary.armGrants.map((g) => g.role).sort()).toEqual(['AKS cluster reader', 'AKS subnet reader', 'AKS subnet reader', 'Firewall Policy rule writer', 'Route Server BGP operator']);
    expect((await t.api('POST', '/tenants', tenantSpec('granted', { namespaces: [] }))).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'granted', ['Ready', 'Failed'])).phase).toBe('Ready');
    expect(rbacRefusals(t.sandbox.arm.control.counters())).toEqual({ total: 0, byAction: {} });
    expect(rbac().kube.refusals()).toEqual([]);
  }, 120_000);

  it('without the Route Server learned-routes action: the step fails naming action and scope, the tenant is Failed and never open', async () => {
    rbac().arm.withhold(LEARNED_ROUTES);
    const before = rbacRefusals(t.sandbox.arm.control.counters()).total;
    expect((await t.api('POST', '/tenants', tenantSpec('noroutes', { namespaces: [] }))).status).toBe(202);
    const view = await waitForPhase(t.api, 'spoke1-aks', 'noroutes', ['Ready', 'Failed'], 90_000);
    const refused = rbacRefusals(t.sandbox.arm.control.counters());
    figures.armRefused += refused.total - before;
    console.log(`tenant status with ${LEARNED_ROUTES} withheld:\n${JSON.stringify({ phase: view.phase, error: view.error, steps: view.steps }, null, 2)}`);

    expect(view.phase).toBe('Failed');
    expect(refused.byAction[LEARNED_ROUTES]).toBeGreaterThan(0);
    expect(Object.keys(refused.byAction)).toEqual([LEARNED_ROUTES]);
    const failed = view.steps.find((s) => s.state === 'Failed');
    expect(failed?.name).toMatch(/^(checkCapacity|waitForRoutes)$/);
    expect(view.error).toContain(`does not have authorization to perform action '${LEARNED_ROUTES}' over scope '/subscriptions/`);
    expect(view.error).toMatch(/over scope '\/subscriptions\/[^/]+\/resourceGroups\/demo-hub-network\/providers\/Microsoft\.Network\/virtualHubs\/hub-rs\/bgpConnections\/[^']+'/);
    expect(view.steps.find((s) => s.name === 'openFirewall')?.state).toBe('Pending');
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'noroutes').collections).toHaveLength(0);
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'noroutes-pool')).toBe(false);
    // The rollback cannot see the routes go, so it keeps the CIDR (never reused while maybe routed) and says so.
    expect(view.error).toContain('rollback stopped while waiting for the routes to be withdrawn');
    expect(view.cidr).not.toBeNull();

    // With the right back, a DELETE finishes the clean-up and frees the CIDR.
    rbac().arm.restore();
    expect((await t.api('DELETE', '/tenants/spoke1-aks/noroutes')).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'noroutes', ['Deleted', 'Failed'], 90_000)).phase).toBe('Deleted');
  }, 150_000);

  it('without create on EgressGateways: applyGateway fails with the API server\'s Forbidden, the tenant is rolled back', async () => {
    rbac().kube.withhold({ group: 'operator.tigera.io', resource: 'egressgateways', verb: 'create' });
    const before = rbac().kube.refusals().length;
    expect((await t.api('POST', '/tenants', tenantSpec('nogateway', { namespaces: [] }))).status).toBe(202);
    const view = await waitForPhase(t.api, 'spoke1-aks', 'nogateway', ['Ready', 'Failed'], 90_000);
    const refused = rbac().kube.refusals().slice(before);
    figures.kubeRefused += refused.length;
    console.log(`tenant status with create on egressgateways.operator.tigera.io withheld:\n${JSON.stringify({ phase: view.phase, error: view.error, steps: view.steps }, null, 2)}`);

    expect(view.phase).toBe('Failed');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.verb === 'create' && r.resource === 'operator.tigera.io/egressgateways' && r.namespace === 'nogateway-egw')).toBe(true);
    expect(view.steps.find((s) => s.state === 'Failed')?.name).toBe('applyGateway');
    // The API server's own sentence, as the status shows it (describeFailure reads the Status body).
    expect(view.error).toMatch(/egressgateways\.operator\.tigera\.io "[^"]+" is forbidden: User "[0-9a-f-]{36}" cannot create resource "egressgateways" in API group "operator\.tigera\.io" in the namespace "nogateway-egw"/);
    expect(view.error).toContain('rolled back: nothing of the tenant is left');
    expect(view.cidr).toBeNull();
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'nogateway-pool')).toBe(false);
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'nogateway').collections).toHaveLength(0);
  }, 150_000);
});
