variable "subscription_id" {
  type        = string
  description = "Subscription of the cluster."
  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a GUID."
  }
}

variable "cluster_name" {
  type        = string
  description = "Name of the AKS cluster (output clusters of the platform stage)."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the cluster (AKS_RESOURCE_GROUP)."
}

variable "calico_edition" {
  type        = string
  description = "\"enterprise\" (Calico Enterprise) or \"cloud\" (join Calico Cloud); open source is refused: egress gateways need one of these (checked in modules/calico-operator)."
}

variable "calico_version" {
  type        = string
  description = "Calico Open Source / tigera-operator chart version installed before joining Calico Cloud (edition \"cloud\")."
  default     = "v3.32.1"
}

variable "enterprise_chart_version" {
  type        = string
  description = "Calico Enterprise tigera-operator chart version (edition \"enterprise\")."
  default     = "v3.22.7-0"
}

variable "enterprise_license_key" {
  type        = string
  description = "Content of the Calico Enterprise LicenseKey manifest from Tigera (edition \"enterprise\"); pass it with TF_VAR_enterprise_license_key, never on the command line."
  default     = null
  sensitive   = true
}

variable "enterprise_pull_secret" {
  type        = string
  description = "Docker config.json from Tigera that pulls the Calico Enterprise images (edition \"enterprise\"); pass it with TF_VAR_enterprise_pull_secret."
  default     = null
  sensitive   = true
}

variable "cloud_version" {
  type        = string
  description = "Calico Cloud release (installer.calicoCloudVersion of the web console's Connect Cluster command; edition \"cloud\")."
  default     = null
}

variable "cloud_chart_version" {
  type        = string
  description = "calico-cloud / calico-cloud-crds chart version; null = the repository's latest (edition \"cloud\")."
  default     = null
}

variable "cloud_api_key" {
  type        = string
  description = "Calico Cloud install token: the apiKey of the Connect Cluster command (edition \"cloud\"); pass it with TF_VAR_cloud_api_key."
  default     = null
  sensitive   = true
}

variable "pod_cidr" {
  type        = string
  description = "Default Calico pod pool CIDR."
  default     = "10.244.0.0/16"
}

variable "app_principal_id" {
  type        = string
  description = "Object ID of egress-pilot's identity (output app_principal_id of the platform stage)."
}
