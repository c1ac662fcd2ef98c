# egress-pilot's own lifecycle and drift events. Keys are disabled: publishers authenticate with Entra
# (the app holds EventGrid Data Sender on this topic only).
resource "azurerm_eventgrid_topic" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  input_schema        = "EventGridSchema"
  local_auth_enabled  = false
  tags                = var.tags
}
