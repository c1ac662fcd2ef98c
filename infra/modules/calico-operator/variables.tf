variable "calico_edition" {
  type        = string
  description = "Calico edition on this cluster: \"enterprise\" (Calico Enterprise: Tigera's Enterprise operator chart with a license key and image pull secret) or \"cloud\" (Calico Open Source, then joined to Calico Cloud with an install token)."
  # Why no "open-source": EgressGateway, EgressGatewayPolicy and Felix egressIPSupport exist only in
  # Calico Enterprise and Calico Cloud; the app's cluster bootstrap would fail on an open-source cluster.
  validation {
    condition     = contains(["enterprise", "cloud"], var.calico_edition)
    error_message = "calico_edition must be \"enterprise\" or \"cloud\". The open-source edition is refused: egress-pilot's egress gateways need operator.tigera.io/v1 EgressGateway, projectcalico.org/v3 EgressGatewayPolicy and Felix egressIPSupport, which only Calico Enterprise and Calico Cloud serve. Set calico_edition = \"enterprise\" with enterprise_license_key and enterprise_pull_secret (from Tigera), or calico_edition = \"cloud\" with cloud_api_key and cloud_version (Calico Cloud web console, Managed Clusters > Connect Cluster)."
  }
}

variable "calico_version" {
  type        = string
  description = "Calico Open Source release installed before joining Calico Cloud (edition \"cloud\"); the tigera-operator chart is versioned the same (the Installation values are checked against that release's CRD)."
  default     = "v3.32.1"
  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.calico_version))
    error_message = "calico_version must look like v3.32.1."
  }
}

variable "chart_repository" {
  type        = string
  description = "Helm repository of the open-source tigera-operator chart (edition \"cloud\")."
  default     = "https://docs.tigera.io/calico/charts"
  validation {
    condition     = startswith(var.chart_repository, "https://") || startswith(var.chart_repository, "oci://")
    error_message = "chart_repository must be an https:// or oci:// URL."
  }
}

variable "enterprise_chart_repository" {
  type        = string
  description = "Helm repository of Tigera's Calico Enterprise charts (docs.tigera.io, Calico Enterprise 3.22 \"Helm\": helm repo add tigera-ee https://downloads.tigera.io/ee/charts)."
  default     = "https://downloads.tigera.io/ee/charts"
  validation {
    condition     = startswith(var.enterprise_chart_repository, "https://") || startswith(var.enterprise_chart_repository, "oci://")
    error_message = "enterprise_chart_repository must be an https:// or oci:// URL."
  }
}

variable "enterprise_chart_version" {
  type        = string
  description = "Calico Enterprise tigera-operator chart version (v3.22.7-0 = Calico Enterprise 3.22.7, whose operator chart still carries the CRDs; 3.23 moved them to a separate chart)."
  default     = "v3.22.7-0"
  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9.]+)?$", var.enterprise_chart_version))
    error_message = "enterprise_chart_version must look like v3.22.7-0."
  }
}

variable "enterprise_license_key" {
  type        = string
  description = "Calico Enterprise license: the content of the LicenseKey manifest Tigera sends (<customer>-license.yaml), passed to the chart as licenseKeyContent. Required when calico_edition = \"enterprise\"."
  default     = null
  sensitive   = true
  validation {
    condition     = var.calico_edition != "enterprise" || can(regex("kind:\\s*LicenseKey", var.enterprise_license_key))
    error_message = "calico_edition \"enterprise\" needs enterprise_license_key: the content of the LicenseKey manifest from Tigera (a YAML document with kind: LicenseKey)."
  }
}

variable "enterprise_pull_secret" {
  type        = string
  description = "Docker config.json from Tigera (robot account for quay.io) that pulls the Calico Enterprise images; becomes the tigera-pull-secret image pull secret. Required when calico_edition = \"enterprise\"."
  default     = null
  sensitive   = true
  validation {
    condition     = var.calico_edition != "enterprise" || can(jsondecode(var.enterprise_pull_secret).auths)
    error_message = "calico_edition \"enterprise\" needs enterprise_pull_secret: the Docker config.json from Tigera (a JSON object with \"auths\")."
  }
}

variable "cloud_chart_repository" {
  type        = string
  description = "Helm repository of the Calico Cloud installer charts (docs.tigera.io, Calico Cloud \"Connect a cluster to Calico Cloud\" / \"Install Calico Cloud as part of an automated workflow\")."
  default     = "https://installer.calicocloud.io/charts"
  validation {
    condition     = startswith(var.cloud_chart_repository, "https://")
    error_message = "cloud_chart_repository must be an https:// URL."
  }
}

variable "cloud_chart_version" {
  type        = string
  description = "Version of the calico-cloud and calico-cloud-crds charts; null installs the repository's latest, as the commands the Calico Cloud web console generates do."
  default     = null
}

variable "cloud_version" {
  type        = string
  description = "Calico Cloud release to install (the chart's installer.calicoCloudVersion, e.g. v19.1.0 in Tigera's example). Required when calico_edition = \"cloud\"."
  default     = null
  validation {
    condition     = var.calico_edition != "cloud" || can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.cloud_version))
    error_message = "calico_edition \"cloud\" needs cloud_version, the Calico Cloud release shown in the Connect Cluster command (installer.calicoCloudVersion, like v19.1.0)."
  }
}

variable "cloud_api_key" {
  type        = string
  description = "Calico Cloud install token: the apiKey of the Helm command the Calico Cloud web console generates (Managed Clusters > Connect Cluster). Required when calico_edition = \"cloud\"."
  default     = null
  sensitive   = true
  validation {
    condition     = var.calico_edition != "cloud" || try(trimspace(var.cloud_api_key), "") != ""
    error_message = "calico_edition \"cloud\" needs cloud_api_key: the apiKey from the Calico Cloud web console's Connect Cluster command."
  }
}

variable "cluster_name" {
  type        = string
  description = "Name of the cluster; with Calico Cloud it is the managed cluster's name there (installer.clusterName)."
  validation {
    condition     = length(var.cluster_name) > 0
    error_message = "cluster_name must not be empty."
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
