output "calico_edition" {
  description = "Calico edition installed on the cluster (enterprise or cloud)."
  value       = var.calico_edition
}

output "release_version" {
  description = "Chart version of the edition's release: Calico Enterprise tigera-operator, or calico-cloud (null = the repository's latest at install)."
  value       = one(concat(helm_release.calico_enterprise[*].version, helm_release.calico_cloud[*].version))
}

output "cluster_role_name" {
  description = "Name of the ClusterRole bound to egress-pilot's identity."
  value       = kubernetes_cluster_role_v1.egress_pilot.metadata[0].name
}
