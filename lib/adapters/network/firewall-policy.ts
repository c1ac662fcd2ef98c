import type { FirewallPolicyRuleCollectionGroup, NetworkManagementClient } from '@azure/arm-network';
import { isNotFound } from '../errors';
import { withRetries, defaultRetry, type RetryOptions } from '../retry';

export interface FirewallPolicyRef {
  resourceGroup: string;
  name: string;
}

/** A rule collection group as read, with the ETag a conditional write must present. */
export interface CurrentRuleCollectionGroup {
  name: string;
  etag?: string;
  group: FirewallPolicyRuleCollectionGroup;
}

/**
 * Rule collection groups of one Firewall Policy. Writes replace the whole group (that is what PUT
 * does), are conditional on the ETag read before, and wait for the long-running update to finish.
 */
export class FirewallPolicy {
  constructor(
    private readonly network: NetworkManagementClient,
    readonly ref: FirewallPolicyRef,
    private readonly retry: RetryOptions = defaultRetry,
    private readonly pollIntervalMs = 1000,
  ) {}

  async listGroups(namePrefix: string): Promise<CurrentRuleCollectionGroup[]> {
    return withRetries(`list rule collection groups of ${this.ref.name}`, async () => {
      const found: CurrentRuleCollectionGroup[] = [];
      for await (const g of this.network.firewallPolicyRuleCollectionGroups.list(this.ref.resourceGroup, this.ref.name)) {
        if (g.name?.startsWith(namePrefix)) found.push({ name: g.name, etag: g.etag, group: g });
      }
      return found;
    }, this.retry);
  }

  async getGroup(name: string): Promise<CurrentRuleCollectionGroup | undefined> {
    try {
      const g = await this.network.firewallPolicyRuleCollectionGroups.get(this.ref.resourceGroup, this.ref.name, name);
      return { name, etag: g.etag, group: g };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** One conditional PUT. A 412 (someone changed it) or busy 409/429 surfaces to the caller, who re-reads. */
  async putGroup(name: string, group: FirewallPolicyRuleCollectionGroup, etag: string | undefined): Promise<void> {
    const { priority, ruleCollections } = group;
    await this.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(
      this.ref.resourceGroup, this.ref.name, name, { priority, ruleCollections },
      { updateIntervalInMs: this.pollIntervalMs, requestOptions: etag ? { customHeaders: { 'If-Match': etag } } : undefined },
    );
  }

  async deleteGroup(name: string): Promise<void> {
    await withRetries(`delete rule collection group ${name}`,
      () => this.network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(this.ref.resourceGroup, this.ref.name, name, { updateIntervalInMs: this.pollIntervalMs }),
      this.retry);
  }
}
