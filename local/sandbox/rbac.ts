/**
 * The rights the sandbox enforces: exactly what infra/ grants the app's identity, placed in the emulated
 * world. infra/ writes its assignments against Terraform variables (`var.route_server_id`,
 * `var.cluster_ids`, `var.app_principal_id`, ...); here each variable is bound to what the ARM seed holds,
 * as infra/main.tf binds them to the real resources. A variable nothing binds fails the start, naming it.
 * The sandbox's own tooling (the kubeconfigs in sandbox.json) uses a separate admin identity, as AKS's
 * cluster-admin group would: it is allowed everything in the clusters and nothing more in ARM.
 */
import { ArmAuthorization, parseSeed, type ArmGrant, type ArmSeed } from '../emulators/arm';
import { KubeAuthorization, type KubeGrant } from '../emulators/kube';
import { bindReference, loadInfraRbac, type InfraRbac } from '../emulators/shared/infra-rbac';

/** The sandbox tooling's identity in the clusters (`kubectl --kubeconfig .sandbox/kubeconfig-<cluster>.yaml`). */
export const SANDBOX_ADMIN = {
  principalId: '5a4db0c5-0000-4000-8000-00000000ad01',
  clientId: '5a4db0c5-0000-4000-8000-00000000ad02',
} as const;

export interface SandboxRbac {
  arm: ArmAuthorization;
  kube: KubeAuthorization;
  /** Where every grant came from, for the README and tests. */
  summary: { armGrants: ArmGrant[]; kubeGrants: KubeGrant[]; admins: string[] };
}

/** What each infra/ variable is in the emulated world (infra/main.tf's module arguments, for the seed). */
export function worldBindings(seed: ArmSeed): Record<string, string[]> {
  const rg = (name: string): string => `/subscriptions/${seed.subscriptionId}/resourceGroups/${name}`;
  const ids = (type: string, pick: (g: ArmSeed['resourceGroups'][number]) => Array<{ name: string }>): string[] =>
    seed.resourceGroups.flatMap((g) => pick(g).map((r) => `${rg(g.name)}/providers/${type}/${r.name}`));
  const groupsWith = (pick: (g: ArmSeed['resourceGroups'][number]) => unknown[]): string[] => seed.resourceGroups.filter((g) => pick(g).length > 0).map((g) => rg(g.name));
  const app = [seed.identity.principalId];
  return {
    principal_id: app,
    app_principal_id: app,
    route_server_id: ids('Microsoft.Network/virtualHubs', (g) => g.routeServers),
    firewall_policy_id: ids('Microsoft.Network/firewallPolicies', (g) => g.firewallPolicies),
    cluster_ids: ids('Microsoft.ContainerService/managedClusters', (g) => g.managedClusters),
    aks_subnet_ids: seed.resourceGroups.flatMap((g) => g.managedClusters.map((c) => c.vnetSubnetId).filter((s): s is string => s !== undefined)),
    hub_resource_group_id: groupsWith((g) => [...g.routeServers, ...g.firewallPolicies]),
    aks_resource_group_id: groupsWith((g) => g.managedClusters),
  };
}

/** ARM grants: each custom role assignment of infra/, at every scope its variable binds to. */
export function armGrants(infra: InfraRbac, bindings: Record<string, string[]>): ArmGrant[] {
  return infra.armAssignments.flatMap((a) => {
    const where = `${a.module}: ${a.key}`;
    const role = infra.armRoles.find((r) => r.module === a.module && r.key === a.role);
    if (role === undefined) throw new Error(`${where}: assigns ${a.role}, which ${a.module} does not define`);
    const principals = bindReference(a.principal, bindings, where);
    const scopes = bindReference(a.scope, bindings, where);
    return principals.flatMap((principalId) => scopes.map((scope) => ({ principalId, scope, role: role.name.replace(/^\$\{var\.role_name_prefix\}\s*/, ''), actions: role.actions, notActions: role.notActions })));
  });
}

/** Kubernetes grants: each binding's role rules for each User subject (ServiceAccounts as `system:serviceaccount:<ns>:<name>`). */
export function kubeGrants(infra: InfraRbac, bindings: Record<string, string[]>): KubeGrant[] {
  return infra.kubeBindings.flatMap((b) => {
    const where = `${b.module}: ${b.key}`;
    const role = infra.kubeRoles.find((r) => r.module === b.module && r.name === b.roleRef.name && (b.roleRef.kind === 'ClusterRole') === (r.namespace === undefined));
    if (role === undefined) throw new Error(`${where}: binds ${b.roleRef.kind} ${b.roleRef.name}, which ${b.module} does not define`);
    const users = b.subjects.flatMap((s) => {
      if (s.kind === 'ServiceAccount') return [`system:serviceaccount:${s.namespace ?? b.namespace ?? 'default'}:${s.name}`];
      if (s.kind === 'User') return bindReference(s.name, bindings, where);
      return []; // Groups: tokens here carry no group claims.
    });
    return users.map((user) => ({ user, ...(b.namespace !== undefined ? { namespace: b.namespace } : {}), rules: role.rules, from: `${b.roleRef.kind} ${role.name} (${b.module})` }));
  });
}

/** Reads infra/ and builds both emulators' authorizations for this seed. */
export async function sandboxRbac(seedInput: unknown, infraDir?: string): Promise<SandboxRbac> {
  const seed = parseSeed(seedInput);
  const infra = await loadInfraRbac(infraDir);
  const bindings = worldBindings(seed);
  const arm = armGrants(infra, bindings);
  const kube = kubeGrants(infra, bindings);
  const admins = [SANDBOX_ADMIN.principalId];
  return { arm: new ArmAuthorization(arm), kube: new KubeAuthorization({ grants: kube, admins }), summary: { armGrants: arm, kubeGrants: kube, admins } };
}
