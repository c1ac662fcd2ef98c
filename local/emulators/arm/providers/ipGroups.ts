import { z } from 'zod';
import { accepted, acceptedPut, checkPreconditions, type EmulatorContext, listPage, parseBody, requireResourceGroup, requireSubscription, subResources } from '../context';
import { anotherOperationInProgress, badRequest, conflict, limitExceeded, notFound, notImplemented, retryableAnotherOperation } from '../errors';
import { ids, TYPES } from '../ids';
import { bump } from '../knobs';
import type { Operation } from '../operations';
import type { ArmRequest, Route } from '../router';
import { ResourceStore, type StoredResource, toWire } from '../store';

/**
 * IP Groups. An IP Group referenced by a firewall policy's rules is part of that policy's
 * configuration: its update takes `firewallUpdateMs` and locks the referencing policies (Azure:
 * parallel IP Group updates fail with "Put on … Failed with … faulted referenced firewalls"), and a
 * policy being updated locks out writes to the IP Groups it references.
 */
const NS = 'Microsoft.Network';
const IP_GROUP = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/ipGroups/{ipGroupsName}';
const address = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3})(\/\d{1,2}|-\d{1,3}(\.\d{1,3}){3})?$/, 'must be an IPv4 address, CIDR or range a.b.c.d-e.f.g.h');
const ipGroupBody = z.looseObject({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({ ipAddresses: z.array(address).default([]) }).default({ ipAddresses: [] }),
});

/** Every IP Group id referenced (sourceIpGroups / destinationIpGroups) by a rule collection group's rules, lower-cased. */
export function referencedIpGroups(groupProperties: unknown): Set<string> {
  const refs = new Set<string>();
  const collections = (groupProperties as { ruleCollections?: { rules?: { sourceIpGroups?: string[]; destinationIpGroups?: string[] }[] }[] }).ruleCollections ?? [];
  for (const c of collections) for (const r of c.rules ?? []) for (const id of [...(r.sourceIpGroups ?? []), ...(r.destinationIpGroups ?? [])]) refs.add(id.toLowerCase());
  return refs;
}

const withState = (state: string) => (b: Record<string, unknown>): Record<string, unknown> =>
  ({ ...b, properties: { ...(b.properties as Record<string, unknown>), provisioningState: state } });

export class IpGroupsProvider {
  constructor(private readonly ctx: EmulatorContext) {}

  private id(rg: string, name: string): string {
    return ids.provider(this.ctx.subscriptionId, rg, `${NS}/ipGroups`, name);
  }

  putSeeded(rg: string, name: string, location: string, ipAddresses: string[]): void {
    this.ctx.store.put({ id: this.id(rg, name), name, type: TYPES.ipGroup, resourceGroup: rg, body: { location, properties: { ipAddresses, provisioningState: 'Succeeded' } } });
  }

  /** Policies whose rule collection groups reference the IP Group. */
  private referencingPolicies(ipGroupId: string): StoredResource[] {
    const key = ipGroupId.toLowerCase();
    return this.ctx.store.list({ type: TYPES.firewallPolicy }).filter((p) =>
      this.ctx.store.list({ type: TYPES.ruleCollectionGroup, parentId: p.id }).some((g) => referencedIpGroups(g.body.properties).has(key)));
  }

  private wire(group: StoredResource): Record<string, unknown> {
    const policies = this.referencingPolicies(group.id);
    const policyKeys = new Set(policies.map((p) => p.id.toLowerCase()));
    const firewalls = this.ctx.store.list({ type: TYPES.azureFirewall })
      .filter((f) => policyKeys.has(((f.body.properties as { firewallPolicy?: { id: string } }).firewallPolicy?.id ?? '').toLowerCase()));
    const wire = toWire(group);
    return { ...wire, properties: { ...(wire.properties as Record<string, unknown>), firewalls: subResources(firewalls), firewallPolicies: subResources(policies) } };
  }

  private requireGroup(req: ArmRequest): StoredResource {
    const rg = requireResourceGroup(this.ctx, req);
    const name = req.params.ipGroupsName ?? '';
    const group = this.ctx.store.get(this.id(rg, name));
    if (group === undefined) throw notFound(TYPES.ipGroup, name, rg);
    return group;
  }

  /** Refuse while the IP Group or a policy that uses it is being updated. */
  private admit(ipGroupId: string, policies: StoredResource[]): void {
    for (const key of [ipGroupId, ...policies.map((p) => p.id)]) {
      const holder = this.ctx.operations.lockHolder(key);
      if (holder === undefined) continue;
      for (const p of policies) bump(this.ctx.knobs.counters.policyBusyRejections, p.id);
      throw this.ctx.timings.busyPolicyResponse === 'retryable429'
        ? retryableAnotherOperation(ipGroupId, holder.id, this.ctx.timings.busyRetryAfterSeconds)
        : anotherOperationInProgress(ipGroupId, holder.id);
    }
  }

  private start(target: StoredResource, policies: StoredResource[], req: ArmRequest, kind: 'put' | 'delete'): Operation {
    const fault = this.ctx.knobs.takeFault(req.operation, ['lroFailure']);
    for (const p of policies) this.ctx.store.update(p.id, withState('Updating'));
    const finish = (state: 'Succeeded' | 'Failed'): void => {
      if (kind === 'delete' && state === 'Succeeded') this.ctx.store.delete(target.id);
      else this.ctx.store.update(target.id, withState(state));
      for (const p of policies) this.ctx.store.update(p.id, withState(state));
    };
    return this.ctx.operations.start({
      resourceId: target.id,
      durationMs: policies.length > 0 ? this.ctx.timings.firewallUpdateMs : this.ctx.timings.networkProvisionMs,
      doneStatus: kind === 'delete' ? 204 : 200,
      startedBy: req.operation,
      locks: [ResourceStore.key(target.id), ...policies.map((p) => ResourceStore.key(p.id))],
      complete: () => { finish('Succeeded'); },
      ...(fault ? { failWith: badRequest('IpGroupsUpdateFailed', `Put on IP Group ${target.name} Failed with 1 faulted referenced firewalls (emulator fault injection).`), onFail: () => { finish('Failed'); } } : {}),
    });
  }

  routes(): Route[] {
    const r = (method: Route['method'], pattern: string, operation: string, handler: Route['handler']): Route =>
      ({ method, pattern, operation, handler, api: 'network', resourceType: 'ipGroups' });
    return [
      r('GET', '/subscriptions/{subscriptionId}/providers/Microsoft.Network/ipGroups', 'ipGroups.list', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.ipGroup }).map((g) => this.wire(g)));
      }),
      r('GET', '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/ipGroups', 'ipGroups.listByResourceGroup', (req) =>
        listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.ipGroup, resourceGroup: requireResourceGroup(this.ctx, req) }).map((g) => this.wire(g)))),
      r('GET', IP_GROUP, 'ipGroups.get', (req) => ({ status: 200, body: this.wire(this.requireGroup(req)) })),
      r('PUT', IP_GROUP, 'ipGroups.createOrUpdate', (req) => {
        const rg = requireResourceGroup(this.ctx, req);
        const name = req.params.ipGroupsName ?? '';
        const id = this.id(rg, name);
        checkPreconditions(req, this.ctx.store.get(id));
        const policies = this.referencingPolicies(id);
        this.admit(id, policies);
        const input = parseBody(ipGroupBody, req.body);
        if (input.properties.ipAddresses.length > this.ctx.limits.ipAddressesPerIpGroup) {
          throw limitExceeded('IpGroupIpAddressesLimitExceeded', `properties.ipAddresses: ${input.properties.ipAddresses.length} entries; an IP Group holds at most ${this.ctx.limits.ipAddressesPerIpGroup} addresses or prefixes.`);
        }
        const { resource, created } = this.ctx.store.put({
          id, name, type: TYPES.ipGroup, resourceGroup: rg,
          body: { location: input.location, ...(input.tags ? { tags: input.tags } : {}), properties: { ...input.properties, provisioningState: 'Updating' } },
        });
        const op = this.start(resource, policies, req, 'put');
        return acceptedPut(this.ctx, req, NS, op, created, this.wire(resource));
      }),
      r('DELETE', IP_GROUP, 'ipGroups.delete', (req) => {
        const group = this.requireGroup(req);
        checkPreconditions(req, group);
        const policies = this.referencingPolicies(group.id);
        if (policies.length > 0) {
          throw conflict('IpGroupInUse', `IP Group ${group.name} cannot be deleted: firewall policies ${policies.map((p) => p.name).join(', ')} reference it.`);
        }
        this.admit(group.id, []);
        const op = this.start(group, [], req, 'delete');
        this.ctx.store.update(group.id, withState('Deleting'));
        return accepted(this.ctx, req, NS, op, true);
      }),
      r('PATCH', IP_GROUP, 'ipGroups.updateGroups', (req) => {
        throw notImplemented(req.method, req.path, 'updateGroups (tags) is not emulated; PUT the whole IP Group instead');
      }),
    ];
  }
}
