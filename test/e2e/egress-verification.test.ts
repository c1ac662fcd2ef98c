import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { apiClient, pollUntil, tenantSpec, useSandbox, waitForPhase, type ApiResponse } from './support';

interface EgressResult { target: string; kind: string; expected: string; outcome: string; detail: string; latencyMs?: number; ok: boolean }
interface VerifiedTenant {
  phase: string;
  error?: string;
  steps: Array<{ name: string; state: string; detail?: string }>;
  egress?: { verifiedAt: string; ok: boolean; results: EgressResult[]; sourceSeen?: string; problems?: string[] };
}

const inTenantCidr = (ip: string | undefined): boolean => /^10\.99\.0\.[0-7]$/.test(ip ?? '');
const result = (t: VerifiedTenant, target: string): EgressResult | undefined => t.egress?.results.find((r) => r.target === target);
const print = (title: string, t: VerifiedTenant): void => {
  // The closing note wants the status JSON of a verified and of a degraded tenant.
  process.stdout.write(`\n--- ${title} ---\n${JSON.stringify({ phase: t.phase, ...(t.error ? { error: t.error } : {}), egress: t.egress }, null, 2)}\n`);
};

/**
 * The walkthrough's closing curl test, automated (issue 14): tenant0 onboarded as in the walkthrough is verified
 * by a probe Job in `default`, whose connections the emulated datapath sends through the tenant's gateway and the
 * emulated Azure Firewall decides.
 */
describe('egress verification (sandbox)', () => {
  const t = useSandbox({ appSettings: { DRIFT_REPAIR: 'true', DRIFT_VERIFY_EGRESS: 'true', EGRESS_VERIFY_DEADLINE_SECONDS: '30' } });
  const get = async (): Promise<VerifiedTenant> => (await t.api<VerifiedTenant>('GET', '/tenants/spoke1-aks/tenant0')).body;
  const verify = async (): Promise<VerifiedTenant> => {
    const before = (await get()).egress?.verifiedAt;
    expect((await t.api('POST', '/tenants/spoke1-aks/tenant0/verify')).status).toBe(202);
    const done = await pollUntil(() => t.api<VerifiedTenant>('GET', '/tenants/spoke1-aks/tenant0'),
      (r: ApiResponse<VerifiedTenant>) => ['Ready', 'Degraded'].includes(r.body.phase) && r.body.egress?.verifiedAt !== before, 120_000);
    return done.body;
  };

  it('onboards tenant0 as in the walkthrough: www.tigera.io allowed with a source in 10.99.0.0/29, another site refused with 470', async () => {
    expect((await t.api('POST', '/tenants', tenantSpec('tenant0'))).status).toBe(202);
    const ready = await waitForPhase(t.api, 'spoke1-aks', 'tenant0', ['Ready', 'Degraded', 'Failed'], 120_000) as unknown as VerifiedTenant;
    print('verified tenant (onboarding)', ready);
    expect(ready.phase).toBe('Ready');
    expect(ready.steps.find((s) => s.name === 'verifyEgress')).toMatchObject({ state: 'Succeeded' });
    expect(result(ready, 'www.tigera.io:80')).toMatchObject({ outcome: 'allowed', detail: 'HTTP 200', ok: true });
    expect(result(ready, 'www.example.com:80')).toMatchObject({ expected: 'refused', outcome: 'refused', detail: 'refused by the firewall (470)', ok: true });
    expect(result(ready, '1.1.1.1:53')).toMatchObject({ outcome: 'skipped' });
    expect(inTenantCidr(ready.egress?.sourceSeen)).toBe(true);
    // The probe Job is gone afterwards.
    const jobs = await t.cloud.kube.list('batch/v1', 'Job', 'default');
    expect(jobs.items).toEqual([]);
  }, 180_000);

  it('a PUT that removes the FQDN: the verification shows it refused', async () => {
    const narrowed = tenantSpec('tenant0', { allow: { applications: [{ name: 'tigera', fqdns: ['docs.tigera.io'], protocols: ['Http:80', 'Https:443'] }], networks: [] } });
    expect((await t.api('PUT', '/tenants/spoke1-aks/tenant0', narrowed)).status).toBe(202);
    const updated = await pollUntil(get, (v) => ['Ready', 'Degraded', 'Failed'].includes(v.phase) && result(v, 'docs.tigera.io:80') !== undefined, 120_000);
    print('verified tenant (after removing www.tigera.io)', updated);
    expect(updated.phase).toBe('Ready');
    expect(result(updated, 'docs.tigera.io:80')).toMatchObject({ outcome: 'allowed', ok: true });
    expect(result(updated, 'www.tigera.io:80')).toMatchObject({ expected: 'refused', outcome: 'refused', detail: 'refused by the firewall (470)', ok: true });
  }, 180_000);

  it('a namespace un-steered by hand fails verification with a clear reason: Degraded, rules kept', async () => {
    const unsteer = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', annotations: { 'egress.projectcalico.org/namespaceSelector': null, 'egress.projectcalico.org/selector': null } } };
    await t.cloud.kube.patch(unsteer as unknown as KubernetesObject, undefined, undefined, 'by-hand', undefined, PatchStrategy.MergePatch);
    const degraded = await verify();
    print('degraded tenant', degraded);
    expect(degraded.phase).toBe('Degraded');
    expect(degraded.error).toContain('docs.tigera.io:80 refused by the firewall (470)');
    expect(degraded.error).toMatch(/source seen 10\.1\.0\.\d+, outside the tenant CIDR 10\.99\.0\.0\/29/);
    expect(inTenantCidr(result(degraded, '10.0.3.10:8080')?.detail.match(/seen (\S+),/)?.[1])).toBe(false);
    // Nothing was taken away: the rules for the tenant CIDR are still in the policy.
    const groups = await t.cloud.ruleCollectionGroups();
    expect(JSON.stringify(groups)).toContain('tenant-spoke1-aks.tenant0-app');
  }, 180_000);

  it('drift repair puts the annotation back and verification passes again', async () => {
    const admin = apiClient(t.sandbox, t.sandbox.info.masterKey);
    const before = (await t.api<{ checkedAt?: string }>('GET', '/drift')).body?.checkedAt;
    expect((await admin('POST', '/drift')).status).toBe(202);
    const drift = await pollUntil(() => t.api<{ checkedAt: string; repaired: string[]; report: { tenants: Array<{ tenant: string; problems: string[] }> } }>('GET', '/drift'),
      (r) => r.status === 200 && r.body.checkedAt !== before, 90_000);
    process.stdout.write(`\n--- drift report ---\n${JSON.stringify({ repaired: drift.body.repaired, tenants: drift.body.report.tenants }, null, 2)}\n`);
    expect(drift.body.report.tenants).toEqual(expect.arrayContaining([{ tenant: 'spoke1-aks/tenant0', problems: ['application namespace default not steered through its gateway'] }]));
    expect(drift.body.repaired).toContain('spoke1-aks/tenant0');
    // DRIFT_VERIFY_EGRESS: the same check re-verified the repaired tenant, which is Ready again.
    const scheduled = await get();
    expect(scheduled).toMatchObject({ phase: 'Ready', egress: { ok: true } });
    expect(inTenantCidr(scheduled.egress?.sourceSeen)).toBe(true);
    // And on demand, once more.
    const again = await verify();
    print('verified tenant (after drift repair)', again);
    expect(again.phase).toBe('Ready');
    expect(inTenantCidr(again.egress?.sourceSeen)).toBe(true);
  }, 240_000);

  it('policy steering (the walkthrough\'s local bypass): the internet through the gateway, 10.0.0.0/8 direct and not with the tenant source', async () => {
    const spec = tenantSpec('policy0', {
      namespaces: ['shop'], createNamespaces: true,
      gateway: { replicas: 2, prefixLength: 29, steering: { mode: 'policy', rules: [{ destination: '10.0.0.0/8', via: 'direct' }] } },
    });
    expect((await t.api('POST', '/tenants', spec)).status).toBe(202);
    const ready = await waitForPhase(t.api, 'spoke1-aks', 'policy0', ['Ready', 'Degraded', 'Failed'], 120_000) as unknown as VerifiedTenant;
    print('verified tenant (policy steering)', ready);
    expect(ready.phase).toBe('Ready');
    expect(result(ready, 'www.tigera.io:80')).toMatchObject({ outcome: 'allowed', ok: true });
    expect(result(ready, '10.0.3.10:8080')).toMatchObject({ expected: 'source-outside-cidr', ok: true });
    const shop = await t.cloud.core.readNamespace({ name: 'shop' });
    expect(shop.metadata?.annotations?.['egress.projectcalico.org/egressGatewayPolicy']).toBe('policy0-egw');
  }, 180_000);
});
