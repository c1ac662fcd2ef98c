/**
 * Every Azure Resource Manager action egress-pilot's adapters perform, with the SDK call that needs it.
 * infra/modules/app-access grants exactly these actions through its custom roles (test/infra checks
 * both directions), so adding an SDK call that needs a new action means adding it here, then to the
 * role. Data-plane rights (storage tables/queues/blobs, Event Grid publishing, Kubernetes) are built-in
 * roles or Kubernetes RBAC, not listed here.
 */

/** One ARM action and the SDK method that triggers it. */
export interface ArmPermission {
  /** Exact ARM operation, as written in a role definition. */
  action: string;
  /** `<Client>.<operationGroup>.<method>` of the Azure SDK call that needs the action. */
  calledBy: string;
  /** Where the action string was confirmed. */
  source: string;
}

const NETWORKING = 'learn.microsoft.com/azure/role-based-access-control/permissions/networking (MicrosoftDocs/azure-docs, 2024-02-07)';
const CONTAINERS = 'learn.microsoft.com/azure/role-based-access-control/permissions/containers';

export const armPermissions: ReadonlyArray<ArmPermission> = [
  {
    action: 'Microsoft.Network/virtualHubs/read',
    calledBy: 'NetworkManagementClient.virtualHubs.get',
    source: NETWORKING,
  },
  {
    action: 'Microsoft.Network/virtualHubs/bgpConnections/read',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnections.list',
    source: NETWORKING,
  },
  {
    action: 'Microsoft.Network/virtualHubs/bgpConnections/write',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnection.beginCreateOrUpdateAndWait',
    source: NETWORKING,
  },
  {
    // Stale route-reflector connections after a node pool roll (cluster bootstrap).
    action: 'Microsoft.Network/virtualHubs/bgpConnections/delete',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnection.beginDeleteAndWait',
    source: NETWORKING,
  },
  {
    // The AKS node subnet's prefix: its gateway is the route reflectors' next hop to Route Server.
    action: 'Microsoft.Network/virtualNetworks/subnets/read',
    calledBy: 'NetworkManagementClient.subnets.get',
    source: NETWORKING,
  },
  {
    // The POST .../bgpConnections/{conn}/learnedRoutes ("Gets virtualrouter learned routes").
    action: 'Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnections.beginListLearnedRoutesAndWait',
    source: NETWORKING,
  },
  {
    action: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
    calledBy: 'NetworkManagementClient.firewallPolicyRuleCollectionGroups.list',
    source: NETWORKING,
  },
  {
    action: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/write',
    calledBy: 'NetworkManagementClient.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate',
    source: NETWORKING,
  },
  {
    action: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/delete',
    calledBy: 'NetworkManagementClient.firewallPolicyRuleCollectionGroups.beginDelete',
    source: NETWORKING,
  },
  {
    action: 'Microsoft.ContainerService/managedClusters/read',
    calledBy: 'ContainerServiceClient.managedClusters.get',
    source: CONTAINERS,
  },
  {
    action: 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action',
    calledBy: 'ContainerServiceClient.managedClusters.listClusterUserCredentials',
    source: `${CONTAINERS}; also the built-in Azure Kubernetes Service Cluster User Role`,
  },
];

/** The set of action strings, for role definitions and checks. */
export const armActions: ReadonlySet<string> = new Set(armPermissions.map((p) => p.action));

/**
 * The ARM action an SDK call needs, for error messages on 403 (e.g. `requiredAction('ContainerServiceClient.managedClusters.get')`);
 * undefined for calls this list does not know.
 */
export function requiredAction(calledBy: string): string | undefined {
  return armPermissions.find((p) => p.calledBy === calledBy)?.action;
}
