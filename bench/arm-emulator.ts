/**
 * ARM emulator benchmark (`npm run bench -- arm-emulator`), real SDK + DefaultAzureCredential over HTTPS:
 *  1. rule collection group PUT (long-running, polled to completion) operations/s at zero latency;
 *  2. time of a learnedRoutes query with 1,000 routes per peer vs 100 (ratio; ~10x would mean linear in routes);
 * ends with one line of JSON.
 */
import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
import { type BgpSession, createMemoryRouteFeed, startArmEmulator } from '../local/emulators/arm';

const HUB_RG = 'demo-hub-network';

function sessions(routes: number): BgpSession[] {
  return ['10.0.1.4', '10.0.1.5'].map((peerIp) => ({
    cluster: 'spoke1-aks', localAsn: 63400, nodeName: 'rr-0', nodeIp: '10.1.0.4', peerIp, peerAsn: 65515,
    routes: Array.from({ length: routes }, (_, i) => ({ prefix: `10.99.${Math.floor((i * 2) / 256)}.${(i * 2) % 256}/31`, nextHop: '10.1.0.10', asPath: '63400' })),
  }));
}

async function timeEach(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await op(i);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const feed = createMemoryRouteFeed();
  const arm = await startArmEmulator({
    routeFeed: feed,
    timings: { firewallUpdateMs: 0, networkProvisionMs: 0, routeQueryMs: 0, routePropagationMs: 0, routeFeedPollMs: 0, lroRetryAfterSeconds: 0 },
    limits: { ruleCollectionGroupsPerPolicy: 10_000 },
  });
  process.env.IDENTITY_ENDPOINT = arm.identityEndpoint;
  process.env.IDENTITY_HEADER = arm.identityHeader;
  const network = new NetworkManagementClient(new DefaultAzureCredential(), arm.subscriptionId, { endpoint: arm.url, tlsOptions: { ca: arm.caCertPem } });
  const lro = { updateIntervalInMs: 0 };
  try {
    const group = (i: number) => ({
      priority: 1000 + i,
      ruleCollections: [{
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection' as const, name: 'tenant', priority: 100, action: { type: 'Allow' as const },
        rules: [{ ruleType: 'NetworkRule' as const, name: 'r', ipProtocols: ['TCP' as const], sourceAddresses: [`10.99.${i % 256}.0/29`], destinationAddresses: ['20.1.2.3'], destinationPorts: ['443'] }],
      }],
    });
    await timeEach(20, (i) => network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', `warm-${i}`, group(i), lro));
    const puts = 300;
    const putMs = await timeEach(puts, (i) => network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', `g-${i}`, group(100 + i), lro));
    const requests = arm.control.counters().requests;
    console.log(`rule collection group PUT (LRO to Succeeded, zero latency): ${(puts / (putMs / 1000)).toFixed(0)} ops/s `
      + `(${(putMs / puts).toFixed(2)} ms/op; ${((requests['firewallPolicyRuleCollectionGroups.createOrUpdate'] ?? 0) + (requests['operations.status'] ?? 0) + (requests['firewallPolicyRuleCollectionGroups.get'] ?? 0))} HTTP requests in total)`);

    await network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', 'rr-0', { peerIp: '10.1.0.4', peerAsn: 63400 }, lro);
    const learnedMs = async (routes: number): Promise<number> => {
      feed.set(sessions(routes));
      const check = await network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, 'hub-rs', 'rr-0', lro);
      if (check.RouteServiceRole_IN_0?.length !== routes || check.RouteServiceRole_IN_1?.length !== routes) {
        throw new Error(`expected ${routes} learned routes per instance, got ${check.RouteServiceRole_IN_0?.length ?? 0}/${check.RouteServiceRole_IN_1?.length ?? 0}`);
      }
      const n = 40;
      return (await timeEach(n, () => network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, 'hub-rs', 'rr-0', lro))) / n;
    };
    await learnedMs(100); // warm-up
    const t100 = await learnedMs(100);
    const t1000 = await learnedMs(1000);
    console.log(`learnedRoutes (2 instances): 100 routes ${t100.toFixed(2)} ms, 1,000 routes ${t1000.toFixed(2)} ms; ratio 1,000/100 = ${(t1000 / t100).toFixed(2)}`);
    console.log(JSON.stringify({
      bench: 'arm-emulator', groupPutsPerSecond: Math.round(puts / (putMs / 1000)),
      learnedRoutesMs100: Number(t100.toFixed(2)), learnedRoutesMs1000: Number(t1000.toFixed(2)), learnedRoutesRatio: Number((t1000 / t100).toFixed(2)),
    }));
  } finally {
    await arm.stop();
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
