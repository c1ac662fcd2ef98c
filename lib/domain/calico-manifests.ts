/** Calico manifests: one import for the tenant renderer, the cluster renderer and the pool rules. */
export * from './calico-tenant';
export * from './calico-cluster';
export * from './ippool-rules';
export type * from './kube-objects';
export { CALICO_API, OPERATOR_API, MANAGED_BY, TENANT_LABEL } from './kube-objects';
