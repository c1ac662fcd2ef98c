# The app's own settings. CONTRACT with lib/domain/config.ts: every setting it marks required is here,
# and nothing is here that it does not read (test/infra/app-settings.contract.test.ts). Secrets never
# appear: the app authenticates with its managed identity everywhere. Host-level settings
# (AzureWebJobsStorage__*, Application Insights, task hub) are added by modules/function-app.
locals {
  app_settings = {
    AZURE_SUBSCRIPTION_ID          = var.subscription_id
    ROUTE_SERVER_RESOURCE_GROUP    = azurerm_resource_group.hub.name
    ROUTE_SERVER_NAME              = module.route_server.name
    FIREWALL_POLICY_RESOURCE_GROUP = azurerm_resource_group.hub.name
    FIREWALL_POLICY_NAME           = module.firewall.policy_name
    AKS_RESOURCE_GROUP             = azurerm_resource_group.spokes.name
    # Identity-based registry; REGISTRY_CONNECTION_STRING is for local runs only.
    REGISTRY_TABLE_ENDPOINT   = module.function_app.table_endpoint
    EGRESS_SUPERNET           = var.egress_supernet
    CALICO_ASN                = tostring(var.calico_asn)
    EVENT_GRID_TOPIC_ENDPOINT = module.app_events_topic.endpoint
    # A firewall write round starts no group write after this; with the wait for the last write it stays well
    # under host.json functionTimeout (30 min, the Flex Consumption / Elastic Premium default).
    FIREWALL_ROUND_BUDGET_SECONDS = "300"
    # Before planning, a round waits up to this for other tenants about to need a write (a burst's stragglers), so
    # one 3-5 min write carries them too; never for a lone tenant or a round that closes rules.
    FIREWALL_ROUND_HOLD_SECONDS = "120"
    # A tenant left mid-lifecycle with none running (a crash between 202 and the start) is resumed after this.
    LIFECYCLE_RESUME_GRACE_SECONDS = "60"
  }
}
