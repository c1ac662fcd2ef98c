import type { NetworkManagementClient } from '@azure/arm-network';
import { containerServiceClient, networkClient, type ArmTarget } from '../../lib/adapters/azure/clients';
import { isNotFound, RetriesExhausted } from '../../lib/adapters/errors';
import { resolveClusterEndpoint } from '../../lib/adapters/kubernetes/cluster-access';
import { RouteServer } from '../../lib/adapters/network/route-server';
import { defaultRetry } from '../../lib/adapters/retry';
import { settledFailure } from '../../orchestrations/activity-outcome';
import { HUB_RG, SPOKE_RG, startHarness, type Harness } from '../emulators/arm/support';

/**
 * The one retry layer, measured at the ARM emulator: the adapters' clients are built exactly as
 * the app builds them (lib/adapters/azure/clients.ts), and the emulator counts every request it
 * saw. Only the emulator's CA is added, as NODE_EXTRA_CA_CERTS does for the app in the sandbox.
 */
const RS = { resourceGroup: HUB_RG, name: 'hub-rs' };

function trustEmulator<C extends { pipeline: NetworkManagementClient['pipeline'] }>(client: C, caCertPem: string): C {
  client.pipeline.addPolicy({ name: 'emulatorCa', sendRequest: (request, next) => { request.tlsSettings = { ca: caCertPem }; return next(request); } });
  return client;
}

describe('one retry layer with a bounded total, against the ARM emulator', () => {
  let h: Harness;
  let target: ArmTarget;
  beforeAll(async () => {
    h = await startHarness();
    target = { subscriptionId: h.arm.subscriptionId, endpoint: h.arm.url };
  });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => { await h.arm.control.reset(); h.arm.control.setTimings({ lroRetryAfterSeconds: 0, networkProvisionMs: 20 }); });

  const routeServer = (): RouteServer => new RouteServer(trustEmulator(networkClient(target, h.credential), h.arm.caCertPem), RS, defaultRetry, 20);
  const requests = (operation: string): number => h.arm.control.counters().requests[operation] ?? 0;

  it('a lasting 429 costs at most defaultRetry.attempts requests, each after the Retry-After, and fails permanently', async () => {
    h.arm.control.injectFault({ operation: 'virtualHubBgpConnections.list', kind: 'throttle', count: 1000, retryAfterSeconds: 1 });
    // The default bound, with short exponential waits, so that only Retry-After can make them 1 s.
    const rs = new RouteServer(trustEmulator(networkClient(target, h.credential), h.arm.caCertPem), RS, { ...defaultRetry, baseMs: 5, maxMs: 20 }, 20);
    const started = Date.now();
    const error = await rs.connections().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    const seen = requests('virtualHubBgpConnections.list');
    console.log(`lasting 429 on virtualHubBgpConnections.list: ${seen} requests in ${elapsed} ms (bound ${defaultRetry.attempts}; the old nesting made 4 per adapter attempt)`);
    expect(seen).toBe(defaultRetry.attempts);
    expect(error).toBeInstanceOf(RetriesExhausted);
    // Retry-After: 1 s was waited between every two requests (the exponential waits are 20 ms at most).
    expect(elapsed).toBeGreaterThanOrEqual((defaultRetry.attempts - 1) * 1000);
    // The activity boundary settles it: the durable retry does not run the 6 requests again.
    expect(settledFailure(error)).toMatch(/still failing after 6 attempts: throttled \(429 TooManyRequests\)/);
  });

  it('gives up at once when the Retry-After would pass the time budget', async () => {
    h.arm.control.injectFault({ operation: 'virtualHubs.get', kind: 'throttle', count: 1000, retryAfterSeconds: 600 });
    const started = Date.now();
    const error = await routeServer().identity().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(requests('virtualHubs.get')).toBe(1);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as Error).message).toMatch(/would pass the 60000 ms budget/);
  });

  it('does not retry a 404', async () => {
    const error = await routeServer().connectionState('no-such-connection').catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect(settledFailure(error)).toBeDefined();
    expect(requests('virtualHubBgpConnection.get')).toBe(1);
  });

  it('rides out 5xx and a dropped connection with one request per attempt, and long-running operations still poll', async () => {
    h.arm.control.injectFault({ operation: 'virtualHubBgpConnections.list', kind: 'serverError', count: 2 });
    h.arm.control.injectFault({ operation: 'virtualHubBgpConnection.createOrUpdate', kind: 'drop', count: 1 });
    const rs = new RouteServer(trustEmulator(networkClient(target, h.credential), h.arm.caCertPem), RS, { attempts: 6, baseMs: 5, maxMs: 20 }, 20);
    await rs.ensureConnection('spoke1-aks-rr-10-1-0-4', '10.1.0.4', 63400);
    expect(requests('virtualHubBgpConnections.list')).toBe(3);
    expect(requests('virtualHubBgpConnection.createOrUpdate')).toBe(2);
    expect((await rs.connections()).map((c) => c.name)).toEqual(['spoke1-aks-rr-10-1-0-4']);
  });

  it('the AKS reads behind Kubernetes access go through the same layer', async () => {
    h.arm.control.injectFault({ operation: 'managedClusters.get', kind: 'throttle', count: 1000, retryAfterSeconds: 0 });
    const aks = trustEmulator(containerServiceClient(target, h.credential), h.arm.caCertPem);
    const error = await resolveClusterEndpoint(aks, SPOKE_RG, 'spoke1-aks', { attempts: 6, baseMs: 5, maxMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(requests('managedClusters.get')).toBe(6);
  });
});
