import { setTimeout as sleep } from 'node:timers/promises';
import { NetworkManagementClient, type FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
import { type BgpSession, createMemoryRouteFeed, startArmEmulator } from '../../local/emulators/arm';
import { policyWrites, routeReads, type PolicyWriteCounts } from '../../local/emulators/arm/counts';
import { ROUTE_SERVER_INSTANCES } from '../../lib/domain/expected-routes';
import { AZURE, armKnobs } from './azure-shape';
import { benchCidr, gatewayBlocks } from './tenants';

/**
 * The naive baseline, measured: what a per-tenant declarative tool does (one Terraform/Bicep
 * deployment per tenant). Each tenant, from its arrival, polls Route Server for its own /31s (the
 * connection list and learnedRoutes of every connection, every poll interval), and once they are
 * learned GETs and PUTs one rule collection group of its own, retrying a busy policy (409/429) after
 * its Retry-After or a back-off of 15 s doubling to 5 min. Same ARM emulator, same knobs, same
 * arrivals; time compressed by its own factor (its figures are counts and a projection).
 */
const HUB_RG = 'demo-hub-network';
const REFLECTORS = ['10.1.0.4', '10.1.0.5'];
const INSTANCES = ['10.0.1.4', '10.0.1.5'];

export interface NaiveResult {
  wallMs: number;
  writes: PolicyWriteCounts;
  routeReads: ReturnType<typeof routeReads>;
  armBudget: { reads: number; writes: number; deletes: number };
  subscriptionThrottled: { reads: number; writes: number };
  rulesPerWrite: number[];
}


function group(i: number): FirewallPolicyRuleCollectionGroup {
  const cidr = benchCidr(i);
  return {
    priority: 1000 + i,
    ruleCollections: [
      { ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: `t${i}-app`, priority: 100, action: { type: 'Allow' },
        rules: [{ ruleType: 'ApplicationRule', name: 'web', sourceAddresses: [cidr], protocols: [{ protocolType: 'Https', port: 443 }], targetFqdns: [`t${i}.example.com`] }] },
      { ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: `t${i}-net`, priority: 200, action: { type: 'Allow' },
        rules: [{ ruleType: 'NetworkRule', name: 'dns', sourceAddresses: [cidr], destinationAddresses: ['1.1.1.1/32'], destinationPorts: ['53'], ipProtocols: ['UDP'] }] },
    ],
  };
}

export async function runNaive(options: { arrivalsAzureMs: number[]; compression: number; seed: number }): Promise<NaiveResult> {
  const c = options.compression;
  const azure = (ms: number): number => ms / c;
  const feed = createMemoryRouteFeed();
  const knobs = armKnobs(c, options.seed);
  const arm = await startArmEmulator({
    routeFeed: feed,
    timings: { ...knobs.timings, routeFeedPollMs: 20, lroRetryAfterSeconds: 0, networkProvisionMs: 0, routeQueryMs: 0 },
    // One group per tenant: more than any policy's group limit (50-100), raised so the baseline can run at all.
    limits: { ...knobs.limits, ruleCollectionGroupsPerPolicy: 1000 },
  });
  process.env.IDENTITY_ENDPOINT = arm.identityEndpoint;
  process.env.IDENTITY_HEADER = arm.identityHeader;
  const network = new NetworkManagementClient(new DefaultAzureCredential(), arm.subscriptionId, { endpoint: arm.url, tlsOptions: { ca: arm.caCertPem }, retryOptions: { maxRetries: 0 } });
  const lro = { updateIntervalInMs: azure(10_000) };
  try {
    for (const [k, ip] of REFLECTORS.entries()) await network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', `rr-${k}`, { peerIp: ip, peerAsn: 63400 }, { updateIntervalInMs: 10 });
    arm.control.resetCounters();
    const advertised: string[] = [];
    const publish = (): void => feed.set(REFLECTORS.flatMap((nodeIp, k) => INSTANCES.map((peerIp): BgpSession => ({
      cluster: 'spoke1-aks', localAsn: 63400, nodeName: `rr-${k}`, nodeIp, peerIp, peerAsn: 65515,
      routes: advertised.map((prefix) => ({ prefix, nextHop: '10.1.0.10', asPath: '63400' })),
    }))));
    const started = performance.now();
    await Promise.all(options.arrivalsAzureMs.map(async (at, i) => {
      await sleep(azure(at));
      advertised.push(...gatewayBlocks(i));
      publish();
      // Wait for its own routes, polling as a per-tenant tool does.
      for (;;) {
        const learned = new Set<string>();
        for await (const conn of network.virtualHubBgpConnections.list(HUB_RG, 'hub-rs')) {
          const routes = await network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(HUB_RG, 'hub-rs', conn.name!, lro).catch(() => ({} as Record<string, Array<{ network?: string }>>));
          for (const [instance, list] of Object.entries(routes)) for (const r of list ?? []) learned.add(`${instance}|${r.network}`);
        }
        if (gatewayBlocks(i).every((b) => ROUTE_SERVER_INSTANCES.every((inst) => learned.has(`${inst}|${b}`)))) break;
        await sleep(azure(AZURE.pollInitialS * 1000));
      }
      // Plan (GET, 404 for a new group) and apply (PUT), retrying while the policy is busy.
      let backoffS = 15;
      for (;;) {
        await network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', `naive-${i}`).catch(() => undefined);
        try {
          await network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', `naive-${i}`, group(i), lro);
          return;
        } catch (error) {
          const e = error as { statusCode?: number; response?: { headers?: { get(n: string): string | undefined } } };
          if (e.statusCode !== 409 && e.statusCode !== 429) throw error;
          const retryAfter = Number(e.response?.headers?.get('retry-after'));
          await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : azure(backoffS * 1000));
          backoffS = Math.min(300, backoffS * 2);
        }
      }
    }));
    const wallMs = performance.now() - started;
    const counters = arm.control.counters();
    return {
      wallMs, writes: policyWrites(counters), routeReads: routeReads(counters), armBudget: counters.armBudget,
      subscriptionThrottled: counters.subscriptionThrottled, rulesPerWrite: counters.policyWriteLog.map((w) => w.rules),
    };
  } finally {
    await arm.stop();
  }
}
