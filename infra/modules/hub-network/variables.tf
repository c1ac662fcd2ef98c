variable "name" {
  type        = string
  description = "Name of the hub virtual network."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9_]$", var.name))
    error_message = "name must be 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the hub network."
}

variable "location" {
  type        = string
  description = "Azure region of the hub (e.g. westeurope)."
}

variable "address_space" {
  type        = list(string)
  description = "Address space of the hub VNet (reference design: 10.0.0.0/22)."
  validation {
    condition     = try(length(var.address_space) > 0 && alltrue([for c in var.address_space : can(cidrnetmask(c)) && cidrhost(c, 0) == split("/", c)[0]]), false)
    error_message = "address_space must be a non-empty list of aligned IPv4 CIDRs (e.g. 10.0.0.0/22)."
  }
}

variable "firewall_subnet_prefix" {
  type        = string
  description = "Prefix of AzureFirewallSubnet (/26 or larger; reference: 10.0.0.0/24)."
  validation {
    condition     = try(can(cidrnetmask(var.firewall_subnet_prefix)) && tonumber(split("/", var.firewall_subnet_prefix)[1]) <= 26, false)
    error_message = "firewall_subnet_prefix must be an IPv4 CIDR of /26 or larger (Azure Firewall requirement)."
  }
}

variable "route_server_subnet_prefix" {
  type        = string
  description = "Prefix of RouteServerSubnet (/27 or larger; reference: 10.0.1.0/24)."
  validation {
    condition     = try(can(cidrnetmask(var.route_server_subnet_prefix)) && tonumber(split("/", var.route_server_subnet_prefix)[1]) <= 27, false)
    error_message = "route_server_subnet_prefix must be an IPv4 CIDR of /27 or larger (Route Server requirement)."
  }
}

variable "function_subnet_name" {
  type        = string
  description = "Name of the subnet the Function App integrates into."
  default     = "FunctionAppSubnet"
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$", var.function_subnet_name)) && !contains(["AzureFirewallSubnet", "RouteServerSubnet", "GatewaySubnet"], var.function_subnet_name)
    error_message = "function_subnet_name must be a valid subnet name and not one of Azure's reserved subnet names."
  }
}

variable "function_subnet_prefix" {
  type        = string
  description = "Prefix of the Function App integration subnet (/28 minimum for Flex Consumption, /26 recommended)."
  validation {
    condition     = try(can(cidrnetmask(var.function_subnet_prefix)) && tonumber(split("/", var.function_subnet_prefix)[1]) <= 28, false)
    error_message = "function_subnet_prefix must be an IPv4 CIDR of /28 or larger."
  }
}

variable "function_subnet_delegation" {
  type        = string
  description = "Service delegation of the Function App subnet: Microsoft.App/environments (Flex Consumption) or Microsoft.Web/serverFarms (Elastic Premium)."
  validation {
    condition     = contains(["Microsoft.App/environments", "Microsoft.Web/serverFarms"], var.function_subnet_delegation)
    error_message = "function_subnet_delegation must be Microsoft.App/environments or Microsoft.Web/serverFarms."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the VNet."
  default     = {}
}
