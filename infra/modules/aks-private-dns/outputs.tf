output "id" {
  description = "Resource ID of the private DNS zone (private_dns_zone_id of the clusters)."
  value       = azurerm_private_dns_zone.aks.id
}
