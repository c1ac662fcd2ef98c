variable "name" {
  type        = string
  description = "Name of the Function App (at most 32 characters to avoid host ID collisions)."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name must be 2-32 lowercase letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the Function App, its plan, storage and Application Insights."
}

variable "resource_group_id" {
  type        = string
  description = "Resource ID of the same resource group (parent of the azapi Flex Consumption site)."
  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+$", var.resource_group_id))
    error_message = "resource_group_id must be a resource group ID (/subscriptions/<id>/resourceGroups/<name>)."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the Function App."
}

variable "hosting" {
  type        = string
  description = "Hosting plan: FlexConsumption (FC1) or ElasticPremium (EP1-EP3)."
  default     = "FlexConsumption"
  validation {
    condition     = contains(["FlexConsumption", "ElasticPremium"], var.hosting)
    error_message = "hosting must be FlexConsumption or ElasticPremium."
  }
}

variable "premium_sku" {
  type        = string
  description = "Elastic Premium plan size (only with hosting = ElasticPremium)."
  default     = "EP1"
  validation {
    condition     = contains(["EP1", "EP2", "EP3"], var.premium_sku)
    error_message = "premium_sku must be EP1, EP2 or EP3."
  }
}

variable "premium_package_url" {
  type        = string
  description = "Elastic Premium only: blob URL of the app package (WEBSITE_RUN_FROM_PACKAGE, read with the app's identity). Null = <app-package container>/egress-pilot.zip, the blob npm run deploy writes."
  default     = null
  validation {
    condition     = var.premium_package_url == null || can(regex("^https://[a-z0-9]+\\.blob\\.", var.premium_package_url))
    error_message = "premium_package_url must be an https blob URL."
  }
}

variable "maximum_instance_count" {
  type        = number
  description = "Scale-out limit (Flex: maximumInstanceCount; Elastic Premium: maximum elastic workers)."
  default     = 20
  validation {
    condition     = var.maximum_instance_count >= 1 && var.maximum_instance_count <= 1000
    error_message = "maximum_instance_count must be 1..1000."
  }
}

variable "instance_memory_mb" {
  type        = number
  description = "Flex Consumption instance memory: 512, 2048 or 4096 MB."
  default     = 2048
  validation {
    condition     = contains([512, 2048, 4096], var.instance_memory_mb)
    error_message = "instance_memory_mb must be 512, 2048 or 4096."
  }
}

variable "storage_account_name" {
  type        = string
  description = "Storage account for the host, the durable task hub, the app package and the tenant registry tables."
  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lowercase letters and digits."
  }
}

variable "storage_replication_type" {
  type        = string
  description = "Replication of the storage account (ZRS keeps the registry and task hub through a zone loss)."
  default     = "ZRS"
  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be LRS, ZRS, GRS or GZRS."
  }
}

variable "subnet_id" {
  type        = string
  description = "Delegated subnet for outbound VNet integration (reaches private API servers and Route Server)."
}

variable "log_analytics_workspace_id" {
  type        = string
  description = "Workspace behind the workspace-based Application Insights."
}

variable "task_hub_name" {
  type        = string
  description = "Durable Functions task hub name (overrides host.json extensions.durableTask.hubName through the host's app-setting override)."
  default     = "EgressPilotHub"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{2,44}$", var.task_hub_name))
    error_message = "task_hub_name must be 3-45 letters and digits, starting with a letter."
  }
}

variable "durable_backend" {
  type        = string
  description = "AzureStorage (default: the task hub in the app's storage account) or DurableTaskScheduler (the managed backend)."
  default     = "AzureStorage"
  validation {
    condition     = contains(["AzureStorage", "DurableTaskScheduler"], var.durable_backend)
    error_message = "durable_backend must be AzureStorage or DurableTaskScheduler."
  }
}

variable "durable_task_scheduler_name" {
  type        = string
  description = "DurableTaskScheduler only: name of the scheduler (3-64 letters, digits, hyphens)."
  default     = "egress-pilot-dts"
  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{3,64}$", var.durable_task_scheduler_name))
    error_message = "durable_task_scheduler_name must be 3-64 letters, digits or hyphens."
  }
}

variable "durable_task_scheduler_sku" {
  type        = string
  description = "DurableTaskScheduler only: Consumption (pay per action) or Dedicated (capacity units, zone redundancy)."
  default     = "Consumption"
  validation {
    condition     = contains(["Consumption", "Dedicated"], var.durable_task_scheduler_sku)
    error_message = "durable_task_scheduler_sku must be Consumption or Dedicated."
  }
}

variable "durable_task_scheduler_ip_allowlist" {
  type        = list(string)
  description = "DurableTaskScheduler only: addresses or CIDRs allowed to reach the scheduler (an empty list denies all)."
  default     = ["0.0.0.0/0"]
}

variable "app_settings" {
  type        = map(string)
  description = "The app's own settings (names from lib/domain/config.ts appSettings); merged after the host-level settings."
  validation {
    condition     = alltrue([for k in keys(var.app_settings) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "app_settings names must be UPPER_SNAKE_CASE, like the app's configuration schema."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource of the module."
  default     = {}
}

variable "entra_auth" {
  type = object({
    tenant_id         = string
    client_id         = string
    allowed_audiences = optional(list(string), [])
    allowed_groups    = optional(list(string), [])
  })
  description = <<-EOT
    Optional App Service authentication (Easy Auth) with Microsoft Entra ID, for the web console: null (the
    default) = off. With it, people sign in with Entra ID before the console page loads (the console redirects
    to /.auth/login/aad) and then reads the console's keyless routes /api/console-api/* (no function key in the
    browser), and, when allowed_groups is set, only members of those groups get in. client_id: an
    app registration with the redirect URI https://<app>.azurewebsites.net/.auth/login/aad/callback and ID tokens
    enabled (no client secret is used). Unauthenticated requests are still let through to the app
    (AllowAnonymous): the API keeps its function keys and Event Grid its webhook, which Entra ID sign-in would
    otherwise turn away.
  EOT
  default     = null
  validation {
    condition = var.entra_auth == null ? true : alltrue([
      for id in concat([var.entra_auth.tenant_id, var.entra_auth.client_id], var.entra_auth.allowed_groups) :
      can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))
    ])
    error_message = "entra_auth.tenant_id, client_id and every allowed_groups entry must be GUIDs (Entra ID object and application IDs)."
  }
}
