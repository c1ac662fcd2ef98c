output "id" {
  description = "Resource ID of the topic (scope of the app's EventGrid Data Sender role)."
  value       = azurerm_eventgrid_topic.this.id
}

output "endpoint" {
  description = "Publishing endpoint of the topic (EVENT_GRID_TOPIC_ENDPOINT)."
  value       = azurerm_eventgrid_topic.this.endpoint
}
