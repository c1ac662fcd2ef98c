import { routeReads } from '../../local/emulators/arm/counts';
import { tenantSpec, useSandbox, waitForPhase } from '../e2e/support';

/**
 * ARM calls per poll interval while tenants wait for routes on one cluster, counted at the ARM
 * emulator: the same for 10 and for 100 waiting tenants, because every wait reads the cluster's
 * shared route snapshot (refreshed at most once per ROUTE_POLL_INITIAL_SECONDS). With a read per
 * tenant and poll (the old readTenantRoutes) the count grows with the tenants (about 10x here).
 */
describe('route reads per cluster, not per tenant', () => {
  const t = useSandbox({ appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '2', ROUTE_WAIT_DEADLINE_SECONDS: '900' } });
  const windowMs = 8000;

  async function waiting(names: string[]): Promise<void> {
    const posted = await Promise.all(names.map((n) => t.api('POST', '/tenants', tenantSpec(n, { namespaces: [] }))));
    expect(posted.map((p) => p.status)).toEqual(names.map(() => 202));
    for (const n of names) await waitForPhase(t.api, 'spoke1-aks', n, ['WaitingForRoutes'], 120_000);
  }

  /** Route-read ARM calls per second-long poll interval over a window while the tenants wait. */
  async function perInterval(): Promise<{ calls: number; requests: number }> {
    await new Promise((r) => setTimeout(r, 2500)); // every tenant is in its polling loop
    t.sandbox.arm.control.resetCounters();
    await new Promise((r) => setTimeout(r, windowMs));
    const reads = routeReads(t.sandbox.arm.control.counters());
    return { calls: reads.calls / (windowMs / 1000), requests: reads.requests / (windowMs / 1000) };
  }

  it('10 and 100 waiting tenants cause the same ARM route reads per poll interval', async () => {
    // Route Server learns nothing new for ten minutes: every tenant keeps waiting.
    t.sandbox.arm.control.setTimings({ routePropagationMs: 600_000 });
    const first = Array.from({ length: 10 }, (_, i) => `wait${i}`);
    await waiting(first);
    const ten = await perInterval();
    await waiting(Array.from({ length: 90 }, (_, i) => `wait${10 + i}`));
    const hundred = await perInterval();
    console.log(`ARM route reads per 1 s poll interval: 10 waiting ${ten.calls.toFixed(2)} calls (${ten.requests.toFixed(2)} with LRO polls), 100 waiting ${hundred.calls.toFixed(2)} (${hundred.requests.toFixed(2)})`);
    expect(ten.calls).toBeGreaterThan(0);
    // At most one refresh per interval, whoever asks: connection list + one learnedRoutes per reflector
    // connection (3 calls), the AKS endpoint re-read once a minute. Fewer when the waiting tenants' polls
    // (backed off, or slowed by a busy host) leave intervals without a reader. A read per tenant and poll
    // (the old readTenantRoutes: AKS get, credentials, list, 2 learnedRoutes) would be ~5 calls per tenant poll.
    expect(ten.calls).toBeLessThanOrEqual(2 + 2);
    expect(hundred.calls).toBeLessThanOrEqual(2 + 2);
    expect(hundred.calls).toBeLessThanOrEqual(Math.max(ten.calls, 3) + 3 / (windowMs / 1000) + 0.01);
  }, 600_000);
});
