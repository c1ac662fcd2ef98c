import type { KubernetesObject } from '@kubernetes/client-node';
import { appServices } from '../../lib/adapters/app-services';
import { isNotFound, PermanentError } from '../../lib/adapters/errors';
import type { ClusterClient } from '../../lib/adapters/kubernetes/cluster-client';
import { EGRESS_ANNOTATION_KEYS, renderTenantManifests, tenantObjectsInApplyOrder } from '../../lib/domain/calico-manifests';
import { createdNamespace, createdFor } from '../../lib/domain/lifecycle/created-namespaces';
import { steeringTenant } from '../../lib/domain/lifecycle/namespace-claims';
import { tenantNames } from '../../lib/domain/names';
import { mayTakeBackLateApply } from '../../lib/domain/lifecycle/admission';
import { rulesClosed } from '../../lib/adapters/status/firewall-intents';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import { clusterIfExists, requireCluster } from './tenant-cluster';
import { requireCurrentRun, requireTenant, SupersededError } from './tenant-record';

/** How many times (1 s apart) a late apply tries to take back what it made. */
const UNDO_ATTEMPTS = 30;

const removal = Object.fromEntries(EGRESS_ANNOTATION_KEYS.map((k) => [k, null])) as Record<string, null>;

/**
 * Applies the tenant's Namespace, IPPool, EgressGateway and EgressGatewayPolicy by server-side
 * apply (one field manager, so re-applying changes nothing twice), then points its application
 * namespaces at the gateway and un-points namespaces an update dropped. Only while its lifecycle
 * run holds the tenant: if a newer run took over meanwhile to offboard, what was just applied is
 * taken away again, so a late apply never outlives the offboarding that overtook it.
 */
registerActivity('applyTenantGateway', async (input: TenantRef & { run: number; removedNamespaces?: string[] }) => {
  const record = await requireCurrentRun(input, input.run);
  if (!record.cidr) throw new PermanentError(`tenant ${input.cluster}/${input.name} has no CIDR yet`);
  let manifests;
  try {
    manifests = renderTenantManifests({ spec: record.spec, cidr: record.cidr });
  } catch (error) {
    throw new PermanentError(`cannot render Calico resources: ${error instanceof Error ? error.message : String(error)}`);
  }
  const cluster = await requireCluster(await appServices(), input.cluster);
  // A namespace egresses through one gateway: never take one over from another tenant.
  const missing: string[] = [];
  for (const { namespace } of manifests.namespaceAnnotations) {
    const annotations = await cluster.namespaceAnnotations(namespace);
    if (annotations === undefined) {
      if (record.spec.createNamespaces !== true) throw new PermanentError(`application namespace ${namespace} does not exist on cluster ${input.cluster} (set createNamespaces to have it created)`);
      missing.push(namespace);
      continue;
    }
    const owner = steeringTenant(annotations);
    if (owner !== undefined && owner !== input.name) throw new PermanentError(`application namespace ${namespace} already egresses through tenant ${owner}`);
  }
  const objects = [...missing.map((ns) => createdNamespace(ns, input.name)), ...tenantObjectsInApplyOrder(manifests)];
  try {
    await cluster.apply(objects);
    // The other steering mode's keys go (null): a namespace switched to policy steering must not keep the selectors.
    for (const { namespace, annotations } of manifests.namespaceAnnotations) await cluster.annotateNamespace(namespace, { ...removal, ...annotations });
    for (const namespace of input.removedNamespaces ?? []) {
      if (!record.spec.namespaces.includes(namespace)) await releaseNamespace(cluster, namespace, input.name);
    }
  } catch (error) {
    // Even a half-done apply must not outlive an offboarding that overtook it.
    await undoIfOvertaken(cluster, input, record.spec.namespaces);
    throw error;
  }
  await undoIfOvertaken(cluster, input, record.spec.namespaces);
  return { objects: objects.length + manifests.namespaceAnnotations.length, createdNamespaces: missing };
});

/**
 * After an apply: if a newer run took the tenant meanwhile to offboard it, that offboarding may
 * already have removed everything, so what this (late) apply made is removed again. Throws
 * SupersededError whenever a newer run holds the tenant.
 */
async function undoIfOvertaken(cluster: ClusterClient, input: TenantRef & { run: number }, namespaces: readonly string[]): Promise<void> {
  const after = await requireTenant(input);
  if (after.lifecycleRun === input.run) return;
  // Only once the tenant's rules are closed in the policy: removing the pool first would leave a rule for
  // a CIDR without its pool. Until then the offboarding removes what this apply made (it closes first).
  if (mayTakeBackLateApply(after, after.lifecycleRun) && rulesClosed(await (await appServices()).intents.get(input.cluster, input.name))) {
    // No orchestrator retries this activity any more: wait out terminating gateway pods here (bounded).
    for (let attempt = 1; ; attempt++) {
      // Each attempt only while the offboarding that overtook us still holds the tenant: a newer lifecycle
      // (a POST after that offboarding ended) owns whatever of this name exists now, and must keep it.
      if (attempt > 1 && !mayTakeBackLateApply(await requireTenant(input), after.lifecycleRun)) break;
      try {
        await removeGateway(cluster, input, namespaces);
        break;
      } catch (error) {
        if (attempt >= UNDO_ATTEMPTS || error instanceof PermanentError) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
  throw new SupersededError(input, input.run, after.lifecycleRun);
}

/**
 * Removes the tenant's steering from a namespace (unless it is gone or steered by someone else),
 * and deletes the namespace if egress-pilot created it for this tenant and nothing runs in it.
 */
async function releaseNamespace(cluster: ClusterClient, namespace: string, tenant: string): Promise<void> {
  const annotations = await cluster.namespaceAnnotations(namespace);
  if (annotations === undefined) return;
  if (steeringTenant(annotations) === tenant) {
    try {
      await cluster.annotateNamespace(namespace, removal);
    } catch (error) {
      // A namespace that no longer exists carries no annotation to remove.
      if (!isNotFound(error)) throw error;
    }
  }
  if (createdFor(annotations) !== tenant) return;
  const pods = await cluster.listPods(namespace, '');
  if (pods.length === 0) await cluster.remove([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }]);
}


const header = (apiVersion: string, kind: string, name: string, namespace?: string): KubernetesObject => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

/** The gateway first (its pods give their /31s back), then policy, pool and namespace, then the steering. */
async function removeGateway(cluster: ClusterClient, tenant: TenantRef, namespaces: readonly string[]): Promise<void> {
  const names = tenantNames(tenant);
  await cluster.remove([header('operator.tigera.io/v1', 'EgressGateway', names.egressGateway, names.namespace)]);
  const pods = await cluster.listPods(names.namespace, `${names.gatewayLabel.key}=${names.gatewayLabel.value}`);
  // Calico refuses to drop a pool whose addresses are still in use: wait (via a retry) until the pods are gone.
  if (pods.length > 0) throw new Error(`${pods.length} gateway pods of ${tenant.name} still terminating`);
  await cluster.remove([
    header('projectcalico.org/v3', 'EgressGatewayPolicy', names.egressGatewayPolicy),
    header('projectcalico.org/v3', 'IPPool', names.ipPool),
    header('v1', 'Namespace', names.namespace),
  ]);
  // Every namespace still steered to this gateway, not only those the specs name now: an earlier attempt
  // (a failed onboarding whose rollback stopped, then a POST with other namespaces) may have left one.
  const steered = (await cluster.listObjects('v1', 'Namespace'))
    .filter((ns) => steeringTenant(ns.metadata?.annotations) === tenant.name)
    .map((ns) => ns.metadata?.name ?? '')
    .filter((name) => name !== '');
  for (const namespace of new Set([...namespaces, ...steered])) await releaseNamespace(cluster, namespace, tenant.name);
}

/**
 * Removes what applyTenantGateway made. Objects already gone count as removed, so a retry or a
 * replay is harmless; a cluster AKS no longer knows took everything with it.
 */
registerActivity('removeTenantGateway', async (input: TenantRef & { run: number; namespaces?: string[] }): Promise<{ clusterGone: boolean }> => {
  const record = await requireCurrentRun(input, input.run);
  const cluster = await clusterIfExists(await appServices(), input.cluster);
  if (!cluster) return { clusterGone: true };
  await removeGateway(cluster, input, [...new Set([...(input.namespaces ?? []), ...record.spec.namespaces])]);
  return { clusterGone: false };
});

