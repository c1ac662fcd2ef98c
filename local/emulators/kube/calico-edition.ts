/**
 * Which Calico a cluster runs. The reference CRDs are Calico Enterprise's; an `open-source` cluster
 * serves what the open-source Tigera operator does instead: no EgressGateway, no EgressGatewayPolicy,
 * and a FelixConfiguration without the egress IP fields (Enterprise-only, reference/crds/SOURCES.md).
 * Both editions serve TigeraStatus and seed `apiserver` and `calico` Available, as `kubectl get
 * tigerastatus` shows in the walkthrough's step 1.
 */
import { isObject, type JsonObject } from './json';
import { ResourceRegistry, type ResourceType } from './resources';

export type CalicoEdition = 'enterprise' | 'open-source';

const ENTERPRISE_ONLY_KINDS = new Set(['operator.tigera.io/v1|EgressGateway', 'projectcalico.org/v3|EgressGatewayPolicy']);

/**
 * operator.tigera.io/v1 TigeraStatus: cluster-scoped, status subresource, `status.conditions[]` of
 * type Available / Progressing / Degraded (what the operator writes; a schema of our own, not a copy).
 */
export const TIGERA_STATUS_RESOURCE: ResourceType = {
  group: 'operator.tigera.io', version: 'v1', kind: 'TigeraStatus', listKind: 'TigeraStatusList', plural: 'tigerastatuses', singular: 'tigerastatus',
  shortNames: [], categories: [], namespaced: false, statusSubresource: true, builtin: false,
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' },
      spec: { type: 'object' },
      status: {
        type: 'object',
        properties: {
          conditions: {
            type: 'array',
            items: {
              type: 'object', required: ['type', 'status'],
              properties: {
                type: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' },
                lastTransitionTime: { type: 'string', format: 'date-time' }, observedGeneration: { type: 'integer', format: 'int64' },
              },
            },
          },
        },
      },
    },
  },
  printerColumns: ['Available', 'Progressing', 'Degraded'].map((type) => ({ name: type, type: 'string', jsonPath: `.status.conditions[?(@.type=='${type}')].status` })),
};

/** The kinds every cluster serves: built-in, the CRD directory's, and TigeraStatus unless the directory has it. */
export function withTigeraStatus(resources: readonly ResourceType[]): ResourceType[] {
  return resources.some((r) => r.group === 'operator.tigera.io' && r.kind === 'TigeraStatus') ? [...resources] : [...resources, TIGERA_STATUS_RESOURCE];
}

function withoutEgressFelixFields(r: ResourceType): ResourceType {
  const spec = isObject(r.schema?.properties) && isObject(r.schema.properties.spec) ? r.schema.properties.spec : undefined;
  if (!r.schema || !spec || !isObject(spec.properties)) return r;
  const kept = Object.fromEntries(Object.entries(spec.properties).filter(([name]) => !/^egress(IP|Gateway)/.test(name)));
  return { ...r, schema: { ...r.schema, properties: { ...(r.schema.properties as JsonObject), spec: { ...spec, properties: kept } } } };
}

const cache = new WeakMap<ResourceRegistry, ResourceRegistry>();

/** What a cluster of this edition serves, from the full (Enterprise) registry. */
export function servedByEdition(registry: ResourceRegistry, edition: CalicoEdition): ResourceRegistry {
  if (edition === 'enterprise') return registry;
  let served = cache.get(registry);
  if (!served) {
    served = new ResourceRegistry(registry.all
      .filter((r) => !ENTERPRISE_ONLY_KINDS.has(`${r.group}/${r.version}|${r.kind}`))
      .map((r) => (r.group === 'projectcalico.org' && r.kind === 'FelixConfiguration' ? withoutEgressFelixFields(r) : r)));
    cache.set(registry, served);
  }
  return served;
}

/** The TigeraStatus objects the operator writes once Calico and its API server run. */
export function tigeraStatusSeed(now: Date): JsonObject[] {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return ['apiserver', 'calico'].map((name) => ({
    apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: { name },
    status: {
      conditions: [
        { type: 'Available', status: 'True', reason: 'AllObjectsAvailable', message: 'All objects are available', lastTransitionTime: at, observedGeneration: 1 },
        { type: 'Progressing', status: 'False', reason: 'AllObjectsAvailable', message: 'All objects are available', lastTransitionTime: at, observedGeneration: 1 },
        { type: 'Degraded', status: 'False', reason: 'AllObjectsAvailable', message: 'All objects are available', lastTransitionTime: at, observedGeneration: 1 },
      ],
    },
  }));
}
