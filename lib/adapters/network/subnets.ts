import type { NetworkManagementClient } from '@azure/arm-network';
import { PermanentError } from '../errors';
import { withRetries, defaultRetry, type RetryOptions } from '../retry';

const subnetIdPattern = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i;

/** The address prefix of a subnet given its resource id (e.g. an AKS agent pool's vnetSubnetID). */
export async function subnetPrefix(network: NetworkManagementClient, subnetId: string, retry: RetryOptions = defaultRetry): Promise<string> {
  const m = subnetIdPattern.exec(subnetId);
  if (!m) throw new PermanentError(`"${subnetId}" is not a subnet resource id`);
  const subnet = await withRetries(`read subnet ${m[3]}`, () => network.subnets.get(m[1]!, m[2]!, m[3]!), retry);
  const prefix = subnet.addressPrefix ?? subnet.addressPrefixes?.[0];
  if (!prefix) throw new PermanentError(`subnet ${subnetId} has no address prefix`);
  return prefix;
}
