import { z } from 'zod';
import { accepted, acceptedPut, checkPreconditions, type EmulatorContext, parseBody, requireResourceGroup, requireSubscription, subResources, listPage } from '../context';
import { anotherOperationInProgress, ArmError, badRequest, deleteNotAllowedWhileUpdating, limitExceeded, notFound, notImplemented, retryableAnotherOperation } from '../errors';
import { ids, TYPES } from '../ids';
import { bump } from '../knobs';
import type { ArmRequest, ArmResponse, Route } from '../router';
import { ResourceStore, type StoredResource, toWire } from '../store';
import { formatSize, networkRulePairs, propertiesBytes, validateRuleCollectionGroup } from './firewallRules';
import { referencedIpGroups } from './ipGroups';

/**
 * Firewall Policy and its rule collection groups, plus read-only Azure Firewalls. A write to a
 * policy or any of its groups is long-running (`Updating` for `firewallUpdateMs`) and locks the
 * policy: Azure does not support parallel updates, so a second write while one runs is refused
 * (409 AnotherOperationInProgress, or 429 RetryableErrorDueToAnotherOperation: a knob).
 */
const NS = 'Microsoft.Network';
const POLICY = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/firewallPolicies/{firewallPolicyName}`;
const GROUP = `${POLICY}/ruleCollectionGroups/{ruleCollectionGroupName}`;
const FIREWALL = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/azureFirewalls/{azureFirewallName}`;

const policyBody = z.looseObject({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({
    sku: z.object({ tier: z.enum(['Basic', 'Standard', 'Premium']) }).optional(),
    basePolicy: z.object({ id: z.string() }).optional(),
  }).default({}),
});
const groupBody = z.looseObject({ name: z.string().optional(), properties: z.unknown() });

/** Rules in a rule collection group's (or policy's) properties: 0 when it holds no rule collections. */
function ruleCount(properties: unknown): number {
  const collections = (properties as { ruleCollections?: Array<{ rules?: unknown[] }> } | undefined)?.ruleCollections ?? [];
  return collections.reduce((sum, c) => sum + (Array.isArray(c.rules) ? c.rules.length : 0), 0);
}

const withState = (state: string) => (b: Record<string, unknown>): Record<string, unknown> =>
  ({ ...b, properties: { ...(b.properties as Record<string, unknown>), provisioningState: state } });

export class FirewallProvider {
  constructor(private readonly ctx: EmulatorContext) {}

  policyId(rg: string, name: string): string {
    return ids.provider(this.ctx.subscriptionId, rg, `${NS}/firewallPolicies`, name);
  }

  private requirePolicy(req: ArmRequest): { rg: string; policy: StoredResource } {
    const rg = requireResourceGroup(this.ctx, req);
    const name = req.params.firewallPolicyName ?? '';
    const policy = this.ctx.store.get(this.policyId(rg, name));
    if (policy === undefined) throw notFound(TYPES.firewallPolicy, name, rg);
    return { rg, policy };
  }

  putPolicy(rg: string, name: string, input: z.infer<typeof policyBody>, provisioningState: string): { resource: StoredResource; created: boolean } {
    return this.ctx.store.put({
      id: this.policyId(rg, name), name, type: TYPES.firewallPolicy, resourceGroup: rg,
      body: {
        location: input.location,
        ...(input.tags ? { tags: input.tags } : {}),
        properties: { threatIntelMode: 'Alert', ...input.properties, sku: input.properties.sku ?? { tier: 'Standard' }, provisioningState },
      },
    });
  }

  putGroup(policy: StoredResource, name: string, properties: Record<string, unknown>, provisioningState: string): { resource: StoredResource; created: boolean } {
    const { provisioningState: _ignored, size: _size, ...rest } = properties;
    return this.ctx.store.put({
      id: `${policy.id}/ruleCollectionGroups/${name}`, name, type: TYPES.ruleCollectionGroup, resourceGroup: policy.resourceGroup,
      parentKey: ResourceStore.key(policy.id),
      body: { properties: { ...rest, size: formatSize(propertiesBytes(rest)), provisioningState } },
    });
  }

  putFirewall(rg: string, name: string, location: string, fw: { firewallPolicy?: string; privateIpAddress: string; subnetId?: string; skuTier: string }): void {
    const id = ids.provider(this.ctx.subscriptionId, rg, `${NS}/azureFirewalls`, name);
    this.ctx.store.put({
      id, name, type: TYPES.azureFirewall, resourceGroup: rg,
      body: {
        location, zones: [],
        properties: {
          provisioningState: 'Succeeded',
          sku: { name: 'AZFW_VNet', tier: fw.skuTier },
          threatIntelMode: 'Alert',
          ...(fw.firewallPolicy ? { firewallPolicy: { id: this.policyId(rg, fw.firewallPolicy) } } : {}),
          ipConfigurations: [{
            name: 'azureFirewallIpConfiguration',
            id: `${id}/azureFirewallIpConfigurations/azureFirewallIpConfiguration`,
            properties: { provisioningState: 'Succeeded', privateIPAddress: fw.privateIpAddress, ...(fw.subnetId ? { subnet: { id: fw.subnetId } } : {}) },
          }],
          hubIPAddresses: { privateIPAddress: fw.privateIpAddress },
          applicationRuleCollections: [], natRuleCollections: [], networkRuleCollections: [],
          ipGroups: [], additionalProperties: {}, autoscaleConfiguration: { minCapacity: 2 },
        },
      },
    });
  }

  private policyWire(policy: StoredResource): Record<string, unknown> {
    const wire = toWire(policy);
    const groups = this.ctx.store.list({ type: TYPES.ruleCollectionGroup, parentId: policy.id });
    const firewalls = this.ctx.store.list({ type: TYPES.azureFirewall })
      .filter((f) => ((f.body.properties as { firewallPolicy?: { id: string } }).firewallPolicy?.id ?? '').toLowerCase() === policy.id.toLowerCase());
    const bytes = groups.reduce((sum, g) => sum + propertiesBytes(g.body.properties), 0);
    return {
      ...wire,
      properties: { ...(wire.properties as Record<string, unknown>), size: formatSize(bytes), ruleCollectionGroups: subResources(groups), firewalls: subResources(firewalls), childPolicies: [] },
    };
  }

  /** Refuse a write while another one on the same policy runs; count accepted writes per policy. */
  private admitWrite(policy: StoredResource): void {
    const holder = this.ctx.operations.lockHolder(policy.id);
    if (holder !== undefined) {
      bump(this.ctx.knobs.counters.policyBusyRejections, policy.id);
      throw this.ctx.timings.busyPolicyResponse === 'retryable429'
        ? retryableAnotherOperation(policy.id, holder.id, this.ctx.timings.busyRetryAfterSeconds)
        : anotherOperationInProgress(policy.id, holder.id);
    }
  }

  /** The timed update: resource (and policy) `Updating` → `Succeeded` (or `Failed` with an injected fault). */
  private update(policy: StoredResource, target: StoredResource, req: ArmRequest, kind: 'put' | 'delete'): import('../operations').Operation {
    bump(this.ctx.knobs.counters.policyWrites, policy.id);
    // Azure: 3-5 min, more for a bigger group: a base plus a cost per rule of the group written.
    const rules = ruleCount(target.body.properties);
    const durationMs = Math.round(this.ctx.timings.firewallUpdateMs + this.ctx.timings.firewallUpdatePerRuleMs * rules);
    this.ctx.knobs.counters.policyWriteLog.push({ policy: policy.id, operation: req.operation, at: this.ctx.now(), durationMs, rules });
    const fault = this.ctx.knobs.takeFault(req.operation, ['lroFailure']);
    const targetIsPolicy = target.id === policy.id;
    if (!targetIsPolicy) this.ctx.store.update(policy.id, withState('Updating'));
    const finish = (state: 'Succeeded' | 'Failed'): void => {
      if (kind === 'delete' && state === 'Succeeded') this.ctx.store.delete(target.id);
      else this.ctx.store.update(target.id, withState(state));
      if (!targetIsPolicy || kind !== 'delete') this.ctx.store.update(policy.id, withState(state === 'Failed' ? 'Failed' : 'Succeeded'));
    };
    return this.ctx.operations.start({
      resourceId: target.id, durationMs, doneStatus: kind === 'delete' ? 204 : 200, startedBy: req.operation,
      locks: [ResourceStore.key(policy.id)],
      complete: () => { finish('Succeeded'); },
      ...(fault ? { failWith: new ArmError(400, 'FirewallPolicyUpdateFailed', `Put on Firewall Policy ${policy.name} Failed with 1 faulted referenced firewalls (emulator fault injection).`), onFail: () => { finish('Failed'); } } : {}),
    });
  }

  private putGroupHandler(req: ArmRequest): ArmResponse {
    const { policy } = this.requirePolicy(req);
    const name = req.params.ruleCollectionGroupName ?? '';
    const existing = this.ctx.store.get(`${policy.id}/ruleCollectionGroups/${name}`);
    checkPreconditions(req, existing);
    this.admitWrite(policy);
    const input = parseBody(groupBody, req.body);
    const props = validateRuleCollectionGroup(input.properties, this.ctx.limits);
    const siblings = this.ctx.store.list({ type: TYPES.ruleCollectionGroup, parentId: policy.id }).filter((g) => g.name.toLowerCase() !== name.toLowerCase());
    if (siblings.length + 1 > this.ctx.limits.ruleCollectionGroupsPerPolicy) {
      throw limitExceeded('FirewallPolicyRuleCollectionGroupLimitExceeded', `Firewall policy ${policy.name} already has ${siblings.length} rule collection groups; the limit is ${this.ctx.limits.ruleCollectionGroupsPerPolicy}.`);
    }
    const samePriority = siblings.find((g) => (g.body.properties as { priority?: number }).priority === props.priority);
    if (samePriority !== undefined) {
      throw badRequest('FirewallPolicyRuleCollectionGroupPriorityNotUnique', `properties.priority: ${props.priority} is already used by rule collection group ${samePriority.name} of policy ${policy.name}; group priorities must be unique within a policy.`);
    }
    const pairs = siblings.reduce((sum, g) => sum + networkRulePairs(g.body.properties as { ruleCollections?: unknown }), 0) + networkRulePairs(props);
    if (pairs > this.ctx.limits.networkRuleSourceDestinationPairs) {
      throw limitExceeded('FirewallPolicyNetworkRuleLimitExceeded', `Firewall policy ${policy.name} would have ${pairs} unique source/destination combinations in network rules; the limit is ${this.ctx.limits.networkRuleSourceDestinationPairs}.`);
    }
    for (const ipGroupId of referencedIpGroups(props)) {
      const holder = this.ctx.operations.lockHolder(ipGroupId);
      if (holder === undefined) continue;
      bump(this.ctx.knobs.counters.policyBusyRejections, policy.id);
      throw this.ctx.timings.busyPolicyResponse === 'retryable429'
        ? retryableAnotherOperation(policy.id, holder.id, this.ctx.timings.busyRetryAfterSeconds)
        : anotherOperationInProgress(policy.id, holder.id);
    }
    const { resource, created } = this.putGroup(policy, name, props, 'Updating');
    const op = this.update(policy, resource, req, 'put');
    return acceptedPut(this.ctx, req, NS, op, created, toWire(resource));
  }

  routes(): Route[] {
    const r = (method: Route['method'], pattern: string, operation: string, handler: Route['handler'], resourceType = 'firewallPolicies'): Route =>
      ({ method, pattern, operation, handler, api: 'network', resourceType });
    const listPolicies = (req: ArmRequest, rg?: string): ArmResponse =>
      listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.firewallPolicy, ...(rg ? { resourceGroup: rg } : {}) }).map((p) => this.policyWire(p)));
    const listFirewalls = (req: ArmRequest, rg?: string): ArmResponse =>
      listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.azureFirewall, ...(rg ? { resourceGroup: rg } : {}) }).map((f) => toWire(f)));
    return [
      r('GET', `/subscriptions/{subscriptionId}/providers/Microsoft.Network/firewallPolicies`, 'firewallPolicies.listAll', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        return listPolicies(req);
      }),
      r('GET', `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/firewallPolicies`, 'firewallPolicies.list', (req) => listPolicies(req, requireResourceGroup(this.ctx, req))),
      r('GET', POLICY, 'firewallPolicies.get', (req) => ({ status: 200, body: this.policyWire(this.requirePolicy(req).policy) })),
      r('PUT', POLICY, 'firewallPolicies.createOrUpdate', (req) => {
        const rg = requireResourceGroup(this.ctx, req);
        const name = req.params.firewallPolicyName ?? '';
        const existing = this.ctx.store.get(this.policyId(rg, name));
        checkPreconditions(req, existing);
        if (existing !== undefined) this.admitWrite(existing);
        const input = parseBody(policyBody, req.body);
        const { resource, created } = this.putPolicy(rg, name, input, 'Updating');
        const op = this.update(resource, resource, req, 'put');
        return acceptedPut(this.ctx, req, NS, op, created, this.policyWire(resource));
      }),
      r('DELETE', POLICY, 'firewallPolicies.delete', (req) => {
        const { policy } = this.requirePolicy(req);
        checkPreconditions(req, policy);
        this.admitWrite(policy);
        const op = this.update(policy, policy, req, 'delete');
        this.ctx.store.update(policy.id, withState('Deleting'));
        return accepted(this.ctx, req, NS, op, true);
      }),
      r('PATCH', POLICY, 'firewallPolicies.updateTags', (req) => {
        throw notImplemented(req.method, req.path, 'updateTags is not emulated; PUT the whole policy instead');
      }),

      r('GET', `${POLICY}/ruleCollectionGroups`, 'firewallPolicyRuleCollectionGroups.list', (req) => {
        const { policy } = this.requirePolicy(req);
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.ruleCollectionGroup, parentId: policy.id }).map((g) => toWire(g)));
      }, 'firewallPolicies/ruleCollectionGroups'),
      r('GET', GROUP, 'firewallPolicyRuleCollectionGroups.get', (req) => {
        const { policy, rg } = this.requirePolicy(req);
        const name = req.params.ruleCollectionGroupName ?? '';
        const group = this.ctx.store.get(`${policy.id}/ruleCollectionGroups/${name}`);
        if (group === undefined) throw notFound(`${TYPES.firewallPolicy}/${policy.name}/ruleCollectionGroups`, name, rg);
        return { status: 200, body: toWire(group) };
      }, 'firewallPolicies/ruleCollectionGroups'),
      r('PUT', GROUP, 'firewallPolicyRuleCollectionGroups.createOrUpdate', (req) => this.putGroupHandler(req), 'firewallPolicies/ruleCollectionGroups'),
      r('DELETE', GROUP, 'firewallPolicyRuleCollectionGroups.delete', (req) => {
        const { policy, rg } = this.requirePolicy(req);
        const name = req.params.ruleCollectionGroupName ?? '';
        const group = this.ctx.store.get(`${policy.id}/ruleCollectionGroups/${name}`);
        if (group === undefined) throw notFound(`${TYPES.firewallPolicy}/${policy.name}/ruleCollectionGroups`, name, rg);
        checkPreconditions(req, group);
        const state = (group.body.properties as { provisioningState?: string }).provisioningState;
        const holder = this.ctx.operations.lockHolder(policy.id);
        if (holder !== undefined && (state === 'Updating' || state === 'Deleting')) {
          bump(this.ctx.knobs.counters.policyBusyRejections, policy.id);
          throw deleteNotAllowedWhileUpdating(group.id, holder.id);
        }
        this.admitWrite(policy);
        const op = this.update(policy, group, req, 'delete');
        this.ctx.store.update(group.id, withState('Deleting'));
        return accepted(this.ctx, req, NS, op, false);
      }, 'firewallPolicies/ruleCollectionGroups'),

      r('GET', `/subscriptions/{subscriptionId}/providers/Microsoft.Network/azureFirewalls`, 'azureFirewalls.listAll', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        return listFirewalls(req);
      }, 'azureFirewalls'),
      r('GET', `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/azureFirewalls`, 'azureFirewalls.list', (req) => listFirewalls(req, requireResourceGroup(this.ctx, req)), 'azureFirewalls'),
      r('GET', FIREWALL, 'azureFirewalls.get', (req) => {
        const rg = requireResourceGroup(this.ctx, req);
        const name = req.params.azureFirewallName ?? '';
        const fw = this.ctx.store.get(ids.provider(this.ctx.subscriptionId, rg, `${NS}/azureFirewalls`, name));
        if (fw === undefined) throw notFound(TYPES.azureFirewall, name, rg);
        return { status: 200, body: toWire(fw) };
      }, 'azureFirewalls'),
    ];
  }
}
