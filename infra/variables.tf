variable "subscription_id" {
  type        = string
  description = "Subscription everything is deployed to (also AZURE_SUBSCRIPTION_ID of the app)."
  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a GUID."
  }
}

variable "location" {
  type        = string
  description = "Short Azure region name for every resource (e.g. westeurope); pick one with three availability zones and Flex Consumption."
  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location must be the short region name (lowercase letters and digits, e.g. westeurope)."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (hub, firewall, Route Server, spokes, clusters)."
  default     = "egp"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.name_prefix))
    error_message = "name_prefix must be 2-15 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "hub_resource_group_name" {
  type        = string
  description = "Resource group of the hub network, firewall, Route Server and the Function App."
  default     = "egress-pilot-hub"
  validation {
    condition     = can(regex("^[-\\w._()]{1,90}$", var.hub_resource_group_name))
    error_message = "hub_resource_group_name must be 1-90 letters, digits, '-', '_', '.', '(' or ')'."
  }
}

variable "spoke_resource_group_name" {
  type        = string
  description = "Resource group of every spoke VNet and AKS cluster (AKS_RESOURCE_GROUP of the app)."
  default     = "egress-pilot-spokes"
  validation {
    condition     = can(regex("^[-\\w._()]{1,90}$", var.spoke_resource_group_name))
    error_message = "spoke_resource_group_name must be 1-90 letters, digits, '-', '_', '.', '(' or ')'."
  }
}

variable "hub_address_space" {
  type        = list(string)
  description = "Hub VNet address space."
  default     = ["10.0.0.0/22"]
  validation {
    condition     = length(var.hub_address_space) > 0 && alltrue([for c in var.hub_address_space : can(cidrnetmask(c))])
    error_message = "hub_address_space must be a non-empty list of IPv4 CIDRs."
  }
}

variable "firewall_subnet_prefix" {
  type        = string
  description = "AzureFirewallSubnet prefix."
  default     = "10.0.0.0/24"
  validation {
    condition     = can(cidrnetmask(var.firewall_subnet_prefix))
    error_message = "firewall_subnet_prefix must be an IPv4 CIDR."
  }
}

variable "route_server_subnet_prefix" {
  type        = string
  description = "RouteServerSubnet prefix."
  default     = "10.0.1.0/24"
  validation {
    condition     = can(cidrnetmask(var.route_server_subnet_prefix))
    error_message = "route_server_subnet_prefix must be an IPv4 CIDR."
  }
}

variable "function_subnet_prefix" {
  type        = string
  description = "Prefix of the Function App integration subnet in the hub."
  default     = "10.0.2.0/26"
  validation {
    condition     = can(cidrnetmask(var.function_subnet_prefix))
    error_message = "function_subnet_prefix must be an IPv4 CIDR."
  }
}

variable "spokes" {
  type = map(object({
    address_space      = list(string)
    aks_subnet_prefix  = string
    kubernetes_version = optional(string)
    node_vm_size       = optional(string, "Standard_D4s_v5")
    node_count         = optional(number, 3)
  }))
  description = "Spokes keyed by a short name (used in resource names): each gets a VNet peered with the hub, an AKS subnet routed through the firewall, and an AKS cluster."
  default = {
    spoke1 = {
      address_space     = ["10.1.0.0/22"]
      aks_subnet_prefix = "10.1.0.0/24"
    }
  }
  validation {
    condition     = length(var.spokes) > 0 && alltrue([for k, s in var.spokes : can(regex("^[a-z][a-z0-9]{0,11}$", k))])
    error_message = "spokes must be non-empty and keyed by 1-12 lowercase letters/digits starting with a letter."
  }
  validation {
    condition     = alltrue([for s in var.spokes : alltrue([for c in concat(s.address_space, [s.aks_subnet_prefix]) : can(cidrnetmask(c))])])
    error_message = "every spoke address_space entry and aks_subnet_prefix must be an IPv4 CIDR."
  }
}

variable "zones" {
  type        = list(string)
  description = "Availability zones used by the firewall, Route Server IP and node pools."
  default     = ["1", "2", "3"]
  validation {
    condition     = length(var.zones) > 0 && alltrue([for z in var.zones : contains(["1", "2", "3"], z)])
    error_message = "zones must be a non-empty subset of \"1\", \"2\", \"3\"."
  }
}

variable "route_server_branch_to_branch" {
  type        = bool
  description = "Route Server branch-to-branch (route exchange with VPN/ExpressRoute gateways in the hub)."
  default     = false
}

variable "private_clusters" {
  type        = bool
  description = "Private AKS API servers (reached by the Function App through the hub). Terraform's ./calico stage then has to run from a network that reaches them."
  default     = true
}

variable "api_server_authorized_ip_ranges" {
  type        = list(string)
  description = "Public API servers only: CIDRs allowed to reach them."
  default     = []
  validation {
    condition     = alltrue([for c in var.api_server_authorized_ip_ranges : can(cidrnetmask(c))])
    error_message = "api_server_authorized_ip_ranges must be IPv4 CIDRs."
  }
}

variable "aks_admin_group_object_ids" {
  type        = list(string)
  description = "Entra groups with cluster-admin on every cluster (operators, and whoever runs ./calico)."
  default     = []
  validation {
    condition     = alltrue([for g in var.aks_admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", g))])
    error_message = "aks_admin_group_object_ids must be GUIDs."
  }
}

variable "aks_service_cidr" {
  type        = string
  description = "Kubernetes service CIDR of every cluster (outside hub, spokes and egress supernet)."
  default     = "172.16.0.0/16"
  validation {
    condition     = can(cidrnetmask(var.aks_service_cidr))
    error_message = "aks_service_cidr must be an IPv4 CIDR."
  }
}

variable "aks_dns_service_ip" {
  type        = string
  description = "kube-dns ClusterIP, inside aks_service_cidr."
  default     = "172.16.0.10"
  validation {
    condition     = can(cidrnetmask("${var.aks_dns_service_ip}/32"))
    error_message = "aks_dns_service_ip must be an IPv4 address."
  }
}

variable "aks_builtin_role" {
  type        = string
  description = "Optional built-in Kubernetes role for the app on every cluster (see modules/app-access); none by default."
  default     = "none"
}

variable "function_app_name" {
  type        = string
  description = "Name of the Function App (globally unique, at most 32 characters)."
}

variable "function_app_entra_auth" {
  type = object({
    tenant_id         = string
    client_id         = string
    allowed_audiences = optional(list(string), [])
    allowed_groups    = optional(list(string), [])
  })
  description = "Optional Entra ID sign-in (App Service authentication) in front of the web console /api/console; null = off. See modules/function-app's entra_auth."
  default     = null
}

variable "function_hosting" {
  type        = string
  description = "FlexConsumption or ElasticPremium."
  default     = "FlexConsumption"
  validation {
    condition     = contains(["FlexConsumption", "ElasticPremium"], var.function_hosting)
    error_message = "function_hosting must be FlexConsumption or ElasticPremium."
  }
}

variable "premium_package_url" {
  type        = string
  description = "ElasticPremium only: another package blob URL to run from (null = app-package/egress-pilot.zip, written by npm run deploy)."
  default     = null
}

variable "storage_account_name" {
  type        = string
  description = "Globally unique storage account name for the host, task hub, package and registry."
  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lowercase letters and digits."
  }
}

variable "task_hub_name" {
  type        = string
  description = "Durable Functions task hub name."
  default     = "EgressPilotHub"
}

variable "durable_backend" {
  type        = string
  description = "Durable Functions backend: AzureStorage (default) or DurableTaskScheduler (managed; see infra/README.md, Durable backend)."
  default     = "AzureStorage"
}

variable "egress_supernet" {
  type        = string
  description = "Supernet tenant egress pools are carved from (EGRESS_SUPERNET); must not overlap any VNet."
  default     = "10.99.0.0/16"
  validation {
    condition     = try(can(cidrnetmask(var.egress_supernet)) && cidrhost(var.egress_supernet, 0) == split("/", var.egress_supernet)[0], false)
    error_message = "egress_supernet must be an aligned IPv4 CIDR (e.g. 10.99.0.0/16)."
  }
}

variable "calico_asn" {
  type        = number
  description = "BGP AS number of the Calico nodes (CALICO_ASN); not one Route Server reserves."
  default     = 63400
  validation {
    condition     = var.calico_asn >= 1 && var.calico_asn <= 4294967294 && !contains([65515, 65517, 65518, 65519, 65520, 8074, 8075, 12076], var.calico_asn)
    error_message = "calico_asn must be 1..4294967294 and not 65515, 65517-65520, 8074, 8075 or 12076 (reserved by Route Server)."
  }
}

variable "app_events_topic_name" {
  type        = string
  description = "Name of the custom Event Grid topic for egress-pilot's own events."
  default     = "egress-pilot-events"
}

variable "event_subscriptions_enabled" {
  type        = bool
  description = "Create the Event Grid subscriptions to the app's trigger. Leave false until the app package is deployed (Azure validates the function exists)."
  default     = false
}

variable "trigger_function_name" {
  type        = string
  description = "Name of the app's Event Grid trigger function."
  default     = "clusterEvents"
}

variable "log_retention_days" {
  type        = number
  description = "Log Analytics retention in days."
  default     = 30
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource."
  default     = {}
}
