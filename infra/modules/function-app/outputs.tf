output "id" {
  description = "Resource ID of the Function App (Event Grid's azure_function_endpoint appends /functions/<name>)."
  value       = local.function_app_id
}

output "name" {
  description = "Name of the Function App."
  value       = var.name
}

output "principal_id" {
  description = "Object ID of the app's system-assigned identity (every role assignment of the app targets it)."
  value       = local.principal_id
}

output "default_hostname" {
  description = "Default host name of the app (HTTP API)."
  value       = local.flex ? azapi_resource.flex[0].output.properties.defaultHostName : azurerm_linux_function_app.premium[0].default_hostname
}

output "storage_account_id" {
  description = "Resource ID of the app's storage account."
  value       = azurerm_storage_account.this.id
}

output "storage_account_name" {
  description = "Name of the app's storage account."
  value       = azurerm_storage_account.this.name
}

output "table_endpoint" {
  description = "Table endpoint of the storage account (REGISTRY_TABLE_ENDPOINT)."
  value       = azurerm_storage_account.this.primary_table_endpoint
}

output "package_container_url" {
  description = "Blob container that receives the app package (Flex deployment storage)."
  value       = local.package_container_url
}

output "durable_task_scheduler_endpoint" {
  description = "Endpoint of the Durable Task Scheduler (null with the Azure Storage backend)."
  value       = local.scheduler ? azapi_resource.scheduler[0].output.properties.endpoint : null
}

output "durable_task_hub_dashboard_url" {
  description = "Dashboard of the task hub in the Durable Task Scheduler (null with the Azure Storage backend)."
  value       = local.scheduler ? azapi_resource.task_hub[0].output.properties.dashboardUrl : null
}
