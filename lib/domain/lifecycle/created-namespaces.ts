import { MANAGED_BY } from '../kube-objects';

/**
 * Application namespaces egress-pilot creates when a spec asks for them (`createNamespaces`). The
 * annotation names the tenant they were made for: offboarding deletes only those, and only when
 * nothing else runs in them.
 */
export const CREATED_FOR_ANNOTATION = 'egress-pilot.io/created-for-tenant';

export function createdNamespace(namespace: string, tenant: string): { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } } {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { ...MANAGED_BY }, annotations: { [CREATED_FOR_ANNOTATION]: tenant } } };
}

/** The tenant a namespace was created for, if egress-pilot created it. */
export function createdFor(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  return annotations?.[CREATED_FOR_ANNOTATION] || undefined;
}
