output "tigera_operator_version" {
  description = "Installed tigera-operator chart version."
  value       = module.calico.release_version
}

output "app_cluster_role" {
  description = "ClusterRole bound to egress-pilot's identity on this cluster."
  value       = module.calico.cluster_role_name
}
