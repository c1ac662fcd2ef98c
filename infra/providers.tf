provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
  # The app's storage account refuses shared keys; make the provider use Entra for data-plane calls too.
  storage_use_azuread = true
}

provider "azapi" {
  subscription_id = var.subscription_id
}
