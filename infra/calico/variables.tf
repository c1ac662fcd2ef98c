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

variable "calico_version" {
  type        = string
  description = "Calico / tigera-operator chart version, e.g. v3.32.1."
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
