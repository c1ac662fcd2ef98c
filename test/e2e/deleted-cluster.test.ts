import { REFERENCE } from '../../local/sandbox/sandbox';
import { tenantRules, tenantSpec, useSandbox, waitForPhase } from './support';

/**
 * A cluster deleted under a Ready tenant (guarantee 6): the offboarding is not stranded by a cluster AKS no
 * longer knows. Its Calico objects went with the cluster, its routes went with its nodes' BGP sessions, so
 * the DELETE closes the rules, counts the gateway as gone, sees no route left and releases the CIDR.
 */
describe('offboarding a tenant whose AKS cluster was deleted', () => {
  const t = useSandbox({ appSettings: { ROUTE_WAIT_DEADLINE_SECONDS: '20', ROUTE_POLL_MAX_SECONDS: '2' } });

  it('ends Deleted with the rules closed, the routes gone and the CIDR free again', async () => {
    expect((await t.api('POST', '/tenants', tenantSpec('orphan', { cluster: 'spoke2-aks', namespaces: [] }))).status).toBe(202);
    const ready = await waitForPhase(t.api, 'spoke2-aks', 'orphan', ['Ready', 'Failed'], 90_000);
    expect(ready.phase).toBe('Ready');
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke2-aks', 'orphan').collections.length).toBeGreaterThan(0);
    const prefix = ready.cidr!.split('.').slice(0, 3).join('.');
    const learnedInside = async (): Promise<number> => Object.values(await t.cloud.learnedRoutes()).flat().filter((r) => r.network?.startsWith(prefix) === true).length;
    expect(await learnedInside()).toBeGreaterThan(0);

    t.sandbox.arm.control.deleteCluster(REFERENCE.spokeResourceGroup, 'spoke2-aks');

    expect((await t.api('DELETE', '/tenants/spoke2-aks/orphan')).status).toBe(202);
    const gone = await waitForPhase(t.api, 'spoke2-aks', 'orphan', ['Deleted', 'Failed'], 90_000);
    expect(gone.phase).toBe('Deleted');
    expect(gone.steps.find((s) => s.name === 'removeGateway')?.detail).toContain('AKS cluster spoke2-aks no longer exists');
    expect(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke2-aks', 'orphan').collections).toHaveLength(0);
    expect(await learnedInside()).toBe(0);

    // The CIDR is free again: the next tenant (on the cluster that still exists) gets the same block.
    expect((await t.api('POST', '/tenants', tenantSpec('next', { namespaces: [] }))).status).toBe(202);
    expect(await waitForPhase(t.api, 'spoke1-aks', 'next', ['Ready', 'Failed'], 90_000)).toMatchObject({ phase: 'Ready', cidr: ready.cidr });
  }, 240_000);
});
