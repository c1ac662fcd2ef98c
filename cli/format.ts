/**
 * How each answer is printed: `--output json` and `yaml` print the API's answer as it came; `table` (the
 * default) prints what a person reads first. Pure: strings in, strings out.
 */
import Table from 'cli-table3';
import { stringify } from 'yaml';
import type { CapacityInfo, ClusterInfo, DriftInfo, TenantView } from './api-types';
import { firewallStage, firewallStep, routesSummary, stepDuration } from './progress';

export const OUTPUTS = ['table', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

/** json / yaml of the API's answer; undefined for table (the caller picks the table). */
export function structured(value: unknown, output: Output): string | undefined {
  if (output === 'json') return JSON.stringify(value, null, 2);
  if (output === 'yaml') return stringify(value).trimEnd();
  return undefined;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

const firewallCell = (view: TenantView): string => {
  if (view.firewall?.ruleCollectionGroup) return view.firewall.ruleCollectionGroup;
  return firewallStage(firewallStep(view)) ?? '-';
};

export function tenantsTable(items: readonly TenantView[]): string {
  if (items.length === 0) return 'no tenants';
  return table(['CLUSTER', 'NAME', 'PHASE', 'CIDR', 'ROUTES LEARNED', 'FIREWALL'],
    items.map((t) => [t.cluster, t.name, t.phase, t.cidr ?? '-', routesSummary(t.routes) ?? '-', firewallCell(t)]));
}

export function tenantDetail(view: TenantView, now: number): string {
  const lines = [
    `tenant    ${view.cluster}/${view.name}`,
    `phase     ${view.phase}${view.operation ? ` (${view.operation})` : ''}`,
    `CIDR      ${view.cidr ?? '-'}`,
    `routes    ${routesSummary(view.routes) ?? '-'}${view.routes.expected.length > 0 ? ` (expected ${view.routes.expected.join(', ')})` : ''}`,
    `firewall  ${view.firewall?.ruleCollectionGroup ? `${(view.firewall.ruleCollections ?? []).join(', ')} in ${view.firewall.ruleCollectionGroup}` : (firewallStage(firewallStep(view)) ?? '-')}`,
  ];
  if (view.error) lines.push(`error     ${view.error}`);
  if (view.lastAttempt) lines.push(`last attempt failed${view.lastAttempt.step ? ` at ${view.lastAttempt.step}` : ''}: ${view.lastAttempt.error ?? ''}`);
  if (view.steps.length > 0) {
    lines.push(table(['STEP', 'STATE', 'TOOK', 'DETAIL'], view.steps.map((s) => [s.name, s.state, stepDuration(s, now) ?? '', s.detail ?? ''])));
  }
  return lines.join('\n');
}

export function clustersTable(clusters: readonly ClusterInfo[]): string {
  if (clusters.length === 0) return 'no AKS clusters';
  return table(['CLUSTER', 'AKS', 'BOOTSTRAP', 'ROUTE REFLECTORS', 'PEERING', 'TENANTS', 'ROUTES/PEER'], clusters.map((c) => [
    c.name, c.provisioningState,
    `${c.bootstrap.state}${c.bootstrap.step ? ` (${c.bootstrap.step})` : ''}${c.bootstrap.error ? `: ${c.bootstrap.error}` : ''}`,
    c.routeReflectors.map((r) => `${r.ip} ${r.routeServerConnection?.state ?? 'not peered'}`).join('\n') || (c.unreachable ? `unreachable: ${c.unreachable}` : '-'),
    c.peering.inSync ? 'in sync' : c.peering.problems.join('\n'),
    c.tenants.length,
    `${c.routeBudget.routesPerPeer}/${c.routeBudget.budgetPerPeer}`,
  ]));
}

export function driftSummary(drift: DriftInfo): string {
  const { report } = drift;
  const lines = [`drift check ${drift.checkedAt}: ${report.clean ? 'clean' : 'DRIFT'} (${report.checkedTenants} tenant(s) checked)`];
  for (const t of report.tenants) lines.push(`  tenant ${t.tenant}: ${t.problems.join('; ')}`);
  for (const c of report.clusters ?? []) lines.push(`  cluster ${c.cluster}: ${c.problems.join('; ')}`);
  for (const r of drift.repairs ?? []) lines.push(`  repair ${r.tenant}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''}`);
  for (const r of drift.resyncs ?? []) lines.push(`  re-sync ${r.cluster}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''}`);
  return lines.join('\n');
}

const percent = (used: number, limit: number): string => (limit > 0 ? `${Math.round((used / limit) * 100)}%` : '-');

export function capacitySummary(capacity: CapacityInfo): string {
  const parts: string[] = [];
  parts.push(table(['CLUSTER', 'EGRESS POOL', `FREE /${capacity.nextTenant.prefixLength}`, 'USED', 'TENANTS'], capacity.clusters.map((c) => [
    c.cluster, c.egressPool.supernet, `${c.egressPool.freeBlocks}/${c.egressPool.totalBlocks}`, c.egressPool.usedBlocks,
    c.egressPool.tenants.map((t) => `${t.tenant} ${t.cidr}`).join('\n') || '-',
  ])));
  const peers = capacity.clusters.flatMap((c) => c.routeReflectors.map((p) => [c.cluster, p.peer, p.state ?? '', p.routesAdvertised, p.routesReserved ?? '', p.routeBudget, p.limit, percent(p.routesAdvertised, p.limit)]));
  parts.push(peers.length > 0 ? table(['CLUSTER', 'PEER', 'STATE', 'ROUTES', 'RESERVED', 'BUDGET', 'LIMIT', 'USE'], peers) : 'no Route Server peers');
  for (const policy of capacity.firewallPolicies) {
    parts.push(`firewall policy ${policy.policy}`);
    parts.push(policy.ruleCollectionGroups.length > 0
      ? table(['GROUP', 'PRIORITY', 'TENANTS', 'RULES', 'SRC×DST PAIRS', 'SIZE'], policy.ruleCollectionGroups.map((g) => [
        g.name, g.priority, g.tenants.join('\n') || '-', g.rules, g.sourceDestinationPairs,
        g.estimatedBytes !== undefined && g.limitBytes ? `${g.estimatedBytes} B (${percent(g.estimatedBytes, g.limitBytes)})` : '',
      ]))
      : '  no rule collection groups');
  }
  const next = capacity.nextTenant;
  parts.push(`next tenant (/${next.prefixLength}, ${next.replicas} replicas): ${next.fits ? 'fits' : 'does NOT fit'}`);
  for (const c of next.perCluster) parts.push(`  ${c.cluster}: ${c.fits ? 'fits' : c.reasons.join('; ')}`);
  return parts.join('\n');
}
