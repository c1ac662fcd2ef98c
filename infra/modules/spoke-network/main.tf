# One spoke: VNet + AKS subnet, a default route to the firewall, and peering with the hub.
resource "azurerm_virtual_network" "spoke" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  address_space       = var.address_space
  # The firewall's DNS proxy resolves for the nodes, so FQDN network rules match what nodes resolved.
  dns_servers = var.dns_servers
  tags        = var.tags
}

resource "azurerm_subnet" "aks" {
  name                 = var.aks_subnet_name
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = [var.aks_subnet_prefix]
}

resource "azurerm_route_table" "aks" {
  name                = "${var.name}-aks-rt"
  resource_group_name = var.resource_group_name
  location            = var.location
  # Keep propagation on: the spoke learns the other spokes' egress /31s from Route Server.
  bgp_route_propagation_enabled = true
  tags                          = var.tags

  route {
    name                   = "default-via-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = var.firewall_private_ip
  }
}

resource "azurerm_subnet_route_table_association" "aks" {
  subnet_id      = azurerm_subnet.aks.id
  route_table_id = azurerm_route_table.aks.id
}

# Hub side: "use this virtual network's gateway or Route Server".
resource "azurerm_virtual_network_peering" "hub_to_spoke" {
  name                         = "${var.hub_vnet_name}-to-${var.name}"
  resource_group_name          = var.hub_resource_group_name
  virtual_network_name         = var.hub_vnet_name
  remote_virtual_network_id    = azurerm_virtual_network.spoke.id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = true
  allow_gateway_transit        = true
}

# Spoke side: "use the remote virtual network's gateway or Route Server", so Route Server programs
# the learned egress routes into the spoke and the spoke's nodes can peer with it across the peering.
# Azure refuses use_remote_gateways until the hub has a Route Server (or gateway): the caller must
# create the Route Server first (depends_on at the module call).
resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                         = "${var.name}-to-${var.hub_vnet_name}"
  resource_group_name          = var.resource_group_name
  virtual_network_name         = azurerm_virtual_network.spoke.name
  remote_virtual_network_id    = var.hub_vnet_id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = true
  use_remote_gateways          = var.use_remote_gateways

  depends_on = [azurerm_virtual_network_peering.hub_to_spoke]
}
