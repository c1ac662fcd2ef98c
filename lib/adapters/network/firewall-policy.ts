import type { FirewallPolicyRuleCollectionGroup, NetworkManagementClient } from '@azure/arm-network';
import { describeFailure, isNotFound, RetriesExhausted } from '../errors';
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
 * does), are conditional on the ETag the caller planned from, and wait for the long-running update to finish.
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

  /**
   * One group PUT, conditional on the state the caller planned from: `If-Match` the ETag it read, or
   * `If-None-Match: *` for a group it believes absent. Busy 409/429 and dropped connections are retried
   * with the same precondition; 412 (the group changed since it was read: someone else wrote it, or our
   * own earlier attempt landed) comes back as 'changed', so the caller re-plans from a fresh read.
   * 'gave-up' when waiting for the long-running write exceeded `signal` (the write may still finish);
   * 'busy' when the policy stayed busy or throttled past the retry layer's bound.
   */
  async putGroup(name: string, group: FirewallPolicyRuleCollectionGroup, planned: GroupPrecondition, signal?: AbortSignal): Promise<WriteResult> {
    const { priority, ruleCollections } = group;
    return this.conditionalWrite(`write rule collection group ${name}`, signal, async () => {
      const poller = await this.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate(
        this.ref.resourceGroup, this.ref.name, name, { priority, ruleCollections },
        { updateIntervalInMs: this.pollIntervalMs, requestOptions: { customHeaders: preconditionHeaders(planned) }, abortSignal: signal },
      );
      await poller.pollUntilDone({ abortSignal: signal });
    });
  }

  /** One group DELETE, `If-Match` the ETag planned from (see putGroup); a group already gone counts as deleted. */
  async deleteGroup(name: string, plannedEtag: string | undefined, signal?: AbortSignal): Promise<WriteResult> {
    return this.conditionalWrite(`delete rule collection group ${name}`, signal, async () => {
      try {
        const poller = await this.network.firewallPolicyRuleCollectionGroups.beginDelete(this.ref.resourceGroup, this.ref.name, name, {
          updateIntervalInMs: this.pollIntervalMs, abortSignal: signal,
          ...(plannedEtag ? { requestOptions: { customHeaders: { 'If-Match': plannedEtag } } } : {}),
        });
        await poller.pollUntilDone({ abortSignal: signal });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  private async conditionalWrite(label: string, signal: AbortSignal | undefined, write: () => Promise<void>): Promise<WriteResult> {
    try {
      return await this.tryWrite(label, signal, write);
    } catch (error) {
      // Still busy (another write holds the policy) or throttled after the retry layer's bound: not this
      // tenant's fault, so not a failed step; the caller ends the round and the next one tries again.
      if (error instanceof RetriesExhausted) return 'busy';
      throw error;
    }
  }

  private tryWrite(label: string, signal: AbortSignal | undefined, write: () => Promise<void>): Promise<WriteResult> {
    return withRetries(label, async (): Promise<WriteResult> => {
      if (signal?.aborted) return 'gave-up';
      try {
        await write();
        return 'written';
      } catch (error) {
        if (signal?.aborted) return 'gave-up';
        if (describeFailure(error).status === 412) return 'changed';
        throw error;
      }
    }, this.retry);
  }
}

/** What a conditional write is conditional on: the ETag read when the round was planned, or absence. */
export type GroupPrecondition = { ifMatch: string } | { ifNoneMatch: '*' };
export type WriteResult = 'written' | 'changed' | 'gave-up' | 'busy';

/** The precondition for writing a group we read with `etag` (undefined: we saw no such group). */
export const plannedFrom = (etag: string | undefined): GroupPrecondition => (etag ? { ifMatch: etag } : { ifNoneMatch: '*' });

function preconditionHeaders(planned: GroupPrecondition): Record<string, string> {
  return 'ifMatch' in planned ? { 'If-Match': planned.ifMatch } : { 'If-None-Match': planned.ifNoneMatch };
}
