# Platform stage: hub (firewall, Route Server), spokes (VNet, AKS with BYO CNI), the Function App and
# everything it is allowed to touch. Calico is installed per cluster by ./calico afterwards.

data "azurerm_client_config" "current" {}

locals {
  tags        = merge({ app = "egress-pilot" }, var.tags)
  flex        = var.function_hosting == "FlexConsumption"
  aks_subnets = [for s in var.spokes : s.aks_subnet_prefix]
}

resource "azurerm_resource_group" "hub" {
  name     = var.hub_resource_group_name
  location = var.location
  tags     = local.tags
}

# All spokes and their clusters share one resource group: the app finds clusters in AKS_RESOURCE_GROUP,
# and its resource group system topic reports their writes.
resource "azurerm_resource_group" "spokes" {
  name     = var.spoke_resource_group_name
  location = var.location
  tags     = local.tags
}

module "log_analytics" {
  source              = "./modules/log-analytics"
  name                = "${var.name_prefix}-logs"
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

module "hub_network" {
  source                     = "./modules/hub-network"
  name                       = "${var.name_prefix}-hub"
  resource_group_name        = azurerm_resource_group.hub.name
  location                   = var.location
  address_space              = var.hub_address_space
  firewall_subnet_prefix     = var.firewall_subnet_prefix
  route_server_subnet_prefix = var.route_server_subnet_prefix
  function_subnet_prefix     = var.function_subnet_prefix
  function_subnet_delegation = local.flex ? "Microsoft.App/environments" : "Microsoft.Web/serverFarms"
  tags                       = local.tags
}

module "firewall" {
  source                     = "./modules/firewall"
  name                       = "${var.name_prefix}-fw"
  resource_group_name        = azurerm_resource_group.hub.name
  location                   = var.location
  subnet_id                  = module.hub_network.firewall_subnet_id
  zones                      = var.zones
  aks_source_cidrs           = local.aks_subnets
  log_analytics_workspace_id = module.log_analytics.id
  tags                       = local.tags
}

module "route_server" {
  source                           = "./modules/route-server"
  name                             = "${var.name_prefix}-rs"
  resource_group_name              = azurerm_resource_group.hub.name
  location                         = var.location
  subnet_id                        = module.hub_network.route_server_subnet_id
  branch_to_branch_traffic_enabled = var.route_server_branch_to_branch
  zones                            = var.zones
  tags                             = local.tags
}

module "spoke_network" {
  source                  = "./modules/spoke-network"
  for_each                = var.spokes
  name                    = "${var.name_prefix}-${each.key}"
  resource_group_name     = azurerm_resource_group.spokes.name
  location                = var.location
  address_space           = each.value.address_space
  aks_subnet_prefix       = each.value.aks_subnet_prefix
  firewall_private_ip     = module.firewall.private_ip_address
  dns_servers             = [module.firewall.private_ip_address]
  hub_vnet_id             = module.hub_network.vnet_id
  hub_vnet_name           = module.hub_network.vnet_name
  hub_resource_group_name = azurerm_resource_group.hub.name
  tags                    = local.tags

  # use_remote_gateways fails until the hub has its Route Server.
  depends_on = [module.route_server]
}

module "aks_private_dns" {
  source              = "./modules/aks-private-dns"
  count               = var.private_clusters ? 1 : 0
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  # AKS links each cluster VNet itself; the hub link lets the Function App (and the firewall DNS proxy) resolve them.
  virtual_network_ids = { hub = module.hub_network.vnet_id }
  tags                = local.tags
}

module "aks" {
  source                          = "./modules/aks-cluster"
  for_each                        = var.spokes
  name                            = "${var.name_prefix}-${each.key}-aks"
  resource_group_name             = azurerm_resource_group.spokes.name
  location                        = var.location
  tenant_id                       = data.azurerm_client_config.current.tenant_id
  admin_group_object_ids          = var.aks_admin_group_object_ids
  kubernetes_version              = each.value.kubernetes_version
  node_vm_size                    = each.value.node_vm_size
  node_count                      = each.value.node_count
  zones                           = var.zones
  virtual_network_id              = module.spoke_network[each.key].vnet_id
  subnet_id                       = module.spoke_network[each.key].aks_subnet_id
  route_table_id                  = module.spoke_network[each.key].route_table_id
  service_cidr                    = var.aks_service_cidr
  dns_service_ip                  = var.aks_dns_service_ip
  private_cluster_enabled         = var.private_clusters
  private_dns_zone_id             = var.private_clusters ? module.aks_private_dns[0].id : null
  api_server_authorized_ip_ranges = var.api_server_authorized_ip_ranges
  tags                            = local.tags
}

module "app_events_topic" {
  source              = "./modules/app-events-topic"
  name                = var.app_events_topic_name
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  tags                = local.tags
}

module "function_app" {
  source                     = "./modules/function-app"
  name                       = var.function_app_name
  resource_group_name        = azurerm_resource_group.hub.name
  resource_group_id          = azurerm_resource_group.hub.id
  location                   = var.location
  hosting                    = var.function_hosting
  premium_package_url        = var.premium_package_url
  storage_account_name       = var.storage_account_name
  subnet_id                  = module.hub_network.function_subnet_id
  log_analytics_workspace_id = module.log_analytics.id
  task_hub_name              = var.task_hub_name
  durable_backend            = var.durable_backend
  app_settings               = local.app_settings
  entra_auth                 = var.function_app_entra_auth
  tags                       = local.tags
}

module "app_access" {
  source                = "./modules/app-access"
  principal_id          = module.function_app.principal_id
  role_name_prefix      = "egress-pilot ${var.name_prefix}"
  hub_resource_group_id = azurerm_resource_group.hub.id
  aks_resource_group_id = azurerm_resource_group.spokes.id
  route_server_id       = module.route_server.id
  firewall_policy_id    = module.firewall.policy_id
  cluster_ids           = { for k, c in module.aks : k => c.id }
  aks_subnet_ids        = { for k, s in module.spoke_network : k => s.aks_subnet_id }
  aks_builtin_role      = var.aks_builtin_role
  event_topic_id        = module.app_events_topic.id
}

# Second apply, after the app package (with its Event Grid trigger) is deployed: Azure validates the
# target function when a subscription is created.
module "event_routing" {
  source                = "./modules/event-routing"
  count                 = var.event_subscriptions_enabled ? 1 : 0
  resource_group_name   = azurerm_resource_group.spokes.name
  resource_group_id     = azurerm_resource_group.spokes.id
  function_app_id       = module.function_app.id
  trigger_function_name = var.trigger_function_name
  clusters              = { for k, c in module.aks : k => { id = c.id, name = c.name, location = c.location } }
  tags                  = local.tags
}
