output "id" {
  description = "Resource ID of the cluster (scope of the app's AKS role and source of the AKS system topic)."
  value       = azurerm_kubernetes_cluster.this.id
}

output "name" {
  description = "Name of the cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "location" {
  description = "Region of the cluster (its Event Grid system topic lives there)."
  value       = azurerm_kubernetes_cluster.this.location
}

output "api_server_fqdn" {
  description = "FQDN of the API server (the private FQDN for private clusters)."
  value       = var.private_cluster_enabled ? azurerm_kubernetes_cluster.this.private_fqdn : azurerm_kubernetes_cluster.this.fqdn
}

output "node_resource_group" {
  description = "AKS-managed resource group of the nodes."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}
