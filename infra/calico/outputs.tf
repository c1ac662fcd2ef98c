output "calico_edition" {
  description = "Calico edition on this cluster (enterprise or cloud)."
  value       = module.calico.calico_edition
}

output "calico_release_version" {
  description = "Chart version of the edition's release (Calico Enterprise tigera-operator, or calico-cloud)."
  value       = module.calico.release_version
}

output "app_cluster_role" {
  description = "ClusterRole bound to egress-pilot's identity on this cluster."
  value       = module.calico.cluster_role_name
}
