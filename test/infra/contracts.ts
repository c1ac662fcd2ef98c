/**
 * Pure checks for the two non-HCL contracts of infra/: ARM actions ↔ adapter SDK calls, and the
 * Kubernetes ClusterRole ↔ the kinds the domain renders. Each returns problems; empty means it holds.
 */
import type { ArmPermission } from '../../lib/adapters/azure-permissions';

/** Listed actions no custom role grants (the app would get 403s). */
export function ungrantedActions(listed: Iterable<string>, granted: ReadonlySet<string>): string[] {
  return [...listed].filter((a) => !granted.has(a)).map((a) => `action ${a} is listed but no custom role grants it`);
}

/** Listed permissions whose SDK method (`Client.group.method`) is not called anywhere in the adapter sources. */
export function uncalledPermissions(permissions: ReadonlyArray<ArmPermission>, adapterSource: string): string[] {
  return permissions
    .filter((p) => {
      const [, group, method] = p.calledBy.split('.');
      return !group || !method || !new RegExp(`\\.${group}\\.${method}\\(`).test(adapterSource);
    })
    .map((p) => `${p.action}: ${p.calledBy} is not called by lib/adapters`);
}

export interface PolicyRule {
  api_groups: string[];
  resources: string[];
  verbs: string[];
}

/** `group/plural verb` pairs the rules do not allow. */
export function missingGrants(rules: readonly PolicyRule[], needs: ReadonlyArray<{ group: string; plural: string; verbs: string[] }>): string[] {
  const missing: string[] = [];
  for (const need of needs) {
    for (const verb of need.verbs) {
      const ok = rules.some((r) => r.api_groups.includes(need.group) && r.resources.includes(need.plural) && r.verbs.includes(verb));
      if (!ok) missing.push(`${verb} ${need.group}/${need.plural}`);
    }
  }
  return missing;
}
