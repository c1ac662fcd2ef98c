/**
 * Errors of the services the app calls, as a user reads them, against the sandbox's RBAC (the rights infra/
 * grants, enforced by the emulators): a right ARM withholds makes the clusters and capacity routes answer
 * 502 UpstreamAuthorizationFailed naming the action and scope (never a bare 500), and a right the API server
 * withholds reaches the tenant's status as the step, the verdict and the API server's own sentence (never
 * client-node's HTTP-Code / Body / Headers dump).
 */
import { rbacRefusals } from '../../local/emulators/arm/counts';
import { tenantSpec, useSandbox, waitForPhase } from './support';

const AKS_READ = 'Microsoft.ContainerService/managedClusters/read';
const BGP_READ = 'Microsoft.Network/virtualHubs/bgpConnections/read';
type Problem = { error: { code: string; message: string; details?: unknown } };

describe('upstream errors, as the caller and the tenant status show them', () => {
  const t = useSandbox();
  const rbac = () => {
    if (t.sandbox.rbac === undefined) throw new Error('the sandbox runs without RBAC');
    return t.sandbox.rbac;
  };
  afterEach(() => { rbac().arm.restore(); rbac().kube.restore(); });

  it(`GET /clusters, /clusters/{name} and /capacity without ${AKS_READ}: 502 UpstreamAuthorizationFailed naming action, scope and infra/`, async () => {
    expect((await t.api('GET', '/clusters')).status).toBe(200);
    const granted = rbac().summary.armGrants.find((g) => g.actions.includes(AKS_READ));
    expect(granted).toBeDefined();
    rbac().arm.withhold(AKS_READ);
    const before = rbacRefusals(t.sandbox.arm.control.counters()).byAction[AKS_READ] ?? 0;

    const listed = await t.api<Problem>('GET', '/clusters');
    console.log(`GET /api/clusters with ${AKS_READ} withheld: ${listed.status}\n${JSON.stringify(listed.body, null, 2)}`);
    expect(listed.status).toBe(502);
    expect(listed.body.error.code).toBe('UpstreamAuthorizationFailed');
    const named = /the action '([^']+)' over scope '([^']+)'/.exec(listed.body.error.message);
    expect(named?.[1]).toBe(AKS_READ);
    // ARM names the scope of the list call: the AKS resource group the role is assigned on, or inside it.
    expect(named?.[2]?.toLowerCase().startsWith(granted!.scope.toLowerCase())).toBe(true);
    expect(listed.body.error.message).toContain("the app's role assignments in infra/ (modules/app-access) lack it");
    expect(listed.body.error.message).toMatch(/^Azure Resource Manager refused the app's identity/);

    for (const route of ['/clusters/spoke1-aks', '/capacity']) {
      const answer = await t.api<Problem>('GET', route);
      expect({ route, status: answer.status, code: answer.body.error.code }).toEqual({ route, status: 502, code: 'UpstreamAuthorizationFailed' });
      expect(answer.body.error.message).toContain(`'${AKS_READ}'`);
    }
    expect((rbacRefusals(t.sandbox.arm.control.counters()).byAction[AKS_READ] ?? 0) - before).toBeGreaterThanOrEqual(3);

    rbac().arm.restore();
    expect((await t.api('GET', '/clusters')).status).toBe(200);
  }, 60_000);

  it(`GET /clusters without ${BGP_READ} (Route Server's connections): 502 naming that action on the hub`, async () => {
    rbac().arm.withhold(BGP_READ);
    const listed = await t.api<Problem>('GET', '/clusters');
    expect(listed.status).toBe(502);
    expect(listed.body.error.code).toBe('UpstreamAuthorizationFailed');
    expect(listed.body.error.message).toMatch(new RegExp(`the action '${BGP_READ.replace(/[./]/g, '\\$&')}' over scope '/subscriptions/[^/']+/resourceGroups/[^/']+/providers/Microsoft\\.Network/virtualHubs/[^']+'`));
  }, 60_000);

  it('a Kubernetes Forbidden reaches the tenant status as the API server\'s sentence, without client-node\'s dump', async () => {
    rbac().kube.withhold({ group: 'operator.tigera.io', resource: 'egressgateways', verb: 'create' });
    expect((await t.api('POST', '/tenants', tenantSpec('forbidden', { namespaces: [] }))).status).toBe(202);
    const view = await waitForPhase(t.api, 'spoke1-aks', 'forbidden', ['Ready', 'Failed'], 90_000);
    console.log(`tenant status with create on egressgateways.operator.tigera.io withheld:\n${JSON.stringify({ phase: view.phase, error: view.error }, null, 2)}`);

    expect(view.phase).toBe('Failed');
    expect(view.error).toMatch(/^apply EgressGateway forbidden-egw\/[a-z0-9-]+ on spoke1-aks: rejected \(403 Forbidden\): egressgateways\.operator\.tigera\.io "[a-z0-9-]+" is forbidden: User "[0-9a-f-]{36}" cannot create resource "egressgateways" in API group "operator\.tigera\.io" in the namespace "forbidden-egw"/);
    for (const dump of ['HTTP-Code', 'Unsuccessful HTTP Request', 'Headers', '\\"', '"kind":"Status"', 'audit-id']) expect(view.error).not.toContain(dump);
  }, 150_000);
});
