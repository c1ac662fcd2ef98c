provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
}

# Local accounts are disabled: Terraform authenticates like a person would, with an Entra token from
# kubelogin (Azure CLI login). The caller needs Kubernetes admin rights on the cluster (an admin group
# of the cluster, or Azure Kubernetes Service RBAC Cluster Admin) and network reach to the API server.
locals {
  kube_host = data.azurerm_kubernetes_cluster.this.kube_config[0].host
  kube_ca   = base64decode(data.azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate)
  kube_exec = {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "kubelogin"
    # 6dae42f8-...: the AKS Entra server application, audience of every AKS API server token.
    args = ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]
  }
}

provider "kubernetes" {
  host                   = local.kube_host
  cluster_ca_certificate = local.kube_ca
  exec {
    api_version = local.kube_exec.api_version
    command     = local.kube_exec.command
    args        = local.kube_exec.args
  }
}

provider "helm" {
  kubernetes = {
    host                   = local.kube_host
    cluster_ca_certificate = local.kube_ca
    exec                   = local.kube_exec
  }
}
