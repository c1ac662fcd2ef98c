variable "resource_group_name" {
  type        = string
  description = "Resource group of the private DNS zone."
}

variable "location" {
  type        = string
  description = "Short region name of the clusters (the zone is privatelink.<location>.azmk8s.io)."
  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location must be the short region name (e.g. westeurope)."
  }
}

variable "virtual_network_ids" {
  type        = map(string)
  description = "VNets other than the clusters' own that must resolve the private API servers (the hub), keyed by a stable link name."
  validation {
    condition     = length(var.virtual_network_ids) > 0
    error_message = "virtual_network_ids must contain at least the hub VNet."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the zone and its links."
  default     = {}
}
