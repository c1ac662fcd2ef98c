variable "calico_version" {
  type        = string
  description = "Calico release; the tigera-operator chart is versioned the same (e.g. v3.32.1; the Installation values are checked against that release's CRD)."
  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.calico_version))
    error_message = "calico_version must look like v3.32.1."
  }
}

variable "chart_repository" {
  type        = string
  description = "Helm repository of the tigera-operator chart."
  default     = "https://docs.tigera.io/calico/charts"
  validation {
    condition     = startswith(var.chart_repository, "https://") || startswith(var.chart_repository, "oci://")
    error_message = "chart_repository must be an https:// or oci:// URL."
  }
}

variable "pod_cidr" {
  type        = string
  description = "Default Calico pod pool; must not overlap the VNets, the service CIDR or the egress supernet."
  default     = "10.244.0.0/16"
  validation {
    condition     = can(cidrnetmask(var.pod_cidr))
    error_message = "pod_cidr must be an IPv4 CIDR."
  }
}

variable "app_principal_id" {
  type        = string
  description = "Object ID of egress-pilot's managed identity (bound to the egress-pilot ClusterRole)."
  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.app_principal_id))
    error_message = "app_principal_id must be a GUID."
  }
}
