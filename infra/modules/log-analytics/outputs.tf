output "id" {
  description = "Resource ID of the workspace (diagnostic settings and Application Insights point here)."
  value       = azurerm_log_analytics_workspace.this.id
}
