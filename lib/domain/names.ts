/**
 * Every name egress-pilot derives, in one place, so the manifests, firewall rules, registry and drift
 * check agree and the length limits below can be proven in one test (test/unit/domain/names.test.ts).
 *
 * Limits that bound the tenant name (computed, not guessed):
 * - Kubernetes: the namespace `<tenant>-egw` is a DNS-1123 label (≤ 63), and `<tenant>-egw` is also the
 *   gateway pod label value (≤ 63). The longest Kubernetes-bound suffix is "-pool" (IPPool), but IPPool names are
 *   DNS-1123 subdomains (≤ 253), so the binding one is "-egw": tenant ≤ 63 − 4 = 59 → MAX_TENANT_NAME_LENGTH.
 * - Azure: rule collection names `tenant-<cluster>.<tenant>-app|-net` must fit Azure's 80-character name limit
 *   (the limit of rule collection groups, assumed for collections: UNVERIFIED). AKS cluster names reach 63, so the
 *   pair is limited together: cluster + tenant ≤ 80 − len("tenant-" + "." + "-app") = 68 → MAX_CLUSTER_PLUS_TENANT.
 * The "." separator is unambiguous: neither AKS cluster names nor DNS-1123 labels may contain a dot, so
 * (cluster "a-b", tenant "c") and (cluster "a", tenant "b-c") never collide.
 */

export const KUBE_LABEL_MAX = 63;
export const AZURE_RULE_COLLECTION_NAME_MAX = 80;
export const MAX_TENANT_NAME_LENGTH = KUBE_LABEL_MAX - '-egw'.length;
export const MAX_CLUSTER_PLUS_TENANT = AZURE_RULE_COLLECTION_NAME_MAX - 'tenant-'.length - '.'.length - '-app'.length;
/** AKS: 1–63 chars, alphanumerics, hyphens and underscores, starting and ending alphanumeric. */
export const AKS_CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
/** DNS-1123 label (namespaces, tenant names). */
export const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** A tenant is identified by its cluster and its name (names are unique per cluster only). */
export interface TenantRef {
  cluster: string;
  name: string;
}

/** Names of one tenant's Kubernetes objects and firewall collections. */
export interface TenantNames {
  /** Namespace holding the gateway pods; also the EgressGateway's namespace. */
  namespace: string;
  ipPool: string;
  egressGateway: string;
  /** Cluster-scoped EgressGatewayPolicy sending the tenant's workloads through its gateway. */
  egressGatewayPolicy: string;
  /** Label put on the gateway pods (and selected by the policy and the namespace annotations). */
  gatewayLabel: { key: string; value: string };
  firewallApplicationCollection: string;
  firewallNetworkCollection: string;
}

export const GATEWAY_LABEL_KEY = 'tenant';

export function tenantNames({ cluster, name }: TenantRef): TenantNames {
  return {
    namespace: `${name}-egw`,
    ipPool: `${name}-pool`,
    egressGateway: `${name}-egw`,
    egressGatewayPolicy: `${name}-egw`,
    gatewayLabel: { key: GATEWAY_LABEL_KEY, value: `${name}-egw` },
    firewallApplicationCollection: `tenant-${cluster}.${name}-app`,
    firewallNetworkCollection: `tenant-${cluster}.${name}-net`,
  };
}

/** Inverse of the firewall collection names: which tenant (and rule kind) a collection belongs to. */
export function parseFirewallCollectionName(name: string): (TenantRef & { kind: 'app' | 'net' }) | undefined {
  const match = /^tenant-([A-Za-z0-9_-]+)\.([a-z0-9-]+)-(app|net)$/.exec(name);
  if (!match) return undefined;
  const [, cluster = '', tenant = '', kind] = match;
  if (!AKS_CLUSTER_NAME.test(cluster) || !DNS1123_LABEL.test(tenant)) return undefined;
  return { cluster, name: tenant, kind: kind === 'app' ? 'app' : 'net' };
}

/** A stable string key for a tenant (registry, maps, packing): `<cluster>/<name>`. "/" occurs in neither part. */
export const tenantKey = ({ cluster, name }: TenantRef): string => `${cluster}/${name}`;

/** Inverse of tenantKey. */
export function parseTenantKey(key: string): TenantRef {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) throw new Error(`"${key}" is not a tenant key (<cluster>/<name>)`);
  return { cluster: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Cluster-wide Calico objects egress-pilot owns or patches (names from the reference walkthrough). */
export const clusterObjectNames = {
  bgpConfiguration: 'default',
  felixConfiguration: 'default',
  defaultIpPool: 'default-ipv4-ippool',
  routeReflectorPeer: 'peer-with-route-reflectors',
  routeServerPeers: ['azure-route-server-a', 'azure-route-server-b'] as const,
  exportFilter: 'export-egress-ips',
  routeReflectorLabel: { key: 'route-reflector', value: 'true' },
} as const;

/** Firewall rule collection groups egress-pilot owns: `egress-pilot-<slot>` (slot 0-based). */
export const RULE_COLLECTION_GROUP_PREFIX = 'egress-pilot-';
export const ruleCollectionGroupName = (slot: number): string => `${RULE_COLLECTION_GROUP_PREFIX}${slot}`;
/** Inverse of ruleCollectionGroupName; undefined for groups egress-pilot does not own. */
export function ruleCollectionGroupSlot(name: string): number | undefined {
  const match = /^egress-pilot-(0|[1-9]\d*)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Route Server BGP connection for one route-reflector node: `<cluster>-rr-<ip with dashes>`.
 * Azure allows 80 characters; a longer cluster name is cut and a short stable hash keeps it unique.
 */
export function routeServerConnectionName(cluster: string, nodeIp: string): string {
  const suffix = `-rr-${nodeIp.replace(/\./g, '-')}`;
  const full = `${cluster}${suffix}`;
  if (full.length <= AZURE_RULE_COLLECTION_NAME_MAX) return full;
  const hash = fnv1a(cluster).toString(36).padStart(7, '0').slice(0, 7);
  return `${cluster.slice(0, AZURE_RULE_COLLECTION_NAME_MAX - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** FNV-1a 32-bit: a tiny, stable, dependency-free string hash (not for security). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
