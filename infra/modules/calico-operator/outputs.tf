output "release_version" {
  description = "Installed tigera-operator chart version."
  value       = helm_release.tigera_operator.version
}

output "cluster_role_name" {
  description = "Name of the ClusterRole bound to egress-pilot's identity."
  value       = kubernetes_cluster_role_v1.egress_pilot.metadata[0].name
}
