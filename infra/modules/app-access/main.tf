# Least privilege for the app's identity. Three custom roles, one per adapter concern, whose actions are
# exactly lib/adapters/azure-permissions.ts (test/infra checks both directions). Every assignment is
# scoped to the one resource it is about, never to the subscription, and to a resource group only for the
# AKS cluster reader (below). Custom roles can only be made assignable at resource-group (or wider) scope;
# the assignments narrow them.

resource "azurerm_role_definition" "route_server" {
  name        = "${var.role_name_prefix} Route Server BGP operator"
  scope       = var.hub_resource_group_id
  description = "egress-pilot: read the Route Server, manage its BGP connections to Calico route reflectors, read learned routes."

  permissions {
    actions = [
      "Microsoft.Network/virtualHubs/read",
      "Microsoft.Network/virtualHubs/bgpConnections/read",
      "Microsoft.Network/virtualHubs/bgpConnections/write",
      "Microsoft.Network/virtualHubs/bgpConnections/delete",
      "Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action",
    ]
    not_actions = []
  }

  assignable_scopes = [var.hub_resource_group_id]
}

resource "azurerm_role_definition" "firewall_policy" {
  name        = "${var.role_name_prefix} Firewall Policy rule writer"
  scope       = var.hub_resource_group_id
  description = "egress-pilot: list, write and delete the tenant rule collection groups of one firewall policy."

  permissions {
    actions = [
      "Microsoft.Network/firewallPolicies/ruleCollectionGroups/read",
      "Microsoft.Network/firewallPolicies/ruleCollectionGroups/write",
      "Microsoft.Network/firewallPolicies/ruleCollectionGroups/delete",
    ]
    not_actions = []
  }

  assignable_scopes = [var.hub_resource_group_id]
}

resource "azurerm_role_definition" "aks" {
  name        = "${var.role_name_prefix} AKS cluster reader"
  scope       = var.aks_resource_group_id
  description = "egress-pilot: read a managed cluster's state and fetch its (Entra, token-less) user kubeconfig."

  permissions {
    actions = [
      "Microsoft.ContainerService/managedClusters/read",
      "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    ]
    not_actions = []
  }

  assignable_scopes = [var.aks_resource_group_id]
}

resource "azurerm_role_definition" "aks_subnet" {
  name        = "${var.role_name_prefix} AKS subnet reader"
  scope       = var.aks_resource_group_id
  description = "egress-pilot: read an AKS node subnet's prefix (its gateway is the route reflectors' next hop towards Route Server)."

  permissions {
    actions = [
      "Microsoft.Network/virtualNetworks/subnets/read",
    ]
    not_actions = []
  }

  assignable_scopes = [var.aks_resource_group_id]
}

resource "azurerm_role_assignment" "aks_subnet" {
  for_each           = var.aks_subnet_ids
  scope              = each.value
  role_definition_id = azurerm_role_definition.aks_subnet.role_definition_resource_id
  principal_id       = var.principal_id
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_assignment" "route_server" {
  scope              = var.route_server_id
  role_definition_id = azurerm_role_definition.route_server.role_definition_resource_id
  principal_id       = var.principal_id
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_assignment" "firewall_policy" {
  scope              = var.firewall_policy_id
  role_definition_id = azurerm_role_definition.firewall_policy.role_definition_resource_id
  principal_id       = var.principal_id
  principal_type     = "ServicePrincipal"
}

# At the clusters' resource group, not per cluster: the app lists the clusters of AKS_RESOURCE_GROUP
# (GET /api/clusters, the drift check: managedClusters.listByResourceGroup, which ARM authorizes at the
# resource group) and bootstraps clusters created there after this apply (Event Grid); a cluster outside
# every assignment answers 403 AuthorizationFailed, not 404. Found by the emulators' RBAC (issue 16).
resource "azurerm_role_assignment" "aks" {
  scope              = var.aks_resource_group_id
  role_definition_id = azurerm_role_definition.aks.role_definition_resource_id
  principal_id       = var.principal_id
  principal_type     = "ServicePrincipal"
}

# Kubernetes-level rights. Default "none": the exact ClusterRole the app needs (Calico resources are
# cluster-scoped and in API groups no built-in AKS role covers) is bound by ../../calico. The built-in
# roles are an opt-in fallback: RBAC Writer cannot touch nodes, namespaces or Calico resources; RBAC
# Cluster Admin can, but grants far more than the app uses.
resource "azurerm_role_assignment" "aks_kubernetes" {
  for_each             = { for k, id in var.cluster_ids : k => id if var.aks_builtin_role != "none" }
  scope                = each.value
  role_definition_name = var.aks_builtin_role
  principal_id         = var.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "event_sender" {
  scope                = var.event_topic_id
  role_definition_name = "EventGrid Data Sender"
  principal_id         = var.principal_id
  principal_type       = "ServicePrincipal"
}
