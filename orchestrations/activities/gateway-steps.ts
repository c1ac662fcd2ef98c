import { appServices } from '../../lib/adapters/app-services';
import { isNotFound, PermanentError } from '../../lib/adapters/errors';
import { EGRESS_ANNOTATION_KEYS, renderTenantManifests, tenantObjectsInApplyOrder } from '../../lib/domain/calico-manifests';
import { tenantNames } from '../../lib/domain/names';
import { steeringTenant } from '../../lib/domain/lifecycle/namespace-claims';
import type { ClusterClient } from '../../lib/adapters/kubernetes/cluster-client';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import { requireTenant } from './registry-steps';

const removal = Object.fromEntries(EGRESS_ANNOTATION_KEYS.map((k) => [k, null])) as Record<string, null>;

/**
 * Applies the tenant's Namespace, IPPool, EgressGateway and EgressGatewayPolicy by server-side
 * apply (one field manager, so re-applying changes nothing twice), then points its application
 * namespaces at the gateway and un-points namespaces an update dropped.
 */
registerActivity('applyTenantGateway', async (input: TenantRef & { removedNamespaces?: string[] }) => {
  const record = await requireTenant(input);
  if (!record.cidr) throw new PermanentError(`tenant ${input.cluster}/${input.name} has no CIDR yet`);
  let manifests;
  try {
    manifests = renderTenantManifests({ spec: record.spec, cidr: record.cidr });
  } catch (error) {
    throw new PermanentError(`cannot render Calico resources: ${error instanceof Error ? error.message : String(error)}`);
  }
  const cluster = await (await appServices()).cluster(input.cluster);
  // A namespace egresses through one gateway: never take one over from another tenant.
  for (const { namespace } of manifests.namespaceAnnotations) {
    const annotations = await cluster.namespaceAnnotations(namespace);
    if (annotations === undefined) throw new PermanentError(`application namespace ${namespace} does not exist on cluster ${input.cluster}`);
    const owner = steeringTenant(annotations);
    if (owner !== undefined && owner !== input.name) throw new PermanentError(`application namespace ${namespace} already egresses through tenant ${owner}`);
  }
  const objects = tenantObjectsInApplyOrder(manifests);
  await cluster.apply(objects);
  for (const { namespace, annotations } of manifests.namespaceAnnotations) await cluster.annotateNamespace(namespace, annotations);
  for (const namespace of input.removedNamespaces ?? []) {
    if (!record.spec.namespaces.includes(namespace)) await unAnnotate(cluster, namespace, input.name);
  }
  return { objects: objects.length + manifests.namespaceAnnotations.length };
});

/** Removes the tenant's steering from a namespace, unless the namespace is gone or steered by someone else. */
async function unAnnotate(cluster: ClusterClient, namespace: string, tenant: string): Promise<void> {
  const annotations = await cluster.namespaceAnnotations(namespace);
  if (annotations === undefined || steeringTenant(annotations) !== tenant) return;
  try {
    await cluster.annotateNamespace(namespace, removal);
  } catch (error) {
    // A namespace that no longer exists carries no annotation to remove.
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Removes what applyTenantGateway made: the gateway first (its pods give their /31s back), then
 * the policy, pool and namespace, and the annotations on application namespaces. Objects already
 * gone count as removed, so a retry or a replay is harmless.
 */
registerActivity('removeTenantGateway', async (input: TenantRef & { namespaces?: string[] }) => {
  const record = await requireTenant(input);
  const names = tenantNames(input);
  const cluster = await (await appServices()).cluster(input.cluster);
  const header = (apiVersion: string, kind: string, name: string, namespace?: string) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
  await cluster.remove([header('operator.tigera.io/v1', 'EgressGateway', names.egressGateway, names.namespace)]);
  const pods = await cluster.listPods(names.namespace, `${names.gatewayLabel.key}=${names.gatewayLabel.value}`);
  // Calico refuses to drop a pool whose addresses are still in use: wait (via a retry) until the pods are gone.
  if (pods.length > 0) throw new Error(`${pods.length} gateway pods of ${input.name} still terminating`);
  await cluster.remove([
    header('projectcalico.org/v3', 'EgressGatewayPolicy', names.egressGatewayPolicy),
    header('projectcalico.org/v3', 'IPPool', names.ipPool),
    header('v1', 'Namespace', names.namespace),
  ]);
  for (const namespace of input.namespaces ?? record.spec.namespaces) await unAnnotate(cluster, namespace, input.name);
});
