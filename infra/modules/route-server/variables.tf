variable "name" {
  type        = string
  description = "Name of the Route Server (ROUTE_SERVER_NAME)."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$", var.name))
    error_message = "name must be 2-80 letters, digits, '.', '_' or '-', starting with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the Route Server (ROUTE_SERVER_RESOURCE_GROUP)."
}

variable "location" {
  type        = string
  description = "Azure region of the Route Server."
}

variable "subnet_id" {
  type        = string
  description = "ID of RouteServerSubnet."
  validation {
    condition     = endswith(var.subnet_id, "/subnets/RouteServerSubnet")
    error_message = "subnet_id must point at a subnet named RouteServerSubnet."
  }
}

variable "branch_to_branch_traffic_enabled" {
  type        = bool
  description = "Exchange routes between Route Server and VPN/ExpressRoute gateways (route exchange to on-premises). Off unless a gateway needs the egress /31s."
  default     = false
}

variable "hub_routing_preference" {
  type        = string
  description = "Route selection preference when the same prefix is learned from several sources: ExpressRoute, VpnGateway or ASPath."
  default     = "ExpressRoute"
  validation {
    condition     = contains(["ExpressRoute", "VpnGateway", "ASPath"], var.hub_routing_preference)
    error_message = "hub_routing_preference must be ExpressRoute, VpnGateway or ASPath."
  }
}

variable "zones" {
  type        = list(string)
  description = "Availability zones of the Route Server public IP."
  default     = ["1", "2", "3"]
  validation {
    condition     = alltrue([for z in var.zones : contains(["1", "2", "3"], z)])
    error_message = "zones may only contain \"1\", \"2\" and \"3\"."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the Route Server and its public IP."
  default     = {}
}
