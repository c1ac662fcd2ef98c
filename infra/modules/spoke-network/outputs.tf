output "vnet_id" {
  description = "Resource ID of the spoke VNet."
  value       = azurerm_virtual_network.spoke.id
}

output "vnet_name" {
  description = "Name of the spoke VNet."
  value       = azurerm_virtual_network.spoke.name
}

output "aks_subnet_id" {
  description = "ID of the AKS node subnet, read from the route table association so a cluster is only created once the subnet routes through the firewall (AKS checks this for userDefinedRouting)."
  value       = azurerm_subnet_route_table_association.aks.subnet_id
}

output "aks_subnet_prefix" {
  description = "Prefix of the AKS node subnet."
  value       = var.aks_subnet_prefix
}

output "route_table_id" {
  description = "ID of the AKS subnet's route table (AKS checks it for outbound_type userDefinedRouting)."
  value       = azurerm_route_table.aks.id
}
