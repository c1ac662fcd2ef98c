/** Building ARM resource ids in their canonical casing. */
export const ids = {
  subscription: (sub: string): string => `/subscriptions/${sub}`,
  resourceGroup: (sub: string, rg: string): string => `/subscriptions/${sub}/resourceGroups/${rg}`,
  provider: (sub: string, rg: string, namespaceAndType: string, name: string): string =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/${namespaceAndType}/${name}`,
};

export const TYPES = {
  resourceGroup: 'Microsoft.Resources/resourceGroups',
  virtualHub: 'Microsoft.Network/virtualHubs',
  hubIpConfiguration: 'Microsoft.Network/virtualHubs/ipConfigurations',
  bgpConnection: 'Microsoft.Network/virtualHubs/bgpConnections',
  firewallPolicy: 'Microsoft.Network/firewallPolicies',
  ruleCollectionGroup: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups',
  azureFirewall: 'Microsoft.Network/azureFirewalls',
  ipGroup: 'Microsoft.Network/ipGroups',
  managedCluster: 'Microsoft.ContainerService/managedClusters',
} as const;

/** Last segment of an id (`.../subnets/RouteServerSubnet` → `RouteServerSubnet`). */
export const lastSegment = (id: string): string => id.split('/').filter(Boolean).pop() ?? '';
