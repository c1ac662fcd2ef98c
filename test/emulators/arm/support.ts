import { ContainerServiceClient } from '@azure/arm-containerservice';
import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
import { type ArmEmulator, createMemoryRouteFeed, type MemoryRouteFeed, startArmEmulator, type StartArmEmulatorOptions } from '../../../local/emulators/arm';

/**
 * Test harness: the emulator with an in-memory route feed, and the real SDK clients configured as
 * the app configures them in the sandbox: DefaultAzureCredential through IDENTITY_ENDPOINT /
 * IDENTITY_HEADER, `endpoint` = the emulator, `tlsOptions.ca` = the emulator's CA (TLS verification on).
 */
export interface Harness {
  arm: ArmEmulator;
  feed: MemoryRouteFeed;
  credential: DefaultAzureCredential;
  network: NetworkManagementClient;
  aks: ContainerServiceClient;
  /** Fast polling and retries for tests. */
  lro: { updateIntervalInMs: number };
  stop(): Promise<void>;
}

export const HUB_RG = 'demo-hub-network';
export const SPOKE_RG = 'demo-spoke-networks';

export async function startHarness(options: StartArmEmulatorOptions = {}): Promise<Harness> {
  const feed = createMemoryRouteFeed();
  const arm = await startArmEmulator({
    routeFeed: feed,
    ...options,
    timings: { firewallUpdateMs: 150, routePropagationMs: 150, routeFeedPollMs: 25, lroRetryAfterSeconds: 0, ...options.timings },
  });
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
  process.env.IDENTITY_ENDPOINT = arm.identityEndpoint;
  process.env.IDENTITY_HEADER = arm.identityHeader;
  const credential = new DefaultAzureCredential();
  const clientOptions = { endpoint: arm.url, tlsOptions: { ca: arm.caCertPem }, retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 } };
  const network = new NetworkManagementClient(credential, arm.subscriptionId, clientOptions);
  const aks = new ContainerServiceClient(credential, arm.subscriptionId, clientOptions);
  return {
    arm, feed, credential, network, aks, lro: { updateIntervalInMs: 20 },
    async stop() {
      await arm.stop();
      if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT; else process.env.IDENTITY_ENDPOINT = saved.endpoint;
      if (saved.header === undefined) delete process.env.IDENTITY_HEADER; else process.env.IDENTITY_HEADER = saved.header;
    },
  };
}

/** Poll `check` until it returns true (bounded), for eventually-consistent twin state. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
