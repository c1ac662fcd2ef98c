# Second stage, once per cluster: Terraform cannot instantiate providers per element of a map, and
# helm/kubernetes need one provider configuration per cluster. Run it per spoke in its own workspace:
#   terraform -chdir=infra/calico workspace select -or-create=true spoke1 && terraform -chdir=infra/calico apply ... (../README.md)
data "azurerm_kubernetes_cluster" "this" {
  name                = var.cluster_name
  resource_group_name = var.resource_group_name
}

module "calico" {
  source                   = "../modules/calico-operator"
  calico_edition           = var.calico_edition
  calico_version           = var.calico_version
  enterprise_chart_version = var.enterprise_chart_version
  enterprise_license_key   = var.enterprise_license_key
  enterprise_pull_secret   = var.enterprise_pull_secret
  cloud_version            = var.cloud_version
  cloud_chart_version      = var.cloud_chart_version
  cloud_api_key            = var.cloud_api_key
  cluster_name             = var.cluster_name
  pod_cidr                 = var.pod_cidr
  app_principal_id         = var.app_principal_id
}
