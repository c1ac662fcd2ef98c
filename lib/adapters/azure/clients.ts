import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { NetworkManagementClient } from '@azure/arm-network';
import { ContainerServiceClient } from '@azure/arm-containerservice';

/** Where ARM lives and as whom we call it. Endpoint and audience come from configuration only. */
export interface ArmTarget {
  subscriptionId: string;
  /** e.g. https://management.azure.com; a sovereign cloud or the local emulator otherwise. */
  endpoint: string;
  /** Token scope for ARM; defaults to `${endpoint}/.default` as the SDK does. */
  audience?: string;
}

let sharedCredential: TokenCredential | undefined;

/** One DefaultAzureCredential per process: it caches tokens, so sharing it saves token requests. */
export function azureCredential(): TokenCredential {
  sharedCredential ??= new DefaultAzureCredential();
  return sharedCredential;
}

/**
 * The SDK pipeline's own retries are off: lib/adapters/retry.ts is the one layer that retries ARM
 * (429 with Retry-After, busy 409, 5xx, dropped connections), so the attempts do not multiply.
 * Long-running operations still poll: polling is core-lro's loop, not the retry policy.
 */
export const armPipelineRetry = { maxRetries: 0 } as const;

const scopeFor = (target: ArmTarget): string => target.audience ?? `${target.endpoint.replace(/\/$/, '')}/.default`;

export function networkClient(target: ArmTarget, credential: TokenCredential = azureCredential()): NetworkManagementClient {
  return new NetworkManagementClient(credential, target.subscriptionId, {
    endpoint: target.endpoint,
    credentialScopes: [scopeFor(target)],
    retryOptions: armPipelineRetry,
  });
}

export function containerServiceClient(target: ArmTarget, credential: TokenCredential = azureCredential()): ContainerServiceClient {
  return new ContainerServiceClient(credential, target.subscriptionId, {
    endpoint: target.endpoint,
    credentials: { scopes: [scopeFor(target)] },
    retryOptions: armPipelineRetry,
  });
}
