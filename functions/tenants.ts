import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { appServices, type AppServices } from '../lib/adapters/app-services';
import { admitCreate, admitDelete, admitUpdate, admitVerify, namespacesEitherSpecSteers, planUpdate, SETTLED_PHASES, type Admission, type TenantState } from '../lib/domain/lifecycle/admission';
import { lifecycleInstanceId } from '../lib/domain/lifecycle/progress';
import { namespaceConflicts } from '../lib/domain/lifecycle/namespace-claims';
import { specFingerprint } from '../lib/domain/spec-fingerprint';
import type { TenantSpec } from '../lib/domain/tenant-spec';
import { ConcurrencyError, everyItem, retryOnConcurrency, type TenantRecord } from '../lib/adapters/registry';
import { describeFailure, isNotFound } from '../lib/adapters/errors';
import { instanceStatus, isRunning } from './durable-instances';
import { lifecycleInput, startLifecycle } from './lifecycle-start';
import { problem } from './http-problems';
import { listQuery, queryObject, readSpec } from './tenant-requests';
import { tenantKey } from './request-guards';
import { formatFieldPath } from '../lib/domain/tenant-spec';
import { liveProgressSchema, tenantView, type LiveProgress } from './tenant-view';

async function stateOf(client: DurableClient, record: TenantRecord<TenantSpec> | undefined): Promise<TenantState | undefined> {
  if (!record) return undefined;
  const instanceId = lifecycleInstanceId(record.key.cluster, record.key.name);
  return {
    phase: record.phase, fingerprint: record.specFingerprint, prefixLength: record.spec.gateway.prefixLength,
    lifecycleRunning: await isRunning(client, instanceId), serving: record.servingSpec !== undefined,
  };
}

function accepted(request: HttpRequest, cluster: string, name: string, phase: string, status: 202 | 200 = 202): HttpResponseInit {
  const location = `/api/tenants/${encodeURIComponent(cluster)}/${encodeURIComponent(name)}`;
  const statusUrl = new URL(location, request.url).toString();
  return { status, headers: { Location: location, 'Retry-After': '5' }, jsonBody: { id: `${cluster}/${name}`, phase, statusUrl } };
}

function rejected(a: Extract<Admission, { kind: 'reject' }>): HttpResponseInit {
  return problem(a.status, a.code, a.reason, undefined, a.retryAfterSeconds ? { 'Retry-After': String(a.retryAfterSeconds) } : undefined);
}

/** Namespaces the spec claims that another live tenant of the cluster already steers (409, fields named). */
async function namespaceProblems(services: AppServices, spec: TenantSpec): Promise<HttpResponseInit | undefined> {
  if (spec.namespaces.length === 0) return undefined;
  const others = (await everyItem((page) => services.registry.tenants.listByCluster(spec.cluster, page)))
    .filter((r) => r.phase !== 'Deleted').map((r) => r.spec);
  const conflicts = namespaceConflicts(spec, others);
  return conflicts.length > 0 ? problem(409, 'NamespaceTaken', conflicts.map((c) => c.reason).join('; '), conflicts) : undefined;
}

/**
 * Application namespaces the spec names that do not exist on its cluster: refused (422, each
 * `namespaces[i]` named) before anything is allocated, unless the spec asks for them to be created.
 */
async function missingNamespaces(services: AppServices, spec: TenantSpec): Promise<HttpResponseInit | undefined> {
  if (spec.namespaces.length === 0 || spec.createNamespaces === true) return undefined;
  let cluster;
  try {
    cluster = await services.cluster(spec.cluster);
  } catch (error) {
    if (isNotFound(error)) return problem(422, 'ClusterNotFound', `no AKS cluster ${spec.cluster} in the configured resource group`, [{ field: 'cluster', reason: `AKS cluster ${spec.cluster} does not exist` }]);
    return problem(503, 'ClusterUnreachable', `cluster ${spec.cluster} cannot be read to check the application namespaces: ${error instanceof Error ? error.message : String(error)}`, undefined, { 'Retry-After': '30' });
  }
  const missing: Array<{ field: string; reason: string }> = [];
  for (const [i, namespace] of spec.namespaces.entries()) {
    if ((await cluster.namespaceAnnotations(namespace)) === undefined) missing.push({ field: `namespaces[${i}]`, reason: `namespace ${namespace} does not exist on cluster ${spec.cluster} (create it first, or set createNamespaces: true)` });
  }
  return missing.length > 0 ? problem(422, 'NamespaceNotFound', missing.map((m) => m.reason).join('; '), missing) : undefined;
}

async function createTenant(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const services = await appServices();
  const parsed = await readSpec(request, services.config);
  if (!parsed.ok) return parsed.response;
  const spec = parsed.value;
  const key = { cluster: spec.cluster, name: spec.name };
  const fingerprint = specFingerprint(spec);
  const client = df.getClient(context);
  return retryOnConcurrency(async () => {
    let record = await services.registry.tenants.get(key);
    let admission = admitCreate(await stateOf(client, record), { fingerprint });
    if (admission.kind === 'reject') return rejected(admission);
    if (admission.kind === 'start') {
      const problems = (await namespaceProblems(services, spec)) ?? (await missingNamespaces(services, spec));
      if (problems) return problems;
      if (!record) {
        const created = await services.registry.tenants.createIfAbsent(key, { spec, specFingerprint: fingerprint, phase: 'Pending' });
        record = created.record;
        if (!created.created) {
          // Someone else created it first: decide again against what they stored.
          admission = admitCreate(await stateOf(client, record), { fingerprint });
          if (admission.kind === 'reject') return rejected(admission);
        }
      } else {
        record = await services.registry.tenants.update(record, { spec: { value: spec, fingerprint }, phase: 'Pending', lastError: null });
      }
    }
    if (!record) throw new ConcurrencyError(`tenant ${key.cluster}/${key.name} vanished while being created`);
    // Also start when the record says Pending but no lifecycle exists (a previous request died in between).
    const needsStart = admission.kind === 'start' || (record.phase === 'Pending' && !(await isRunning(client, lifecycleInstanceId(key.cluster, key.name))));
    if (needsStart) await startLifecycle(client, lifecycleInput(services, key, 'onboard'), false);
    context.info(`tenant ${key.cluster}/${key.name}: ${admission.kind === 'start' ? 'onboarding started' : admission.reason}`);
    return accepted(request, key.cluster, key.name, record.phase);
  });
}

async function updateTenant(request: HttpRequest, context: InvocationContext, key: { cluster: string; name: string }): Promise<HttpResponseInit> {
  const services = await appServices();
  const parsed = await readSpec(request, services.config);
  if (!parsed.ok) return parsed.response;
  const spec = parsed.value;
  if (spec.cluster !== key.cluster || spec.name !== key.name) {
    return problem(400, 'IdentityMismatch', `the body names ${spec.cluster}/${spec.name} but the URL names ${key.cluster}/${key.name}`, [{ field: spec.cluster !== key.cluster ? 'cluster' : 'name', reason: 'must match the URL' }]);
  }
  const fingerprint = specFingerprint(spec);
  const client = df.getClient(context);
  return retryOnConcurrency(async () => {
    const record = await services.registry.tenants.get(key);
    // What to change is judged against what serves, not against a spec a failed attempt left stored.
    const { changes, removedNamespaces } = record ? planUpdate(record.servingSpec ?? record.spec, spec) : { changes: { gateway: false, firewall: false }, removedNamespaces: [] };
    const admission = admitUpdate(await stateOf(client, record), { fingerprint, prefixLength: spec.gateway.prefixLength, changes });
    if (admission.kind === 'reject') return rejected(admission);
    if (admission.kind === 'start') {
      const problems = (await namespaceProblems(services, spec)) ?? (await missingNamespaces(services, spec));
      if (problems) return problems;
    }
    if (admission.kind === 'existing' || !record) return accepted(request, key.cluster, key.name, record?.phase ?? 'Pending', 200);
    const operation = admission.operation;
    const updated = await services.registry.tenants.update(record, { spec: { value: spec, fingerprint }, phase: operation === 'update' ? 'Updating' : 'Pending', lastError: null });
    await startLifecycle(client, { ...lifecycleInput(services, key, operation, operation === 'update' ? changes : undefined), removedNamespaces }, false);
    context.info(`tenant ${key.cluster}/${key.name}: ${operation} started (${JSON.stringify(changes)})`);
    return accepted(request, key.cluster, key.name, updated.phase);
  });
}

async function deleteTenant(request: HttpRequest, context: InvocationContext, key: { cluster: string; name: string }): Promise<HttpResponseInit> {
  const services = await appServices();
  const client = df.getClient(context);
  return retryOnConcurrency(async () => {
    const record = await services.registry.tenants.get(key);
    const admission = admitDelete(await stateOf(client, record));
    if (admission.kind === 'reject') return rejected(admission);
    if (admission.kind === 'existing' || !record) return accepted(request, key.cluster, key.name, record?.phase ?? 'Deleted', admission.status === 200 ? 200 : 202);
    const updated = await services.registry.tenants.update(record, { phase: 'Deleting' });
    await startLifecycle(client, { ...lifecycleInput(services, key, 'offboard'), removedNamespaces: namespacesEitherSpecSteers(record) }, admission.terminateRunning ?? false);
    context.info(`tenant ${key.cluster}/${key.name}: offboarding started`);
    return accepted(request, key.cluster, key.name, updated.phase);
  });
}

/**
 * POST .../verify: prove the egress of a Ready or Degraded tenant again, as an update that changes nothing
 * (only verifyEgress runs; it ends Ready or Degraded). Needs EGRESS_VERIFY on.
 */
async function verifyTenant(request: HttpRequest, context: InvocationContext, key: { cluster: string; name: string }): Promise<HttpResponseInit> {
  const services = await appServices();
  if (!services.config.egressProbe.enabled) return problem(409, 'EgressVerificationOff', 'egress verification is turned off (EGRESS_VERIFY=false)');
  const client = df.getClient(context);
  return retryOnConcurrency(async () => {
    const record = await services.registry.tenants.get(key);
    const admission = admitVerify(await stateOf(client, record));
    if (admission.kind === 'reject') return rejected(admission);
    if (admission.kind === 'existing' || !record) return accepted(request, key.cluster, key.name, record?.phase ?? 'Deleted', 200);
    const updated = await services.registry.tenants.update(record, { phase: 'Updating', lastError: null });
    await startLifecycle(client, lifecycleInput(services, key, 'update', { gateway: false, firewall: false }), false);
    context.info(`tenant ${key.cluster}/${key.name}: egress verification started`);
    return accepted(request, key.cluster, key.name, updated.phase);
  });
}

/** A lifecycle under way: its custom status, which is fresher than the progress store while a step waits. */
async function liveProgress(client: DurableClient, record: TenantRecord<TenantSpec>): Promise<LiveProgress | undefined> {
  if ((SETTLED_PHASES as readonly string[]).includes(record.phase)) return undefined;
  const status = await instanceStatus(client, lifecycleInstanceId(record.key.cluster, record.key.name));
  if (String(status?.runtimeStatus) !== 'Running') return undefined;
  const live = liveProgressSchema.safeParse(status?.customStatus);
  return live.success ? live.data : undefined;
}

/** GET of one tenant, as the keyed route and the console's signed-in route (functions/console-api.ts) answer it. */
export async function getTenant(client: DurableClient, key: { cluster: string; name: string }): Promise<HttpResponseInit> {
  const services = await appServices();
  const record = await services.registry.tenants.get(key);
  if (!record) return problem(404, 'TenantNotFound', `no tenant ${key.name} on cluster ${key.cluster}`);
  const [progress, live] = await Promise.all([services.progress.get(key.cluster, key.name), liveProgress(client, record)]);
  return { status: 200, jsonBody: tenantView(record, progress, live) };
}

/** GET of the tenant list (query: cluster, limit, continuationToken), for the keyed route and the console's signed-in route. */
export async function listTenants(request: HttpRequest): Promise<HttpResponseInit> {
  const services = await appServices();
  const query = listQuery.safeParse(queryObject(request));
  if (!query.success) {
    const details = query.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: k, reason: 'unknown query parameter' })) : [{ field: formatFieldPath(i.path), reason: i.message }]));
    return problem(400, 'InvalidQuery', `bad query parameters: ${details.map((d) => `${d.field} ${d.reason}`).join('; ')}`, details);
  }
  const { cluster, limit, continuationToken } = query.data;
  let page;
  try {
    page = cluster
      ? await services.registry.tenants.listByCluster(cluster, { pageSize: limit, continuationToken })
      : await services.registry.tenants.listAll({ pageSize: limit, continuationToken });
  } catch (error) {
    // Table storage refuses a token it did not issue with 400: that is the caller's token, not our fault.
    if (continuationToken && describeFailure(error).status === 400) return problem(400, 'InvalidQuery', 'bad query parameters: continuationToken is not a continuation token this API issued', [{ field: 'continuationToken', reason: 'is not a continuation token this API issued' }]);
    throw error;
  }
  const items = await Promise.all(page.items.map(async (r) => tenantView(r, await services.progress.get(r.key.cluster, r.key.name))));
  return { status: 200, jsonBody: { items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) } };
}


app.http('tenants', {
  route: 'tenants', methods: ['POST', 'GET'], authLevel: 'function', extraInputs: [df.input.durableClient()],
  handler: (request, context) => (request.method === 'POST' ? createTenant(request, context) : listTenants(request)),
});

app.http('tenant', {
  route: 'tenants/{cluster}/{name}', methods: ['GET', 'PUT', 'DELETE'], authLevel: 'function', extraInputs: [df.input.durableClient()],
  handler: (request, context) => {
    const key = tenantKey(request);
    if (!key.ok) return key.response;
    if (request.method === 'PUT') return updateTenant(request, context, key.value);
    if (request.method === 'DELETE') return deleteTenant(request, context, key.value);
    return getTenant(df.getClient(context), key.value);
  },
});

app.http('tenantVerify', {
  route: 'tenants/{cluster}/{name}/verify', methods: ['POST'], authLevel: 'function', extraInputs: [df.input.durableClient()],
  handler: (request, context) => {
    const key = tenantKey(request);
    return key.ok ? verifyTenant(request, context, key.value) : key.response;
  },
});
