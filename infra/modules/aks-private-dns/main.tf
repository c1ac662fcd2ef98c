# A bring-your-own private DNS zone for the private AKS API servers. AKS links it to each cluster's VNet;
# Terraform links it to the hub, so the Function App (integrated into the hub) and the firewall DNS proxy
# (the spokes' DNS server) resolve every cluster's private FQDN. With the default "System" zone only the
# cluster's own VNet could resolve it.
resource "azurerm_private_dns_zone" "aks" {
  name                = "privatelink.${var.location}.azmk8s.io"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "linked" {
  for_each              = var.virtual_network_ids
  name                  = "${each.key}-link"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.aks.name
  virtual_network_id    = each.value
  registration_enabled  = false
  tags                  = var.tags
}
