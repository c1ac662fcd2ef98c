# Second stage, once per cluster: Terraform cannot instantiate providers per element of a map, and
# helm/kubernetes need one provider configuration per cluster. Run it per spoke in its own workspace:
#   terraform -chdir=infra/calico workspace select -or-create=true spoke1 && terraform -chdir=infra/calico apply ... (../README.md)
data "azurerm_kubernetes_cluster" "this" {
  name                = var.cluster_name
  resource_group_name = var.resource_group_name
}

module "calico" {
  source           = "../modules/calico-operator"
  calico_version   = var.calico_version
  pod_cidr         = var.pod_cidr
  app_principal_id = var.app_principal_id
}
