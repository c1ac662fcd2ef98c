variable "principal_id" {
  type        = string
  description = "Object ID of the app's managed identity."
}

variable "role_name_prefix" {
  type        = string
  description = "Prefix of the custom role names (role names are unique per Entra tenant, so include the deployment name)."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9 _-]{1,60}$", var.role_name_prefix))
    error_message = "role_name_prefix must be 2-61 letters, digits, spaces, '_' or '-'."
  }
}

variable "hub_resource_group_id" {
  type        = string
  description = "Hub resource group ID: assignable scope of the Route Server and firewall policy roles."
  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+$", var.hub_resource_group_id))
    error_message = "hub_resource_group_id must be a resource group ID."
  }
}

variable "aks_resource_group_id" {
  type        = string
  description = "The clusters' resource group ID: assignable scope and assignment scope of the AKS role (the app lists and bootstraps every cluster in it)."
  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+$", var.aks_resource_group_id))
    error_message = "aks_resource_group_id must be a resource group ID."
  }
}

variable "route_server_id" {
  type        = string
  description = "Route Server ID (scope of the BGP operator assignment)."
  validation {
    condition     = can(regex("(?i)/providers/Microsoft.Network/virtualHubs/[^/]+$", var.route_server_id))
    error_message = "route_server_id must be a Microsoft.Network/virtualHubs resource ID."
  }
}

variable "firewall_policy_id" {
  type        = string
  description = "Firewall policy ID (scope of the rule writer assignment)."
  validation {
    condition     = can(regex("(?i)/providers/Microsoft.Network/firewallPolicies/[^/]+$", var.firewall_policy_id))
    error_message = "firewall_policy_id must be a Microsoft.Network/firewallPolicies resource ID."
  }
}

variable "cluster_ids" {
  type        = map(string)
  description = "AKS cluster IDs keyed by spoke (scope of the optional built-in Kubernetes role assignments)."
}

variable "aks_subnet_ids" {
  type        = map(string)
  description = "AKS node subnet IDs keyed by spoke (scope of the subnet reader assignments: the cluster bootstrap reads each subnet's prefix)."
}

variable "aks_builtin_role" {
  type        = string
  description = "Optional built-in Kubernetes data-plane role per cluster: none (default; ../../calico binds an exact ClusterRole), Azure Kubernetes Service RBAC Writer, or Azure Kubernetes Service RBAC Cluster Admin."
  default     = "none"
  validation {
    condition     = contains(["none", "Azure Kubernetes Service RBAC Writer", "Azure Kubernetes Service RBAC Cluster Admin"], var.aks_builtin_role)
    error_message = "aks_builtin_role must be none, Azure Kubernetes Service RBAC Writer or Azure Kubernetes Service RBAC Cluster Admin."
  }
}

variable "event_topic_id" {
  type        = string
  description = "ID of the app's custom Event Grid topic (scope of EventGrid Data Sender)."
}
