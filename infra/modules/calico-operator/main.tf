# Calico on one BYO CNI cluster in an edition that serves egress gateways (Calico Enterprise or Calico
# Cloud; calico_edition refuses open source), and the exact Kubernetes rights egress-pilot needs there.
# The nodes are NotReady until the operator runs: it tolerates that (host network, every taint) and
# brings the CNI up. What each step rests on: infra/README.md, "Calico edition".

locals {
  enterprise = var.calico_edition == "enterprise"
  cloud      = var.calico_edition == "cloud"

  # operator.tigera.io/v1 Installation spec (the chart's `installation` values minus its own `enabled`).
  # The operator owns the IP pools listed here and reconciles them, so the default pool is declared
  # exactly as egress-pilot wants it: not exported over BGP (only the egress supernet is).
  installation = {
    kubernetesProvider = "AKS"
    cni                = { type = "Calico" }
    calicoNetwork = {
      # BGP on: route reflectors peer with Route Server. Pod traffic between nodes is VXLAN; the
      # egress gateway pools egress-pilot creates use vxlanMode Never.
      bgp = "Enabled"
      ipPools = [{
        name             = "default-ipv4-ippool"
        cidr             = var.pod_cidr
        encapsulation    = "VXLAN"
        natOutgoing      = "Enabled"
        nodeSelector     = "all()"
        disableBGPExport = true
      }]
    }
  }
}

# Calico Cloud joins a cluster that already runs Calico Open Source (Calico Cloud "System requirements":
# AKS with Calico Open Source 3.20 or later as the CNI), so the cloud edition first installs it here.
resource "helm_release" "tigera_operator" {
  count            = local.cloud ? 1 : 0
  name             = "calico"
  repository       = var.chart_repository
  chart            = "tigera-operator"
  version          = var.calico_version
  namespace        = "tigera-operator"
  create_namespace = true
  wait             = true
  timeout          = 900

  values = [yamlencode({ installation = merge({ enabled = true }, local.installation) })]
}

# Calico Cloud "Connect a cluster to Calico Cloud" (Helm) / "Install Calico Cloud as part of an automated
# workflow": the calico-cloud-crds chart, then the calico-cloud chart (its Installer resource) with the
# apiKey, installer.clusterName and installer.calicoCloudVersion of the web console's Connect Cluster command.
resource "helm_release" "calico_cloud_crds" {
  count            = local.cloud ? 1 : 0
  name             = "calico-cloud-crds"
  repository       = var.cloud_chart_repository
  chart            = "calico-cloud-crds"
  version          = var.cloud_chart_version
  namespace        = "calico-cloud"
  create_namespace = true

  depends_on = [helm_release.tigera_operator]
}

resource "helm_release" "calico_cloud" {
  count      = local.cloud ? 1 : 0
  name       = "calico-cloud"
  repository = var.cloud_chart_repository
  chart      = "calico-cloud"
  version    = var.cloud_chart_version
  namespace  = "calico-cloud"
  wait       = true
  timeout    = 1800

  # The token goes in its own values document (sensitive, hidden in plans), not through `set`.
  values = [
    yamlencode({ installer = { clusterName = var.cluster_name, calicoCloudVersion = var.cloud_version } }),
    yamlencode({ apiKey = var.cloud_api_key }),
  ]

  depends_on = [helm_release.calico_cloud_crds]
}

# Calico Enterprise 3.22 "Helm" step 1 links "Configure a storage class for Calico Enterprise": log
# storage (Elasticsearch) claims volumes of class tigera-elasticsearch; this is that page's AKS example.
resource "kubernetes_storage_class_v1" "tigera_elasticsearch" {
  count = local.enterprise ? 1 : 0
  metadata {
    name = "tigera-elasticsearch"
  }
  storage_provisioner    = "disk.csi.azure.com"
  reclaim_policy         = "Retain"
  volume_binding_mode    = "WaitForFirstConsumer"
  allow_volume_expansion = true
  parameters = {
    cachingmode        = "ReadOnly"
    kind               = "Managed"
    storageaccounttype = "StandardSSD_LRS"
  }
}

# Calico Enterprise 3.22 "Helm": tigera-ee/tigera-operator (operator + CRDs) into tigera-operator with
# --set-file imagePullSecrets.tigera-pull-secret, tigera-prometheus-operator.imagePullSecrets.tigera-pull-secret
# and licenseKeyContent. The secrets go in a values document rather than set_sensitive: `set` runs Helm's
# --set parser, which splits a config.json at its commas; a values string is what --set-file gives.
resource "helm_release" "calico_enterprise" {
  count            = local.enterprise ? 1 : 0
  name             = "calico-enterprise"
  repository       = var.enterprise_chart_repository
  chart            = "tigera-operator"
  version          = var.enterprise_chart_version
  namespace        = "tigera-operator"
  create_namespace = true
  wait             = true
  timeout          = 1800

  values = [
    yamlencode({ installation = merge({ enabled = true, variant = "TigeraSecureEnterprise" }, local.installation) }),
    yamlencode({
      imagePullSecrets             = { "tigera-pull-secret" = var.enterprise_pull_secret }
      "tigera-prometheus-operator" = { imagePullSecrets = { "tigera-pull-secret" = var.enterprise_pull_secret } }
      licenseKeyContent            = var.enterprise_license_key
    }),
  ]

  depends_on = [kubernetes_storage_class_v1.tigera_elasticsearch]
}

# What the app does in a cluster (lib/adapters/kubernetes): tenant namespaces, route-reflector node
# labels, Calico BGP/IPAM/egress resources (cluster-scoped), EgressGateway objects (namespaced).
resource "kubernetes_cluster_role_v1" "egress_pilot" {
  metadata {
    name = "egress-pilot"
  }

  rule {
    api_groups = [""]
    resources  = ["namespaces"]
    verbs      = ["get", "list", "watch", "create", "patch", "update", "delete"]
  }

  rule {
    api_groups = [""]
    resources  = ["nodes"]
    verbs      = ["get", "list", "watch", "patch"]
  }

  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["get", "list", "watch"]
  }

  rule {
    api_groups = ["projectcalico.org"]
    resources  = ["ippools", "bgpconfigurations", "bgppeers", "bgpfilters", "felixconfigurations", "egressgatewaypolicies"]
    verbs      = ["get", "list", "watch", "create", "patch", "update", "delete"]
  }

  rule {
    api_groups = ["operator.tigera.io"]
    resources  = ["egressgateways"]
    verbs      = ["get", "list", "watch", "create", "patch", "update", "delete"]
  }

  rule {
    api_groups = ["operator.tigera.io"]
    resources  = ["tigerastatuses"]
    verbs      = ["get", "list", "watch"]
  }

  # The verifyEgress probe (lib/adapters/kubernetes/probe-job.ts): a Job in a tenant application namespace,
  # waited for (get), its pod's log read, then deleted. Cluster-wide: tenant namespaces are not known here.
  rule {
    api_groups = ["batch"]
    resources  = ["jobs"]
    verbs      = ["get", "create", "delete"]
  }

  rule {
    api_groups = [""]
    resources  = ["pods/log"]
    verbs      = ["get"]
  }
}

# With Entra ID integration a service principal's Kubernetes user name is its object ID.
resource "kubernetes_cluster_role_binding_v1" "egress_pilot" {
  metadata {
    name = "egress-pilot"
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = kubernetes_cluster_role_v1.egress_pilot.metadata[0].name
  }

  subject {
    api_group = "rbac.authorization.k8s.io"
    kind      = "User"
    name      = var.app_principal_id
  }
}
