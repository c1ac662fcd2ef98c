# One AKS cluster for one spoke: BYO CNI (Calico is installed afterwards by ../../calico), Entra ID with
# Azure RBAC, no local accounts, egress only through the firewall (userDefinedRouting), zonal nodes.

# A user-assigned control-plane identity: it must hold rights on the subnet, route table and DNS zone
# BEFORE the cluster exists, which a system-assigned identity cannot.
resource "azurerm_user_assigned_identity" "control_plane" {
  name                = "${var.name}-control-plane"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

# On the VNet, not just the subnet: with a BYO private DNS zone AKS also links the zone to this VNet.
resource "azurerm_role_assignment" "network" {
  scope                = var.virtual_network_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
}

resource "azurerm_role_assignment" "route_table" {
  scope                = var.route_table_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
}

resource "azurerm_role_assignment" "private_dns_zone" {
  count                = var.private_cluster_enabled ? 1 : 0
  scope                = var.private_dns_zone_id
  role_definition_name = "Private DNS Zone Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
}

resource "azurerm_kubernetes_cluster" "this" {
  name                       = var.name
  resource_group_name        = var.resource_group_name
  location                   = var.location
  dns_prefix                 = var.private_cluster_enabled ? null : var.name
  dns_prefix_private_cluster = var.private_cluster_enabled ? var.name : null
  kubernetes_version         = var.kubernetes_version
  sku_tier                   = var.sku_tier
  automatic_upgrade_channel  = var.automatic_upgrade_channel
  node_os_upgrade_channel    = var.node_os_upgrade_channel
  local_account_disabled     = true
  private_cluster_enabled    = var.private_cluster_enabled
  private_dns_zone_id        = var.private_cluster_enabled ? var.private_dns_zone_id : null
  tags                       = var.tags

  default_node_pool {
    name                        = "system"
    vm_size                     = var.node_vm_size
    node_count                  = var.node_count
    vnet_subnet_id              = var.subnet_id
    zones                       = var.zones
    temporary_name_for_rotation = "systemtmp"
    upgrade_settings {
      max_surge = "33%"
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.control_plane.id]
  }

  network_profile {
    network_plugin    = "none"
    outbound_type     = "userDefinedRouting"
    load_balancer_sku = "standard"
    # Must not overlap the hub (10.0.0.0/22 holds Route Server) or any spoke: AKS's default
    # 10.0.0.0/16 would swallow the Route Server IPs inside the cluster.
    service_cidr   = var.service_cidr
    dns_service_ip = var.dns_service_ip
  }

  azure_active_directory_role_based_access_control {
    tenant_id              = var.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
    azure_rbac_enabled     = true
  }

  dynamic "api_server_access_profile" {
    for_each = var.private_cluster_enabled ? [] : [var.api_server_authorized_ip_ranges]
    content {
      authorized_ip_ranges = api_server_access_profile.value
    }
  }

  depends_on = [
    azurerm_role_assignment.network,
    azurerm_role_assignment.route_table,
    azurerm_role_assignment.private_dns_zone,
  ]
}
