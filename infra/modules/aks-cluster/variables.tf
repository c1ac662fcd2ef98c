variable "name" {
  type        = string
  description = "Name of the AKS cluster (also its DNS prefix)."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,52}[a-z0-9]$", var.name))
    error_message = "name must be 2-54 lowercase letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the cluster (AKS_RESOURCE_GROUP: every cluster egress-pilot manages lives in it)."
}

variable "location" {
  type        = string
  description = "Azure region of the cluster."
}

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant of the cluster's users."
  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.tenant_id))
    error_message = "tenant_id must be a GUID."
  }
}

variable "admin_group_object_ids" {
  type        = list(string)
  description = "Entra groups that are cluster admins (break-glass; day-to-day access goes through Azure RBAC)."
  default     = []
  validation {
    condition     = alltrue([for g in var.admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", g))])
    error_message = "admin_group_object_ids must be GUIDs."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes version (null: AKS default)."
  default     = null
  validation {
    condition     = var.kubernetes_version == null || can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.33 or 1.33.2."
  }
}

variable "sku_tier" {
  type        = string
  description = "AKS control-plane tier: Free, Standard (uptime SLA) or Premium."
  default     = "Standard"
  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "automatic_upgrade_channel" {
  type        = string
  description = "Cluster auto-upgrade channel (patch, rapid, node-image, stable) or null for none. Upgrades replace nodes: egress-pilot re-syncs BGP connections on NodePoolRolling events."
  default     = "patch"
  validation {
    condition     = var.automatic_upgrade_channel == null || contains(["patch", "rapid", "node-image", "stable"], var.automatic_upgrade_channel)
    error_message = "automatic_upgrade_channel must be patch, rapid, node-image, stable or null."
  }
}

variable "node_os_upgrade_channel" {
  type        = string
  description = "Node OS upgrade channel: Unmanaged, SecurityPatch, NodeImage or None."
  default     = "NodeImage"
  validation {
    condition     = contains(["Unmanaged", "SecurityPatch", "NodeImage", "None"], var.node_os_upgrade_channel)
    error_message = "node_os_upgrade_channel must be Unmanaged, SecurityPatch, NodeImage or None."
  }
}

variable "node_vm_size" {
  type        = string
  description = "VM size of the default node pool."
  default     = "Standard_D4s_v5"
}

variable "node_count" {
  type        = number
  description = "Nodes in the default pool; at least 2 so two route reflectors and two gateway replicas can spread over zones."
  default     = 3
  validation {
    condition     = var.node_count >= 2 && var.node_count <= 100
    error_message = "node_count must be 2..100."
  }
}

variable "zones" {
  type        = list(string)
  description = "Availability zones of the node pool."
  default     = ["1", "2", "3"]
  validation {
    condition     = length(var.zones) > 0 && alltrue([for z in var.zones : contains(["1", "2", "3"], z)])
    error_message = "zones must be a non-empty subset of \"1\", \"2\", \"3\"."
  }
}

variable "virtual_network_id" {
  type        = string
  description = "ID of the spoke VNet (the control-plane identity gets Network Contributor on it)."
}

variable "subnet_id" {
  type        = string
  description = "ID of the spoke's AKS node subnet."
}

variable "route_table_id" {
  type        = string
  description = "ID of the route table on the node subnet (0.0.0.0/0 to the firewall)."
}

variable "service_cidr" {
  type        = string
  description = "Kubernetes service CIDR; must not overlap the hub, any spoke or the egress supernet."
  default     = "172.16.0.0/16"
  validation {
    condition     = can(cidrnetmask(var.service_cidr))
    error_message = "service_cidr must be an IPv4 CIDR."
  }
}

variable "dns_service_ip" {
  type        = string
  description = "ClusterIP of kube-dns, inside service_cidr."
  default     = "172.16.0.10"
  validation {
    condition     = can(cidrnetmask("${var.dns_service_ip}/32"))
    error_message = "dns_service_ip must be an IPv4 address."
  }
}

variable "private_cluster_enabled" {
  type        = bool
  description = "Expose the API server only on a private endpoint in the spoke (the Function App reaches it from the hub)."
  default     = true
}

variable "private_dns_zone_id" {
  type        = string
  description = "BYO private DNS zone for the private API server (required when private_cluster_enabled)."
  default     = null
  validation {
    condition     = !var.private_cluster_enabled || var.private_dns_zone_id != null
    error_message = "private_dns_zone_id is required when private_cluster_enabled is true."
  }
}

variable "api_server_authorized_ip_ranges" {
  type        = list(string)
  description = "For public API servers only: CIDRs allowed to reach it (include the firewall's public IP and your operators)."
  default     = []
  validation {
    condition     = alltrue([for c in var.api_server_authorized_ip_ranges : can(cidrnetmask(c))])
    error_message = "api_server_authorized_ip_ranges must be IPv4 CIDRs."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the cluster and its identity."
  default     = {}
}
