import { z } from 'zod';
import { retryAfterHeader, type EmulatorContext, parseBody, requireSubscription, listPage } from '../context';
import { operationNotFound, resourceGroupNotFound } from '../errors';
import { ids, TYPES } from '../ids';
import type { ArmRequest, ArmResponse, Route } from '../router';
import { toWire } from '../store';

/** Resource groups (as far as the other resources need them) and the long-running operation URLs. */
const RG = '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}';
const groupBody = z.looseObject({ location: z.string().min(1, 'location is required'), tags: z.record(z.string(), z.string()).optional() });

export class ResourcesProvider {
  constructor(private readonly ctx: EmulatorContext) {}

  putGroup(name: string, location: string, tags?: Record<string, string>): boolean {
    return this.ctx.store.put({
      id: ids.resourceGroup(this.ctx.subscriptionId, name), name, type: TYPES.resourceGroup, resourceGroup: name,
      body: { location, ...(tags ? { tags } : {}), properties: { provisioningState: 'Succeeded' } },
    }).created;
  }

  private groupWire(req: ArmRequest): Record<string, unknown> {
    requireSubscription(this.ctx, req.params.subscriptionId ?? '');
    const group = this.ctx.store.get(ids.resourceGroup(this.ctx.subscriptionId, req.params.resourceGroupName ?? ''));
    if (group === undefined) throw resourceGroupNotFound(req.params.resourceGroupName ?? '');
    const { etag: _etag, ...wire } = toWire(group);
    return wire;
  }

  private operationStatus(req: ArmRequest): ArmResponse {
    requireSubscription(this.ctx, req.params.subscriptionId ?? '');
    const op = this.ctx.operations.get(req.params.operationId ?? '');
    if (op === undefined) throw operationNotFound(req.params.operationId ?? '');
    return {
      status: 200,
      body: { id: req.path, name: op.id, status: op.status, ...(op.error ? { error: op.error } : {}) },
      headers: op.status === 'InProgress' ? retryAfterHeader(this.ctx) : {},
    };
  }

  private operationResult(req: ArmRequest): ArmResponse {
    requireSubscription(this.ctx, req.params.subscriptionId ?? '');
    const op = this.ctx.operations.get(req.params.operationId ?? '');
    if (op === undefined) throw operationNotFound(req.params.operationId ?? '');
    if (op.status === 'InProgress') {
      const self = `${req.baseUrl}${req.path}?api-version=${encodeURIComponent(req.apiVersion)}`;
      return { status: 202, headers: { location: self, ...retryAfterHeader(this.ctx) } };
    }
    if (op.status === 'Failed') {
      return { status: 400, body: { error: op.error ?? { code: 'OperationFailed', message: 'The operation failed.' } } };
    }
    return op.doneStatus === 204 ? { status: 204 } : { status: 200, body: op.result ?? {} };
  }

  routes(): Route[] {
    const r = (method: Route['method'], pattern: string, operation: string, handler: Route['handler'], api: Route['api'] = 'resources'): Route =>
      ({ method, pattern, operation, handler, api, resourceType: 'resourceGroups' });
    return [
      r('GET', '/subscriptions/{subscriptionId}/resourcegroups', 'resourceGroups.list', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.resourceGroup }).map((g) => { const { etag: _e, ...w } = toWire(g); return w; }));
      }),
      r('GET', RG, 'resourceGroups.get', (req) => ({ status: 200, body: this.groupWire(req) })),
      r('HEAD', RG, 'resourceGroups.checkExistence', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        const exists = this.ctx.store.get(ids.resourceGroup(this.ctx.subscriptionId, req.params.resourceGroupName ?? '')) !== undefined;
        return { status: exists ? 204 : 404 };
      }),
      r('PUT', RG, 'resourceGroups.createOrUpdate', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        const input = parseBody(groupBody, req.body);
        const created = this.putGroup(req.params.resourceGroupName ?? '', input.location, input.tags);
        return { status: created ? 201 : 200, body: this.groupWire(req) };
      }),
      // Long-running operation URLs handed out in Azure-AsyncOperation / Location headers.
      ...(['Microsoft.Network', 'Microsoft.ContainerService'] as const).flatMap((ns) => {
        const api = ns === 'Microsoft.Network' ? 'network' as const : 'containerService' as const;
        return [
          r('GET', `/subscriptions/{subscriptionId}/providers/${ns}/locations/{location}/operations/{operationId}`, 'operations.status', (req) => this.operationStatus(req), api),
          r('GET', `/subscriptions/{subscriptionId}/providers/${ns}/locations/{location}/operationResults/{operationId}`, 'operations.result', (req) => this.operationResult(req), api),
        ];
      }),
    ];
  }
}
