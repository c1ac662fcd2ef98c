import { tenantNames } from '../names';
import type { TenantSpec } from '../tenant-spec';

/**
 * An application namespace egresses through one gateway only (its annotations name one tenant),
 * so a spec may not claim a namespace another live tenant of the same cluster already steers.
 */
export function namespaceConflicts(
  spec: Pick<TenantSpec, 'name' | 'cluster' | 'namespaces'>,
  others: ReadonlyArray<Pick<TenantSpec, 'name' | 'cluster' | 'namespaces'>>,
): Array<{ field: string; reason: string }> {
  const owners = new Map<string, string>();
  for (const other of others) {
    if (other.cluster !== spec.cluster || other.name === spec.name) continue;
    for (const ns of other.namespaces) owners.set(ns, other.name);
  }
  return spec.namespaces.flatMap((ns, i) => {
    const owner = owners.get(ns);
    return owner ? [{ field: `namespaces[${i}]`, reason: `namespace ${ns} already egresses through tenant ${owner}` }] : [];
  });
}

/**
 * The tenant whose gateway a namespace's annotations point at, if any: the namespaceSelector annotation
 * (namespace steering) or the egressGatewayPolicy annotation (policy steering; the policy is named like the
 * gateway namespace).
 */
export function steeringTenant(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  const selector = annotations?.['egress.projectcalico.org/namespaceSelector'];
  const namespace = (selector ? /^projectcalico\.org\/name == '([^']+)'$/.exec(selector)?.[1] : undefined)
    ?? annotations?.['egress.projectcalico.org/egressGatewayPolicy'];
  return namespace?.endsWith(EGW_SUFFIX) ? namespace.slice(0, -EGW_SUFFIX.length) : undefined;
}

const EGW_SUFFIX = tenantNames({ cluster: '', name: '' }).namespace;
