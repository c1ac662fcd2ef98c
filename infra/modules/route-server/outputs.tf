output "id" {
  description = "Resource ID of the Route Server (a Microsoft.Network/virtualHubs resource); the app's role is assigned here."
  value       = azurerm_route_server.this.id
}

output "name" {
  description = "Name of the Route Server."
  value       = azurerm_route_server.this.name
}

output "virtual_router_ips" {
  description = "The two Route Server instance IPs Calico's BGPPeers point at."
  value       = azurerm_route_server.this.virtual_router_ips
}

output "virtual_router_asn" {
  description = "Route Server's ASN (65515)."
  value       = azurerm_route_server.this.virtual_router_asn
}
