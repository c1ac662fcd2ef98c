# Calico on one BYO CNI cluster, installed by the Tigera operator, and the exact Kubernetes rights
# egress-pilot needs there. The nodes are NotReady until this runs: the operator tolerates that
# (host network, tolerates every taint) and brings the CNI up.

locals {
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

resource "helm_release" "tigera_operator" {
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
