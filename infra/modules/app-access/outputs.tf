output "custom_role_ids" {
  description = "Resource IDs of the three custom roles."
  value = {
    route_server    = azurerm_role_definition.route_server.role_definition_resource_id
    firewall_policy = azurerm_role_definition.firewall_policy.role_definition_resource_id
    aks             = azurerm_role_definition.aks.role_definition_resource_id
  }
}
