import { tenantRules, tenantSpec, type TenantView, useSandbox, waitForPhase } from './support';

/**
 * The reference walkthrough end to end, over HTTP against the sandbox: tenant0 and tenant1
 * onboarded, verified on Route Server, the firewall policy and the cluster; tenant0 offboarded.
 */
jest.setTimeout(180_000);

describe('tenant lifecycle over HTTP (sandbox)', () => {
  const t = useSandbox();

  it('rejects an invalid spec with 400 naming every bad field, and stores nothing', async () => {
    const bad = tenantSpec('Tenant_X', { gateway: { replicas: 0, prefixLength: 29 }, allow: { applications: [{ name: 'all', fqdns: ['*'], protocols: ['Ftp:21'] }], networks: [] } });
    const res = await t.api<{ error: { code: string; details: Array<{ field: string }> } }>('POST', '/tenants', bad);
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'gateway.replicas', 'allow.applications[0].fqdns[0]', 'allow.applications[0].protocols[0]']));
    // The path parameter is held to the same rule (400 naming it); the registry has no such tenant.
    expect(await t.api('GET', '/tenants/spoke1-aks/Tenant_X')).toMatchObject({ status: 400, body: { error: { details: [{ field: 'name' }] } } });
    expect((await t.api<{ items: Array<{ name: string }> }>('GET', '/tenants')).body.items.map((i) => i.name)).not.toContain('Tenant_X');
    expect((await t.api('POST', '/tenants', '{not json')).status).toBe(400);
  });

  it('requires the function key', async () => {
    const res = await fetch(`${t.sandbox.info.apiBaseUrl}/tenants`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
  });

  it('onboards tenant0 and tenant1: Ready, /31s learned on both instances, one source CIDR per tenant in the firewall', async () => {
    const tenant1 = tenantSpec('tenant1', { namespaces: ['tenant1-apps'], allow: { applications: [{ name: 'microsoft', fqdns: ['www.microsoft.com'], protocols: ['Https:443'] }], networks: [] } });
    await t.cloud.core.createNamespace({ body: { metadata: { name: 'tenant1-apps' } } });
    const first = await t.api<{ id: string; phase: string; statusUrl: string }>('POST', '/tenants', tenantSpec('tenant0'));
    expect(first.status).toBe(202);
    expect(first.headers.get('location')).toBe('/api/tenants/spoke1-aks/tenant0');
    expect(first.body).toMatchObject({ id: 'spoke1-aks/tenant0', statusUrl: expect.stringContaining('/api/tenants/spoke1-aks/tenant0') });
    expect((await t.api('POST', '/tenants', tenant1)).status).toBe(202);

    const [t0, t1] = await Promise.all([waitForPhase(t.api, 'spoke1-aks', 'tenant0', ['Ready', 'Failed']), waitForPhase(t.api, 'spoke1-aks', 'tenant1', ['Ready', 'Failed'])]);
    expect(t0.phase).toBe('Ready');
    expect(t1.phase).toBe('Ready');
    expect(t0.cidr).toBe('10.99.0.0/29');
    expect(t1.cidr).toMatch(/^10\.99\.\d+\.\d+\/29$/);
    expect(t1.cidr).not.toBe(t0.cidr);
    expect(t0.steps.map((s) => [s.name, s.state])).toEqual([
      ['allocateCidr', 'Succeeded'], ['checkCapacity', 'Succeeded'], ['applyGateway', 'Succeeded'],
      ['waitForRoutes', 'Succeeded'], ['openFirewall', 'Succeeded'], ['verifyEgress', 'Succeeded'], ['publishReady', 'Succeeded'],
    ]);
    expect(t0.routes.expected).toHaveLength(2);
    expect(t0.routes.learned).toEqual({ RouteServiceRole_IN_0: 2, RouteServiceRole_IN_1: 2 });

    // Route Server, seen through the real SDK: every expected /31 on both instances.
    const learned = await t.cloud.learnedRoutes();
    for (const t of [t0, t1]) {
      for (const instance of ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']) {
        const networks = new Set(learned[instance]!.map((r) => r.network));
        for (const prefix of t.routes.expected) expect(networks).toContain(prefix);
      }
    }
    // The default pod pool no longer leaks: only egress supernet routes are learned.
    expect(Object.values(learned).flat().every((r) => r.network!.startsWith('10.99.'))).toBe(true);

    // The firewall: every rule of a tenant's collections has that tenant's CIDR as its only source.
    const groups = await t.cloud.ruleCollectionGroups();
    for (const t of [t0, t1]) {
      const { collections, rules } = tenantRules(groups, 'spoke1-aks', t.name);
      expect(collections.length).toBeGreaterThan(0);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) expect(rule.sourceAddresses).toEqual([t.cidr]);
    }
    expect(tenantRules(groups, 'spoke1-aks', 'tenant1').collections).toHaveLength(1);
    expect(t0.firewall?.ruleCollections).toEqual(['tenant-spoke1-aks.tenant0-app', 'tenant-spoke1-aks.tenant0-net']);

    // The cluster: gateway, pool and the application namespace steered through the gateway.
    expect(await t.cloud.exists('operator.tigera.io/v1', 'EgressGateway', 'tenant0-egw', 'tenant0-egw')).toBe(true);
    const ns = await t.cloud.core.readNamespace({ name: 'default' });
    expect(ns.metadata?.annotations?.['egress.projectcalico.org/namespaceSelector']).toBe("projectcalico.org/name == 'tenant0-egw'");

    // TenantReady reached the topic, once per tenant.
    const ready = t.sandbox.events.events().filter((e) => e.eventType === 'EgressPilot.TenantReady');
    expect(ready.map((e) => e.subject).sort()).toEqual(['tenants/spoke1-aks/tenant0', 'tenants/spoke1-aks/tenant1']);
  });

  it('onboards a tenant of the same name on the second spoke: its own CIDR, learned from that spoke\'s reflectors', async () => {
    const spec = tenantSpec('tenant0', { cluster: 'spoke2-aks', namespaces: [] });
    expect((await t.api('POST', '/tenants', spec)).status).toBe(202);
    const other = await waitForPhase(t.api, 'spoke2-aks', 'tenant0', ['Ready', 'Failed']);
    expect(other.phase).toBe('Ready');
    const first = (await t.api<TenantView>('GET', '/tenants/spoke1-aks/tenant0')).body;
    expect(other.cidr).not.toBe(first.cidr);
    const learned = Object.values(await t.cloud.learnedRoutes()).flat();
    for (const prefix of other.routes.expected) {
      expect(learned.filter((r) => r.network === prefix).every((r) => r.nextHop!.startsWith('10.2.0.'))).toBe(true);
    }
    const { rules } = tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke2-aks', 'tenant0');
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.sourceAddresses).toEqual([other.cidr]);
  });

  it('treats the same spec again as the same tenant, and a different spec as a conflict pointing at PUT', async () => {
    const again = await t.api<{ phase: string }>('POST', '/tenants', tenantSpec('tenant0'));
    expect(again.status).toBe(202);
    expect(again.body.phase).toBe('Ready');
    const other = await t.api<{ error: { code: string; message: string } }>('POST', '/tenants', tenantSpec('tenant0', { gateway: { replicas: 3, prefixLength: 29 } }));
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain('PUT');
    // An application namespace egresses through one gateway only.
    const steal = await t.api<{ error: { code: string; details: Array<{ field: string; reason: string }> } }>('POST', '/tenants', tenantSpec('thief'));
    expect(steal.status).toBe(409);
    expect(steal.body.error).toMatchObject({ code: 'NamespaceTaken', details: [{ field: 'namespaces[0]', reason: 'namespace default already egresses through tenant tenant0' }] });
    expect((await t.api('GET', '/tenants/spoke1-aks/thief')).status).toBe(404);
  });

  it('PUT of an allowlist change re-converges the firewall only', async () => {
    const changed = tenantSpec('tenant0', { allow: { applications: [{ name: 'tigera', fqdns: ['www.tigera.io', 'docs.tigera.io'], protocols: ['Https:443'] }], networks: [] } });
    const res = await t.api('PUT', '/tenants/spoke1-aks/tenant0', changed);
    expect(res.status).toBe(202);
    const view = await waitForPhase(t.api, 'spoke1-aks', 'tenant0', ['Ready', 'Failed']);
    expect(view.phase).toBe('Ready');
    expect(view.steps.filter((s) => s.state === 'Skipped').map((s) => s.name)).toEqual(['applyGateway', 'waitForRoutes']);
    const { collections, rules } = tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'tenant0');
    expect(collections.map((c) => c.name)).toEqual(['tenant-spoke1-aks.tenant0-app']);
    expect(JSON.stringify(rules)).toContain('docs.tigera.io');
    expect((await t.api('PUT', '/tenants/spoke1-aks/tenant0', changed)).status).toBe(200);
  });

  it('offboards tenant0: rules, Calico resources and routes gone, tenant1 untouched, CIDR reusable afterwards', async () => {
    const before = await t.api<TenantView>('GET', '/tenants/spoke1-aks/tenant1');
    expect((await t.api('DELETE', '/tenants/spoke1-aks/tenant0')).status).toBe(202);
    const gone = await waitForPhase(t.api, 'spoke1-aks', 'tenant0', ['Deleted', 'Failed']);
    expect(gone.phase).toBe('Deleted');
    expect(gone.steps.map((s) => s.name)).toEqual(['closeFirewall', 'removeGateway', 'waitForWithdrawal', 'releaseCidr']);

    const groups = await t.cloud.ruleCollectionGroups();
    expect(tenantRules(groups, 'spoke1-aks', 'tenant0').collections).toHaveLength(0);
    expect(tenantRules(groups, 'spoke1-aks', 'tenant1').collections).toHaveLength(1);
    expect(await t.cloud.exists('v1', 'Namespace', 'tenant0-egw')).toBe(false);
    expect(await t.cloud.exists('projectcalico.org/v3', 'IPPool', 'tenant0-pool')).toBe(false);
    const ns = await t.cloud.core.readNamespace({ name: 'default' });
    expect(ns.metadata?.annotations?.['egress.projectcalico.org/namespaceSelector']).toBeUndefined();
    const learned = Object.values(await t.cloud.learnedRoutes()).flat().map((r) => r.network);
    expect(learned.filter((n) => n!.startsWith('10.99.0.') && Number(n!.split('.')[3]!.split('/')[0]) < 8)).toEqual([]);

    const after = await t.api<TenantView>('GET', '/tenants/spoke1-aks/tenant1');
    expect(after.body.phase).toBe('Ready');
    expect(after.body.cidr).toBe(before.body.cidr);
    for (const prefix of after.body.routes.expected) expect(learned).toContain(prefix);

    // The block is free again only now that its routes are withdrawn: the next tenant gets it.
    // ... and the namespace tenant0 steered is free for another tenant.
    expect((await t.api('POST', '/tenants', tenantSpec('tenant2'))).status).toBe(202);
    const t2 = await waitForPhase(t.api, 'spoke1-aks', 'tenant2', ['Ready', 'Failed']);
    expect(t2.cidr).toBe('10.99.0.0/29');
    expect((await t.cloud.core.readNamespace({ name: 'default' })).metadata?.annotations?.['egress.projectcalico.org/namespaceSelector']).toBe("projectcalico.org/name == 'tenant2-egw'");
  });

  it('lists tenants by cluster, paged', async () => {
    const page1 = await t.api<{ items: TenantView[]; continuationToken?: string }>('GET', '/tenants?cluster=spoke1-aks&limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.continuationToken).toBeDefined();
    const page2 = await t.api<{ items: TenantView[] }>('GET', `/tenants?cluster=spoke1-aks&limit=2&continuationToken=${encodeURIComponent(page1.body.continuationToken!)}`);
    expect(page2.body.items.length).toBeGreaterThan(0);
    const names = [...page1.body.items, ...page2.body.items].map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect((await t.api('GET', '/tenants?limit=0')).status).toBe(400);
  });

  it('serves the OpenAPI document', async () => {
    const doc = await t.api<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(['/tenants', '/tenants/{cluster}/{name}', '/tenants/{cluster}/{name}/verify', '/clusters', '/clusters/{name}', '/clusters/{name}/bootstrap', '/capacity', '/drift']);
  });
});
