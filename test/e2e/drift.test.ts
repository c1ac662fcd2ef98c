import { apiClient, tenantRules, tenantSpec, useSandbox, waitForPhase } from './support';

interface DriftBody { checkedAt: string; repaired: string[]; report: { clean: boolean; tenants: Array<{ tenant: string; problems: string[] }>; orphans: { ipPools: string[]; ruleCollections: string[] } } }

/** The drift check finds what changed behind egress-pilot's back, and repairs it when told to. */
describe('drift check (sandbox, DRIFT_REPAIR=true)', () => {
  const t = useSandbox({ appSettings: { DRIFT_REPAIR: 'true' } });

  async function runCheck(): Promise<DriftBody> {
    const before = (await t.api<DriftBody>('GET', '/drift')).body?.checkedAt;
    // POST /drift is an admin route: the function key is refused, the master key runs it.
    expect((await t.api('POST', '/drift')).status).toBe(401);
    expect((await apiClient(t.sandbox, t.sandbox.info.masterKey)('POST', '/drift')).status).toBe(202);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await t.api<DriftBody>('GET', '/drift');
      if (res.status === 200 && res.body.checkedAt !== before) return res.body;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('no drift report within 60 s');
  }

  it('reports nothing before any check, then a clean state after onboarding', async () => {
    expect((await t.api('GET', '/drift')).status).toBe(404);
    expect((await t.api('POST', '/tenants', tenantSpec('steady', { namespaces: [] }))).status).toBe(202);
    expect((await waitForPhase(t.api, 'spoke1-aks', 'steady', ['Ready', 'Failed'])).phase).toBe('Ready');
    const body = await runCheck();
    expect(body.report).toMatchObject({ clean: true, tenants: [] });
  });

  it('finds a deleted gateway and an edited rule collection, repairs both, and the next check is clean', async () => {
    await t.cloud.kube.delete({ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 'steady-egw', namespace: 'steady-egw' } });
    const groups = await t.cloud.ruleCollectionGroups();
    const group = groups.find((g) => (g.ruleCollections ?? []).some((c) => c.name === 'tenant-spoke1-aks.steady-app'))!;
    const edited = (group.ruleCollections ?? []).map((c) => (c.name === 'tenant-spoke1-aks.steady-app' ? { ...c, rules: [{ ...(c as unknown as { rules: Array<Record<string, unknown>> }).rules[0], targetFqdns: ['evil.example.com'] }] } : c));
    await t.cloud.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('demo-hub-network', 'hub-fw-policy', group.name!, { priority: group.priority, ruleCollections: edited }, { updateIntervalInMs: 50 });

    const found = await runCheck();
    expect(found.report.clean).toBe(false);
    const problems = found.report.tenants.find((t) => t.tenant === 'spoke1-aks/steady')?.problems ?? [];
    expect(problems).toEqual(expect.arrayContaining(['EgressGateway steady-egw/steady-egw missing', 'rule collection tenant-spoke1-aks.steady-app differs from the spec']));
    expect(found.repaired).toEqual(['spoke1-aks/steady']);
    expect(await t.cloud.exists('operator.tigera.io/v1', 'EgressGateway', 'steady-egw', 'steady-egw')).toBe(true);
    expect(JSON.stringify(tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'steady').rules)).not.toContain('evil.example.com');
    const topic = t.sandbox.events.events().filter((e) => e.eventType === 'EgressPilot.DriftDetected');
    expect(topic.length).toBeGreaterThanOrEqual(1);

    // The repaired gateway's pods come back and re-advertise; then the check is clean again.
    const deadline = Date.now() + 60_000;
    let again = await runCheck();
    while (!again.report.clean && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      again = await runCheck();
    }
    expect(again.report).toMatchObject({ clean: true, tenants: [] });
  }, 180_000);
});
