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
  /** Where the action string was confirmed; UNVERIFIED ones still need a live check. */
  source: string;
}

export const armPermissions: ReadonlyArray<ArmPermission> = [
  {
    action: 'Microsoft.Network/virtualHubs/read',
    calledBy: 'NetworkManagementClient.virtualHubs.get',
    source: 'Azure resource provider operations (Microsoft.Network), role samples',
  },
  {
    action: 'Microsoft.Network/virtualHubs/bgpConnections/read',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnections.list',
    source: 'Azure resource provider operations (Microsoft.Network), role samples',
  },
  {
    action: 'Microsoft.Network/virtualHubs/bgpConnections/write',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnection.beginCreateOrUpdateAndWait',
    source: 'Azure resource provider operations (Microsoft.Network), role samples',
  },
  {
    // POST .../virtualHubs/{hub}/bgpConnections/{conn}/learnedRoutes: ARM's convention for a POST on a
    // child path is <type>/<path>/action. Not found in the operations list copies at hand: UNVERIFIED.
    action: 'Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action',
    calledBy: 'NetworkManagementClient.virtualHubBgpConnections.beginListLearnedRoutesAndWait',
    source: 'UNVERIFIED (ARM naming convention for the learnedRoutes POST)',
  },
  {
    action: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
    calledBy: 'NetworkManagementClient.firewallPolicyRuleCollectionGroups.list',
    source: 'Azure resource provider operations (Microsoft.Network)',
  },
  {
    action: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/write',
    calledBy: 'NetworkManagementClient.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait',
    source: 'Azure resource provider operations (Microsoft.Network)',
  },
  {
    action: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/delete',
    calledBy: 'NetworkManagementClient.firewallPolicyRuleCollectionGroups.beginDeleteAndWait',
    source: 'Azure resource provider operations (Microsoft.Network)',
  },
  {
    action: 'Microsoft.ContainerService/managedClusters/read',
    calledBy: 'ContainerServiceClient.managedClusters.get',
    source: 'Azure resource provider operations (Microsoft.ContainerService)',
  },
  {
    action: 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action',
    calledBy: 'ContainerServiceClient.managedClusters.listClusterUserCredentials',
    source: 'Azure resource provider operations (Microsoft.ContainerService); built-in AKS Cluster User Role',
  },
];

/** The set of action strings, for role definitions and checks. */
export const armActions: ReadonlySet<string> = new Set(armPermissions.map((p) => p.action));
