# A bring-your-own private DNS zone for the private AKS API servers, linked to the hub and every spoke:
# the Function App (integrated into the hub) resolves each cluster's private FQDN through it. With the
# default "System" zone only the cluster's own VNet could resolve it.
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
