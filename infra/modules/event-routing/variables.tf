variable "resource_group_name" {
  type        = string
  description = "The spokes' resource group (AKS_RESOURCE_GROUP): its system topic reports cluster writes; the topics are created in it."
}

variable "resource_group_id" {
  type        = string
  description = "Resource ID of the same resource group (source of the Microsoft.Resources.ResourceGroups system topic)."
  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+$", var.resource_group_id))
    error_message = "resource_group_id must be a resource group ID."
  }
}

variable "function_app_id" {
  type        = string
  description = "Resource ID of the Function App that hosts the Event Grid trigger."
}

variable "trigger_function_name" {
  type        = string
  description = "Name of the app's Event Grid trigger function (app.eventGrid(name, ...))."
  default     = "clusterEvents"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_-]{0,127}$", var.trigger_function_name))
    error_message = "trigger_function_name must start with a letter and contain only letters, digits, '_' or '-'."
  }
}

variable "clusters" {
  type = map(object({
    id       = string
    name     = string
    location = string
  }))
  description = "AKS clusters whose node pool rolling events are routed to the app, keyed by spoke."
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the system topics."
  default     = {}
}
