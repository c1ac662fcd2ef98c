# The hub VNet and its three subnets. The subnet names of the firewall and Route Server are fixed by Azure.
resource "azurerm_virtual_network" "hub" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  address_space       = var.address_space
  tags                = var.tags
}

resource "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = [var.firewall_subnet_prefix]
}

resource "azurerm_subnet" "route_server" {
  name                 = "RouteServerSubnet"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = [var.route_server_subnet_prefix]
}

# The Function App's outbound VNet integration lands here: from the hub it reaches the spokes'
# private API servers over peering, and Route Server/firewall are local.
resource "azurerm_subnet" "function" {
  name                 = var.function_subnet_name
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = [var.function_subnet_prefix]

  delegation {
    name = "function-app"
    service_delegation {
      name    = var.function_subnet_delegation
      actions = ["Microsoft.Network/virtualNetworks/subnets/action"]
    }
  }
}
