output "vnet_id" {
  description = "Resource ID of the hub VNet."
  value       = azurerm_virtual_network.hub.id
}

output "vnet_name" {
  description = "Name of the hub VNet (spoke peerings are created in it)."
  value       = azurerm_virtual_network.hub.name
}

output "firewall_subnet_id" {
  description = "ID of AzureFirewallSubnet."
  value       = azurerm_subnet.firewall.id
}

output "route_server_subnet_id" {
  description = "ID of RouteServerSubnet."
  value       = azurerm_subnet.route_server.id
}

output "function_subnet_id" {
  description = "ID of the delegated Function App integration subnet."
  value       = azurerm_subnet.function.id
}
