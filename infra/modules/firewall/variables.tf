variable "name" {
  type        = string
  description = "Name of the Azure Firewall; the public IP, policy and diagnostic setting derive their names from it."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,54}[A-Za-z0-9_]$", var.name))
    error_message = "name must be 2-56 letters, digits, '.', '_' or '-', starting with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the firewall and its policy (the hub resource group)."
}

variable "location" {
  type        = string
  description = "Azure region in its short form (e.g. westeurope); also used in the AzureCloud.<region> service tag."
  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location must be the short region name (lowercase letters and digits, e.g. westeurope)."
  }
}

variable "subnet_id" {
  type        = string
  description = "ID of AzureFirewallSubnet."
}

variable "zones" {
  type        = list(string)
  description = "Availability zones of the firewall and its public IP; empty for a non-zonal deployment."
  default     = ["1", "2", "3"]
  validation {
    condition     = alltrue([for z in var.zones : contains(["1", "2", "3"], z)])
    error_message = "zones may only contain \"1\", \"2\" and \"3\"."
  }
}

variable "threat_intelligence_mode" {
  type        = string
  description = "Threat intelligence mode of the policy: Alert, Deny or Off."
  default     = "Alert"
  validation {
    condition     = contains(["Alert", "Deny", "Off"], var.threat_intelligence_mode)
    error_message = "threat_intelligence_mode must be Alert, Deny or Off."
  }
}

variable "aks_source_cidrs" {
  type        = list(string)
  description = "AKS node subnets (all spokes) allowed by the base rules."
  validation {
    condition     = length(var.aks_source_cidrs) > 0 && alltrue([for c in var.aks_source_cidrs : can(cidrnetmask(c))])
    error_message = "aks_source_cidrs must be a non-empty list of IPv4 CIDRs."
  }
}

variable "base_rule_collection_group_priority" {
  type        = number
  description = "Priority of the Terraform-owned base rule collection group. Keep it below egress-pilot's FIREWALL_RCG_PRIORITY_BASE range."
  default     = 200
  validation {
    condition     = var.base_rule_collection_group_priority >= 100 && var.base_rule_collection_group_priority <= 65000
    error_message = "base_rule_collection_group_priority must be 100..65000."
  }
}

variable "ntp_fqdns" {
  type        = list(string)
  description = "NTP servers the nodes may reach on UDP 123."
  default     = ["ntp.ubuntu.com"]
  validation {
    condition     = length(var.ntp_fqdns) > 0 && alltrue([for f in var.ntp_fqdns : can(regex("^[A-Za-z0-9.-]+$", f))])
    error_message = "ntp_fqdns must be a non-empty list of host names (no wildcards)."
  }
}

variable "calico_image_fqdns" {
  type        = list(string)
  description = "Registries the Tigera operator and Calico images are pulled from (HTTPS)."
  default     = ["quay.io", "cdn01.quay.io", "cdn02.quay.io", "cdn03.quay.io", "docker.io", "registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com"]
  validation {
    condition     = length(var.calico_image_fqdns) > 0 && alltrue([for f in var.calico_image_fqdns : can(regex("^(\\*\\.)?[A-Za-z0-9.-]+$", f)) && f != "*"])
    error_message = "calico_image_fqdns must list host names (a leading *. is allowed, a bare * is not)."
  }
}

variable "log_analytics_workspace_id" {
  type        = string
  description = "Log Analytics workspace that receives the firewall logs."
}

variable "log_categories" {
  type        = list(string)
  description = "Resource-specific (Dedicated) firewall log categories to collect: application, network and DNS proxy logs at least."
  default     = ["AZFWApplicationRule", "AZFWNetworkRule", "AZFWDnsQuery", "AZFWNatRule", "AZFWThreatIntel"]
  validation {
    condition     = alltrue([for c in ["AZFWApplicationRule", "AZFWNetworkRule", "AZFWDnsQuery"] : contains(var.log_categories, c)]) && alltrue([for c in var.log_categories : startswith(c, "AZFW")])
    error_message = "log_categories must include AZFWApplicationRule, AZFWNetworkRule and AZFWDnsQuery, and only resource-specific AZFW* categories."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the firewall, its policy and public IP."
  default     = {}
}
