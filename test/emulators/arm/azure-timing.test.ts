import https from 'node:https';
import type { BgpSession } from '../../../local/emulators/arm';
import { HUB_RG, startHarness, type Harness } from './support';

/** The emulator's Azure-shaped knobs: spread route propagation, per-rule firewall cost, the read bucket, full counters. */
describe('ARM emulator: Azure-shaped timing and counters', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => { await h.arm.control.reset(); h.feed.set([]); });

  const session = (peerIp: string, prefixes: string[]): BgpSession => ({
    cluster: 'spoke1-aks', localAsn: 63400, nodeName: 'rr-0', nodeIp: '10.1.0.4', peerIp, peerAsn: 65515,
    routes: prefixes.map((prefix) => ({ prefix, nextHop: '10.1.0.10', asPath: '63400' })),
  });

  /** When each of 40 prefixes shows up, with the given seed (polled every 20 ms). */
  async function learnTimes(seed: number): Promise<number[]> {
    await h.arm.control.reset();
    h.arm.control.setTimings({ routePropagationMs: 200, routePropagationP95Ms: 1200, randomSeed: seed, routeFeedPollMs: 10, lroRetryAfterSeconds: 0, networkProvisionMs: 0 });
    await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', 'rr-0', { peerIp: '10.1.0.4', peerAsn: 63400 }, h.lro);
    const prefixes = Array.from({ length: 40 }, (_, i) => `10.99.0.${i * 2}/31`);
    const started = Date.now();
    h.feed.set(['10.0.1.4', '10.0.1.5'].map((ip) => session(ip, prefixes)));
    await h.arm.control.bgpSessions(); // sample now: every prefix is advertised at the same moment
    const seen = new Map<string, number>();
    while (seen.size < prefixes.length && Date.now() - started < 15_000) {
      const routes = await h.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, 'hub-rs', 'rr-0', { updateIntervalInMs: 5 });
      const both = new Set((routes.RouteServiceRole_IN_0 ?? []).map((r) => r.network).filter((n) => (routes.RouteServiceRole_IN_1 ?? []).some((r) => r.network === n)));
      for (const p of both) if (p && !seen.has(p)) seen.set(p, Date.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
    return prefixes.map((p) => seen.get(p) ?? Number.NaN);
  }

  it('route propagation is spread (log-normal by median and p95), one draw per prefix for both instances, reproducible from the seed', async () => {
    const a = await learnTimes(11);
    expect(a.every(Number.isFinite)).toBe(true);
    const sorted = [...a].sort((x, y) => x - y);
    // Spread: the slowest prefix takes several times the fastest (a fixed delay would give one value).
    expect(sorted[sorted.length - 1]! / Math.max(1, sorted[0]!)).toBeGreaterThan(3);
    // Same seed, same order of arrival (times jitter by the polling, the draws do not).
    const b = await learnTimes(11);
    const order = (t: number[]): number[] => t.map((_, i) => i).sort((x, y) => t[x]! - t[y]!);
    const rankCorrelation = (x: number[], y: number[]): number => {
      const rx = order(x);
      const ry = order(y);
      const pos = (r: number[]) => { const p: number[] = []; r.forEach((idx, k) => { p[idx] = k; }); return p; };
      const px = pos(rx); const py = pos(ry);
      const n = x.length;
      return 1 - (6 * px.reduce((s, v, i) => s + (v - py[i]!) ** 2, 0)) / (n * (n * n - 1));
    };
    expect(rankCorrelation(a, b)).toBeGreaterThan(0.8);
  }, 60_000);

  it('a firewall write takes base + per-rule cost, logged with its rules; polls are counted against the write', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 50, firewallUpdatePerRuleMs: 10, lroRetryAfterSeconds: 0 });
    const rules = Array.from({ length: 12 }, (_, i) => ({ ruleType: 'NetworkRule' as const, name: `r${i}`, ipProtocols: ['TCP' as const], sourceAddresses: [`10.99.${i}.0/29`], destinationAddresses: ['20.1.2.3'], destinationPorts: ['443'] }));
    const started = Date.now();
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'g1', {
      priority: 500, ruleCollections: [{ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'c', priority: 100, action: { type: 'Allow' }, rules }],
    }, { updateIntervalInMs: 10 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 12 * 10);
    const counters = h.arm.control.counters();
    expect(counters.policyWriteLog).toEqual([expect.objectContaining({ operation: 'firewallPolicyRuleCollectionGroups.createOrUpdate', durationMs: 170, rules: 12 })]);
    expect(counters.lroPolls['firewallPolicyRuleCollectionGroups.createOrUpdate']).toBeGreaterThan(1);
    expect(counters.armBudget.writes).toBe(1);
    expect(counters.armBudget.reads).toBeGreaterThan(1); // the polls and the final GET are reads
  });

  it('polls of an operation started before a counter reset still count against the operation that started it', async () => {
    h.arm.control.setTimings({ firewallUpdateMs: 150, lroRetryAfterSeconds: 0 });
    const poller = await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(HUB_RG, 'hub-fw-policy', 'g2', {
      priority: 600, ruleCollections: [{ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'c', priority: 100, action: { type: 'Allow' }, rules: [] }],
    }, { updateIntervalInMs: 10 });
    h.arm.control.resetCounters();
    await poller.pollUntilDone();
    const { lroPolls } = h.arm.control.counters();
    expect(lroPolls['firewallPolicyRuleCollectionGroups.createOrUpdate']).toBeGreaterThan(1);
    expect(lroPolls.unknown).toBeUndefined();
  });

  it('the read bucket answers 429 SubscriptionRequestsThrottled with Retry-After when empty', async () => {
    h.arm.control.setLimits({ readBucketSize: 3, readRefillPerSecond: 1 });
    const token = h.arm.control.issueToken(h.arm.url);
    // Plain HTTPS, no SDK: its retry policy would hide the 429.
    const get = () => new Promise<{ status: number; retryAfter?: string; body: string }>((resolve, reject) => {
      const req = https.get(`${h.arm.url}/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs?api-version=2025-05-01`,
        { ca: h.arm.caCertPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => { body += c.toString(); });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
        });
      req.on('error', reject);
    });
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await get());
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[3]!.retryAfter).toMatch(/^[1-9]\d*$/);
    expect(answers[3]!.body).toContain('SubscriptionRequestsThrottled');
    expect(h.arm.control.counters().subscriptionThrottled.reads).toBe(2);
    expect(h.arm.control.counters().responses['virtualHubs.get 429']).toBe(2);
  });
});
