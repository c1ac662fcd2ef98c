# The egress-pilot Function App: Node 22, system-assigned identity, identity-based storage (no keys
# anywhere: the account refuses shared keys), VNet integration, workspace-based Application Insights.
#
# Flex Consumption is created with azapi, not azurerm_function_app_flex_consumption: in azurerm 4.x that
# resource always injects an AzureWebJobsStorage connection string with an EMPTY AccountKey when
# storage_authentication_type is an identity, and the host then fails to start
# (hashicorp/terraform-provider-azurerm#29693, open for the whole 4.x line). The ARM body below is the
# documented Microsoft.Web/sites functionAppConfig shape.

locals {
  flex = var.hosting == "FlexConsumption"

  # Host-level settings: they configure the Functions host, not the app, so they are not part of the
  # app's configuration schema (lib/domain/config.ts). test/infra lists each with its reason.
  host_app_settings = {
    AzureWebJobsStorage__accountName                        = azurerm_storage_account.this.name
    AzureWebJobsStorage__credential                         = "managedidentity"
    APPLICATIONINSIGHTS_CONNECTION_STRING                   = azurerm_application_insights.this.connection_string
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING               = "Authorization=AAD"
    AzureFunctionsJobHost__extensions__durableTask__hubName = var.task_hub_name
  }

  # Durable Task Scheduler backend (optional): the durable extension's storage provider becomes azureManaged,
  # reached through an identity-only connection string (no secret in it). The task hub keeps var.task_hub_name
  # (the hubName override above), so it names the scheduler's task hub.
  scheduler = var.durable_backend == "DurableTaskScheduler"
  scheduler_app_settings = {
    DURABLE_TASK_SCHEDULER_CONNECTION_STRING                                              = local.scheduler ? "Endpoint=${azapi_resource.scheduler[0].output.properties.endpoint};Authentication=ManagedIdentity" : ""
    AzureFunctionsJobHost__extensions__durableTask__storageProvider__type                 = "azureManaged"
    AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
  }

  app_settings = merge(local.host_app_settings, var.app_settings, local.scheduler ? local.scheduler_app_settings : {})

  # Elastic Premium only: run from the package blob, read with the app's identity. `npm run deploy` replaces
  # that one blob and restarts the app, so Terraform's value never changes between releases.
  package_blob_url = coalesce(var.premium_package_url, "${local.package_container_url}/egress-pilot.zip")
  package_app_settings = {
    WEBSITE_RUN_FROM_PACKAGE                     = local.package_blob_url
    WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID = "SystemAssigned"
  }

  package_container_url = "${azurerm_storage_account.this.primary_blob_endpoint}${azurerm_storage_container.package.name}"
  principal_id          = local.flex ? azapi_resource.flex[0].identity[0].principal_id : azurerm_linux_function_app.premium[0].identity[0].principal_id
  function_app_id       = local.flex ? azapi_resource.flex[0].id : azurerm_linux_function_app.premium[0].id
}

resource "azurerm_storage_account" "this" {
  name                            = var.storage_account_name
  resource_group_name             = var.resource_group_name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = var.storage_replication_type
  min_tls_version                 = "TLS1_2"
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  allow_nested_items_to_be_public = false
  tags                            = var.tags
}

# Flex: the deployment package container. Elastic Premium: WEBSITE_RUN_FROM_PACKAGE points into it.
resource "azurerm_storage_container" "package" {
  name                  = "app-package"
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_application_insights" "this" {
  name                         = "${var.name}-appi"
  resource_group_name          = var.resource_group_name
  location                     = var.location
  workspace_id                 = var.log_analytics_workspace_id
  application_type             = "Node.JS"
  local_authentication_enabled = false
  tags                         = var.tags
}

resource "azurerm_service_plan" "this" {
  name                         = "${var.name}-plan"
  resource_group_name          = var.resource_group_name
  location                     = var.location
  os_type                      = "Linux"
  sku_name                     = local.flex ? "FC1" : var.premium_sku
  maximum_elastic_worker_count = local.flex ? null : var.maximum_instance_count
  tags                         = var.tags
}

resource "azapi_resource" "flex" {
  count     = local.flex ? 1 : 0
  type      = "Microsoft.Web/sites@2024-04-01"
  name      = var.name
  parent_id = var.resource_group_id
  location  = var.location
  tags      = var.tags

  identity {
    type = "SystemAssigned"
  }

  body = {
    kind = "functionapp,linux"
    properties = {
      serverFarmId           = azurerm_service_plan.this.id
      httpsOnly              = true
      virtualNetworkSubnetId = var.subnet_id
      functionAppConfig = {
        deployment = {
          storage = {
            type           = "blobContainer"
            value          = local.package_container_url
            authentication = { type = "SystemAssignedIdentity" }
          }
        }
        scaleAndConcurrency = {
          maximumInstanceCount = var.maximum_instance_count
          instanceMemoryMB     = var.instance_memory_mb
        }
        runtime = {
          name    = "node"
          version = "22"
        }
      }
      siteConfig = {
        minTlsVersion = "1.2"
        appSettings   = [for name, value in local.app_settings : { name = name, value = value }]
      }
    }
  }

  response_export_values = ["properties.defaultHostName"]
}

resource "azurerm_linux_function_app" "premium" {
  count                         = local.flex ? 0 : 1
  name                          = var.name
  resource_group_name           = var.resource_group_name
  location                      = var.location
  service_plan_id               = azurerm_service_plan.this.id
  storage_account_name          = azurerm_storage_account.this.name
  storage_uses_managed_identity = true
  # Linux Elastic Premium runs from a package URL, so it needs no Azure Files content share (which
  # would require a storage key).
  content_share_force_disabled = true
  functions_extension_version  = "~4"
  https_only                   = true
  virtual_network_subnet_id    = var.subnet_id
  tags                         = var.tags

  identity {
    type = "SystemAssigned"
  }

  site_config {
    minimum_tls_version      = "1.2"
    ftps_state               = "Disabled"
    elastic_instance_minimum = 1
    # azurerm owns this app setting on this resource (it would drift if also set in app_settings).
    application_insights_connection_string = azurerm_application_insights.this.connection_string
    application_stack {
      node_version = "22"
    }
  }

  app_settings = merge(
    { for k, v in local.app_settings : k => v if k != "APPLICATIONINSIGHTS_CONNECTION_STRING" },
    local.package_app_settings,
  )

  # var.entra_auth: Entra ID sign-in for the web console (Flex: azapi_resource.entra_auth below, same settings).
  dynamic "auth_settings_v2" {
    for_each = var.entra_auth == null ? [] : [var.entra_auth]
    content {
      auth_enabled           = true
      require_authentication = false
      unauthenticated_action = "AllowAnonymous"
      default_provider       = "azureactivedirectory"
      require_https          = true
      active_directory_v2 {
        client_id            = auth_settings_v2.value.client_id
        tenant_auth_endpoint = "https://login.microsoftonline.com/${auth_settings_v2.value.tenant_id}/v2.0"
        allowed_audiences    = auth_settings_v2.value.allowed_audiences
        allowed_groups       = auth_settings_v2.value.allowed_groups
      }
      login {
        token_store_enabled = true
      }
    }
  }
}

# App Service authentication with Entra ID (var.entra_auth) on the Flex Consumption app: the site's
# authsettingsV2 configuration, as auth_settings_v2 sets it on Elastic Premium. Sign-in is not required of
# every request (AllowAnonymous): the API keeps its function keys and Event Grid its webhook; the console
# page itself sends anyone not signed in to /.auth/login/aad (functions/console.ts), and a signed-in page reads
# /api/console-api/* without a key (functions/console-api.ts: App Service strips forged x-ms-client-principal*
# headers and sets WEBSITE_AUTH_ENABLED, the only signal the app trusts them on; never set it as an app setting).
resource "azapi_resource" "entra_auth" {
  count     = local.flex && var.entra_auth != null ? 1 : 0
  type      = "Microsoft.Web/sites/config@2024-04-01"
  name      = "authsettingsV2"
  parent_id = azapi_resource.flex[0].id

  body = {
    properties = {
      platform = {
        enabled = true
      }
      globalValidation = {
        requireAuthentication       = false
        unauthenticatedClientAction = "AllowAnonymous"
        redirectToProvider          = "azureactivedirectory"
      }
      httpSettings = {
        requireHttps = true
      }
      identityProviders = {
        azureActiveDirectory = {
          enabled = true
          registration = {
            clientId     = var.entra_auth.client_id
            openIdIssuer = "https://login.microsoftonline.com/${var.entra_auth.tenant_id}/v2.0"
          }
          validation = {
            allowedAudiences = var.entra_auth.allowed_audiences
            defaultAuthorizationPolicy = {
              allowedPrincipals = {
                groups = var.entra_auth.allowed_groups
              }
            }
          }
        }
      }
      login = {
        tokenStore = {
          enabled = true
        }
      }
    }
  }
}

# The host (AzureWebJobsStorage: leases, durable task hub queues/tables/blobs) and the registry tables
# use the app's identity; each role is scoped to this one storage account.
resource "azurerm_role_assignment" "storage" {
  for_each             = toset(["Storage Blob Data Owner", "Storage Queue Data Contributor", "Storage Table Data Contributor"])
  scope                = azurerm_storage_account.this.id
  role_definition_name = each.value
  principal_id         = local.principal_id
}

# Application Insights with local auth disabled accepts telemetry only from an Entra identity.
resource "azurerm_role_assignment" "telemetry" {
  scope                = azurerm_application_insights.this.id
  role_definition_name = "Monitoring Metrics Publisher"
  principal_id         = local.principal_id
}

# Durable Task Scheduler (durable_backend = "DurableTaskScheduler"): the managed backend, one scheduler with
# one task hub, and the app's identity as "Durable Task Data Contributor" on that task hub only.
resource "azapi_resource" "scheduler" {
  count     = local.scheduler ? 1 : 0
  type      = "Microsoft.DurableTask/schedulers@2025-11-01"
  name      = var.durable_task_scheduler_name
  parent_id = var.resource_group_id
  location  = var.location
  tags      = var.tags

  body = {
    properties = {
      sku = {
        name = var.durable_task_scheduler_sku
      }
      # Required and deny-all when empty; access is Entra RBAC either way.
      ipAllowlist = var.durable_task_scheduler_ip_allowlist
    }
  }

  response_export_values = ["properties.endpoint"]
}

resource "azapi_resource" "task_hub" {
  count     = local.scheduler ? 1 : 0
  type      = "Microsoft.DurableTask/schedulers/taskHubs@2025-11-01"
  name      = var.task_hub_name
  parent_id = azapi_resource.scheduler[0].id

  body = {
    properties = {}
  }

  response_export_values = ["properties.dashboardUrl"]
}

resource "azurerm_role_assignment" "durable_task" {
  count                = local.scheduler ? 1 : 0
  scope                = azapi_resource.task_hub[0].id
  role_definition_name = "Durable Task Data Contributor"
  principal_id         = local.principal_id
}
