output "resource_group_topic_id" {
  description = "ID of the resource group system topic."
  value       = azurerm_eventgrid_system_topic.resource_group.id
}

output "cluster_topic_ids" {
  description = "IDs of the AKS system topics, keyed by spoke."
  value       = { for k, t in azurerm_eventgrid_system_topic.cluster : k => t.id }
}
