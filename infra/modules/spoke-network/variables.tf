variable "name" {
  type        = string
  description = "Name of the spoke VNet."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9_]$", var.name))
    error_message = "name must be 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the spoke network (the spokes' resource group)."
}

variable "location" {
  type        = string
  description = "Azure region of the spoke."
}

variable "address_space" {
  type        = list(string)
  description = "Address space of the spoke VNet (reference: 10.1.0.0/22)."
  validation {
    condition     = try(length(var.address_space) > 0 && alltrue([for c in var.address_space : can(cidrnetmask(c)) && cidrhost(c, 0) == split("/", c)[0]]), false)
    error_message = "address_space must be a non-empty list of aligned IPv4 CIDRs."
  }
}

variable "aks_subnet_name" {
  type        = string
  description = "Name of the AKS node subnet."
  default     = "AKSSubnet"
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$", var.aks_subnet_name))
    error_message = "aks_subnet_name must be 2-80 letters, digits, '.', '_' or '-'."
  }
}

variable "aks_subnet_prefix" {
  type        = string
  description = "Prefix of the AKS node subnet (reference: 10.1.0.0/24). Its first host (.1) is Calico's reachableBy gateway."
  validation {
    condition     = try(can(cidrnetmask(var.aks_subnet_prefix)) && cidrhost(var.aks_subnet_prefix, 0) == split("/", var.aks_subnet_prefix)[0] && tonumber(split("/", var.aks_subnet_prefix)[1]) <= 28, false)
    error_message = "aks_subnet_prefix must be an aligned IPv4 CIDR of /28 or larger."
  }
}

variable "firewall_private_ip" {
  type        = string
  description = "Private IP of the hub firewall: next hop of 0.0.0.0/0."
  validation {
    condition     = can(cidrnetmask("${var.firewall_private_ip}/32"))
    error_message = "firewall_private_ip must be an IPv4 address."
  }
}

variable "dns_servers" {
  type        = list(string)
  description = "DNS servers of the spoke VNet (the firewall's private IP when its DNS proxy is used; empty for Azure DNS)."
  default     = []
  validation {
    condition     = alltrue([for ip in var.dns_servers : can(cidrnetmask("${ip}/32"))])
    error_message = "dns_servers must be IPv4 addresses."
  }
}

variable "hub_vnet_id" {
  type        = string
  description = "Resource ID of the hub VNet."
}

variable "hub_vnet_name" {
  type        = string
  description = "Name of the hub VNet (the hub-side peering is created in it)."
}

variable "hub_resource_group_name" {
  type        = string
  description = "Resource group of the hub VNet."
}

variable "use_remote_gateways" {
  type        = bool
  description = "Let the spoke use the hub's Route Server (required for Route Server to program learned routes into the spoke)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the spoke's VNet and route table."
  default     = {}
}
