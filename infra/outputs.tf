output "function_app_name" {
  description = "Name of the Function App (target of the package deployment)."
  value       = module.function_app.name
}

output "function_app_id" {
  description = "Resource ID of the Function App (npm run deploy: subscription, resource group, ARM actions)."
  value       = module.function_app.id
}

output "function_hosting" {
  description = "FlexConsumption or ElasticPremium (npm run deploy: one deploy, or the run-from-package blob)."
  value       = var.function_hosting
}

output "api_base_url" {
  description = "Base URL of egress-pilot's HTTP API."
  value       = "https://${module.function_app.default_hostname}/api"
}

output "durable_task_scheduler_endpoint" {
  description = "Durable Task Scheduler endpoint (null unless durable_backend = DurableTaskScheduler)."
  value       = module.function_app.durable_task_scheduler_endpoint
}

output "function_app_hostname" {
  description = "Default host name of the app's HTTP API."
  value       = module.function_app.default_hostname
}

output "app_principal_id" {
  description = "Object ID of the app's managed identity (input of the ./calico stage)."
  value       = module.function_app.principal_id
}

output "package_container_url" {
  description = "Blob container of the app package."
  value       = module.function_app.package_container_url
}

output "route_server_ips" {
  description = "Route Server instance IPs (Calico BGPPeers)."
  value       = module.route_server.virtual_router_ips
}

output "firewall_private_ip" {
  description = "Firewall private IP (spokes' next hop and DNS server)."
  value       = module.firewall.private_ip_address
}

output "firewall_public_ip" {
  description = "Firewall public IP (the internet sees tenants' egress from here)."
  value       = module.firewall.public_ip_address
}

output "clusters" {
  description = "AKS clusters per spoke: name and API server FQDN (inputs of the ./calico stage)."
  value       = { for k, c in module.aks : k => { name = c.name, api_server_fqdn = c.api_server_fqdn } }
}

output "app_events_topic_endpoint" {
  description = "Endpoint of egress-pilot's custom Event Grid topic."
  value       = module.app_events_topic.endpoint
}
