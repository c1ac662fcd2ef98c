import type { FaultRule } from '../../local/emulators/kube';
import { tenantRules, tenantSpec, type TenantView, useSandbox, waitForPhase } from './support';

/** Faults, concurrency and a host crash during onboarding, over HTTP against the sandbox. */
describe('tenant lifecycle under faults, concurrency and a host crash', () => {
  const t = useSandbox();

  const clusterFault = (rule: FaultRule): void => {
    t.sandbox.kube.clusters.get('spoke1-aks')!.faults.add(rule);
  };

  it('ends Ready with nothing duplicated despite 429/409/500 bursts from ARM and Kubernetes', async () => {
    const arm = t.sandbox.arm.control;
    arm.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'throttle', count: 2, retryAfterSeconds: 1 });
    arm.injectFault({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', kind: 'conflict', count: 2 });
    arm.injectFault({ operation: 'virtualHubBgpConnections.listLearnedRoutes', kind: 'serverError', count: 3 });
    arm.injectFault({ operation: 'managedClusters.listClusterUserCredentials', kind: 'throttle', count: 2, retryAfterSeconds: 1 });
    clusterFault({ method: 'PATCH', pathPrefix: '/apis/projectcalico.org', status: 429, count: 3, retryAfterSeconds: 1 });
    clusterFault({ method: 'PATCH', pathPrefix: '/apis/operator.tigera.io', status: 500, count: 2 });
    // Gateway pods are read cluster-wide, once per poll interval for every waiting tenant (the route snapshot).
    clusterFault({ method: 'GET', pathPrefix: '/api/v1/pods', status: 503, count: 2 });

    expect((await t.api('POST', '/tenants', tenantSpec('faulty', { namespaces: [] }))).status).toBe(202);
    const view = await waitForPhase(t.api, 'spoke1-aks', 'faulty', ['Ready', 'Failed'], 90_000);
    expect(view.error).toBeUndefined();
    expect(view.phase).toBe('Ready');
    expect(arm.pendingFaults()).toEqual([]);
    expect(t.sandbox.kube.clusters.get('spoke1-aks')!.faults.list().filter((r) => r.remaining !== 0)).toEqual([]);
    const counters = arm.counters();
    expect(counters.faultsInjected.throttle).toBeGreaterThanOrEqual(4);

    const pools = await t.cloud.kube.list('projectcalico.org/v3', 'IPPool');
    expect(pools.items.filter((p) => p.metadata?.name === 'faulty-pool')).toHaveLength(1);
    const { collections } = tenantRules(await t.cloud.ruleCollectionGroups(), 'spoke1-aks', 'faulty');
    expect(collections.map((c) => c.name).sort()).toEqual(['tenant-spoke1-aks.faulty-app', 'tenant-spoke1-aks.faulty-net']);
  }, 120_000);

  it('20 identical POSTs for one tenant: one allocation, one lifecycle', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => t.api<{ id: string }>('POST', '/tenants', tenantSpec('twenty', { namespaces: [] }))));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const view = await waitForPhase(t.api, 'spoke1-aks', 'twenty', ['Ready', 'Failed'], 90_000);
    expect(view.phase).toBe('Ready');
    const ready = t.sandbox.events.events().filter((e) => e.subject === 'tenants/spoke1-aks/twenty');
    expect(ready).toHaveLength(1);
    const mine = (await t.api<{ items: TenantView[] }>('GET', '/tenants?cluster=spoke1-aks&limit=100')).body.items.filter((t) => t.name === 'twenty');
    expect(mine).toHaveLength(1);
    // One orchestration instance: the deterministic id, started once.
    const status = await fetch(`${t.sandbox.host.baseUrl}/runtime/webhooks/durabletask/instances/?instanceIdPrefix=${encodeURIComponent('tenant:spoke1-aks:twenty')}&code=${t.sandbox.info.masterKey}`);
    const instances = (await status.json()) as Array<{ instanceId: string }>;
    expect(instances.map((i) => i.instanceId)).toEqual(['tenant:spoke1-aks:twenty']);
  }, 120_000);

  it('30 tenants onboarded at once on one cluster: 30 disjoint CIDRs, all Ready, a handful of policy writes', async () => {
    const writesBefore = Object.values(t.sandbox.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0);
    const names = Array.from({ length: 30 }, (_, i) => `burst${i}`);
    const posted = await Promise.all(names.map((n) => t.api('POST', '/tenants', tenantSpec(n, { namespaces: [], gateway: { replicas: 1, prefixLength: 30 } }))));
    expect(posted.every((r) => r.status === 202)).toBe(true);
    const views = await Promise.all(names.map((n) => waitForPhase(t.api, 'spoke1-aks', n, ['Ready', 'Failed'], 150_000)));
    expect(views.filter((v) => v.phase !== 'Ready').map((v) => `${v.name}: ${v.error}`)).toEqual([]);
    const cidrs = views.map((v) => v.cidr!);
    expect(new Set(cidrs).size).toBe(30);
    const toRange = (c: string) => {
      const [ip, len] = c.split('/');
      const n = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
      return [n, n + 2 ** (32 - Number(len)) - 1] as const;
    };
    const ranges = cidrs.map(toRange).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1]);
    const writes = Object.values(t.sandbox.arm.control.counters().policyWrites).reduce((a, b) => a + b, 0) - writesBefore;
    expect(writes).toBeLessThan(30);
  }, 200_000);

  it('resumes to Ready after the host is killed mid-onboarding, without a second allocation', async () => {
    t.sandbox.arm.control.setTimings({ routePropagationMs: 4000 });
    try {
      expect((await t.api('POST', '/tenants', tenantSpec('crash', { namespaces: [] }))).status).toBe(202);
      const waiting = await waitForPhase(t.api, 'spoke1-aks', 'crash', ['WaitingForRoutes', 'Ready', 'Failed'], 60_000);
      expect(waiting.phase).toBe('WaitingForRoutes');
      await t.sandbox.restartHost('SIGKILL');
      const view = await waitForPhase(t.api, 'spoke1-aks', 'crash', ['Ready', 'Failed'], 90_000);
      expect({ phase: view.phase, error: view.error }).toEqual({ phase: 'Ready', error: undefined });
      expect(view.cidr).toBe(waiting.cidr);
      expect(t.sandbox.events.events().filter((e) => e.subject === 'tenants/spoke1-aks/crash')).toHaveLength(1);
    } finally {
      t.sandbox.arm.control.setTimings({ routePropagationMs: 300 });
    }
  }, 200_000);
});
