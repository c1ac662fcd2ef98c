import type { z } from 'zod';
import type { CertificateAuthority } from '../shared/tls';
import type { ArmLimits, ArmTimings } from './config';
import { invalidRequest, preconditionFailed, resourceGroupNotFound, subscriptionNotFound } from './errors';
import { ids, TYPES } from './ids';
import type { Knobs } from './knobs';
import type { Operation, Operations } from './operations';
import type { ArmRequest, ArmResponse } from './router';
import type { ResourceStore, StoredResource } from './store';
import type { BgpService } from './providers/bgpService';

/** Everything the providers share: the store, the clock, the knobs, the configuration. */
export interface EmulatorContext {
  subscriptionId: string;
  tenantId: string;
  location: string;
  store: ResourceStore;
  operations: Operations;
  knobs: Knobs;
  timings: ArmTimings;
  limits: ArmLimits;
  now: () => number;
  ca: CertificateAuthority;
  bgp: BgpService;
}

export function requireSubscription(ctx: EmulatorContext, subscriptionId: string): void {
  if (subscriptionId.toLowerCase() !== ctx.subscriptionId.toLowerCase()) throw subscriptionNotFound(subscriptionId);
}

/** Checks the subscription and the resource group of the path; returns the group's canonical name. */
export function requireResourceGroup(ctx: EmulatorContext, req: ArmRequest): string {
  const sub = req.params.subscriptionId ?? '';
  const rg = req.params.resourceGroupName ?? '';
  requireSubscription(ctx, sub);
  const group = ctx.store.get(ids.resourceGroup(ctx.subscriptionId, rg));
  if (group === undefined || group.type !== TYPES.resourceGroup) throw resourceGroupNotFound(rg);
  return group.name;
}

/** If-Match / If-None-Match against the current etag (412 PreconditionFailed on mismatch). */
export function checkPreconditions(req: ArmRequest, current: StoredResource | undefined): void {
  const ifMatch = req.headers['if-match'];
  if (typeof ifMatch === 'string' && ifMatch.length > 0) {
    const ok = ifMatch === '*' ? current !== undefined : current !== undefined && ifMatch.split(',').map((s) => s.trim()).includes(current.etag);
    if (!ok) throw preconditionFailed('If-Match', ifMatch, current?.etag);
  }
  const ifNoneMatch = req.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && ifNoneMatch.length > 0 && current !== undefined) {
    if (ifNoneMatch === '*' || ifNoneMatch.split(',').map((s) => s.trim()).includes(current.etag)) {
      throw preconditionFailed('If-None-Match', ifNoneMatch, current.etag);
    }
  }
}

/** Parse a JSON body with a schema; the 400 names the first failing field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(issue && issue.path.length > 0 ? issue.path.join('.') : '(body)', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

function operationUrls(ctx: EmulatorContext, req: ArmRequest, namespace: string, op: Operation): { asyncOperation: string; location: string } {
  const base = `${req.baseUrl}/subscriptions/${ctx.subscriptionId}/providers/${namespace}/locations/${ctx.location}`;
  const q = `?api-version=${encodeURIComponent(req.apiVersion)}`;
  return { asyncOperation: `${base}/operations/${op.id}${q}`, location: `${base}/operationResults/${op.id}${q}` };
}

export function retryAfterHeader(ctx: EmulatorContext): Record<string, string> {
  return ctx.timings.lroRetryAfterSeconds > 0 ? { 'retry-after': String(ctx.timings.lroRetryAfterSeconds) } : {};
}

/** A PUT that continues in the background: 201 (created) or 200, body, Azure-AsyncOperation. */
export function acceptedPut(ctx: EmulatorContext, req: ArmRequest, namespace: string, op: Operation, created: boolean, body: unknown): ArmResponse {
  const urls = operationUrls(ctx, req, namespace, op);
  return { status: created ? 201 : 200, body, headers: { 'azure-asyncoperation': urls.asyncOperation, ...retryAfterHeader(ctx) } };
}

/** A DELETE or POST action that continues in the background: 202 + Location (+ Azure-AsyncOperation for deletes). */
export function accepted(ctx: EmulatorContext, req: ArmRequest, namespace: string, op: Operation, withAsyncHeader: boolean): ArmResponse {
  const urls = operationUrls(ctx, req, namespace, op);
  return {
    status: 202,
    headers: { location: urls.location, ...(withAsyncHeader ? { 'azure-asyncoperation': urls.asyncOperation } : {}), ...retryAfterHeader(ctx) },
  };
}

/** The child resources' `[{ id }]` list a parent shows (ruleCollectionGroups, bgpConnections...). */
export const subResources = (items: StoredResource[]): { id: string }[] => items.map((i) => ({ id: i.id }));

/**
 * A list response: everything in one page, or pages of `limits.listPageSize` with an ARM `nextLink`
 * (`$skipToken`), so clients' paging code runs against the emulator too.
 */
export function listPage(ctx: EmulatorContext, req: ArmRequest, items: unknown[]): ArmResponse {
  const size = ctx.limits.listPageSize;
  if (size <= 0) return { status: 200, body: { value: items } };
  const skip = Number.parseInt(req.query.get('$skipToken') ?? '0', 10);
  if (!Number.isInteger(skip) || skip < 0) throw invalidRequest('$skipToken', 'must be a non-negative integer issued in a nextLink');
  const value = items.slice(skip, skip + size);
  if (skip + size >= items.length) return { status: 200, body: { value } };
  const next = new URLSearchParams({ 'api-version': req.apiVersion, $skipToken: String(skip + size) });
  return { status: 200, body: { value, nextLink: `${req.baseUrl}${req.path}?${next.toString()}` } };
}
