output "firewall_id" {
  description = "Resource ID of the Azure Firewall."
  value       = azurerm_firewall.this.id
}

output "private_ip_address" {
  description = "Private IP of the firewall: next hop of the spokes' default route and their DNS server. Available only once the base rules are in place."
  value       = azurerm_firewall.this.ip_configuration[0].private_ip_address
  # Spokes route through the firewall as soon as they know this address; AKS node bootstrap fails
  # unless the AKS rules already allow its outbound traffic.
  depends_on = [azurerm_firewall_policy_rule_collection_group.aks_base]
}

output "public_ip_address" {
  description = "Public IP the firewall SNATs internet-bound traffic to."
  value       = azurerm_public_ip.firewall.ip_address
}

output "policy_id" {
  description = "Resource ID of the Firewall Policy (egress-pilot's rule collection groups live here)."
  value       = azurerm_firewall_policy.this.id
}

output "policy_name" {
  description = "Name of the Firewall Policy (FIREWALL_POLICY_NAME)."
  value       = azurerm_firewall_policy.this.name
}
