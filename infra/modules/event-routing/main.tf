# Cluster events to the app's Event Grid trigger: AKS cluster writes seen on the spokes' resource group
# (cluster created or updated) and node pool rolls seen on each cluster (nodes replaced: re-sync the
# route reflectors' BGP connections). Azure checks that the target function exists when a subscription
# is created, so this module is applied only after the app package is deployed.

locals {
  function_id = "${var.function_app_id}/functions/${var.trigger_function_name}"
}

resource "azurerm_eventgrid_system_topic" "resource_group" {
  name                = "${var.resource_group_name}-events"
  resource_group_name = var.resource_group_name
  location            = "global"
  source_resource_id  = var.resource_group_id
  topic_type          = "Microsoft.Resources.ResourceGroups"
  tags                = var.tags
}

resource "azurerm_eventgrid_system_topic_event_subscription" "cluster_writes" {
  name                 = "aks-cluster-writes"
  system_topic         = azurerm_eventgrid_system_topic.resource_group.name
  resource_group_name  = var.resource_group_name
  included_event_types = ["Microsoft.Resources.ResourceWriteSuccess"]

  # Only managed cluster writes (not node pools, not everything else in the group).
  advanced_filter {
    string_in {
      key    = "data.operationName"
      values = ["Microsoft.ContainerService/managedClusters/write"]
    }
  }

  azure_function_endpoint {
    function_id          = local.function_id
    max_events_per_batch = 1
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }
}

resource "azurerm_eventgrid_system_topic" "cluster" {
  for_each            = var.clusters
  name                = "${each.value.name}-events"
  resource_group_name = var.resource_group_name
  location            = each.value.location
  source_resource_id  = each.value.id
  topic_type          = "Microsoft.ContainerService.ManagedClusters"
  tags                = var.tags
}

resource "azurerm_eventgrid_system_topic_event_subscription" "node_pool_rolling" {
  for_each            = var.clusters
  name                = "node-pool-rolling"
  system_topic        = azurerm_eventgrid_system_topic.cluster[each.key].name
  resource_group_name = var.resource_group_name
  included_event_types = [
    "Microsoft.ContainerService.NodePoolRollingStarted",
    "Microsoft.ContainerService.NodePoolRollingSucceeded",
    "Microsoft.ContainerService.NodePoolRollingFailed",
  ]

  azure_function_endpoint {
    function_id          = local.function_id
    max_events_per_batch = 1
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }
}
