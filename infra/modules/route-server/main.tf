# Azure Route Server in the hub. Its BGP connections (one per Calico route reflector) are NOT managed
# here: route reflector nodes change on every upgrade, so egress-pilot creates and removes them.
resource "azurerm_public_ip" "route_server" {
  name                = "${var.name}-pip"
  resource_group_name = var.resource_group_name
  location            = var.location
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zones
  tags                = var.tags
}

resource "azurerm_route_server" "this" {
  name                             = var.name
  resource_group_name              = var.resource_group_name
  location                         = var.location
  sku                              = "Standard"
  public_ip_address_id             = azurerm_public_ip.route_server.id
  subnet_id                        = var.subnet_id
  branch_to_branch_traffic_enabled = var.branch_to_branch_traffic_enabled
  hub_routing_preference           = var.hub_routing_preference
  tags                             = var.tags
}
