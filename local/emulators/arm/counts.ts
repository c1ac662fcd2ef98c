import type { Counters } from './knobs';

/**
 * Readings of the emulator's counters that benchmarks and tests share: the ARM calls a route wait
 * makes, and the firewall policy writes with every refusal, as ARM would count them.
 */

/** Operations behind "what did Route Server learn from this cluster": the cluster, its credentials, the connection list, learned routes. */
export const ROUTE_READ_OPERATIONS = [
  'managedClusters.get',
  'managedClusters.listClusterUserCredentials',
  'virtualHubBgpConnections.list',
  'virtualHubBgpConnections.listLearnedRoutes',
] as const;

/** Route reads: requests of those operations (`calls`), and with the learnedRoutes LRO polls added (`requests`). */
export function routeReads(c: Counters): { calls: number; lroPolls: number; requests: number; byOperation: Record<string, number> } {
  const byOperation = Object.fromEntries(ROUTE_READ_OPERATIONS.map((op) => [op, c.requests[op] ?? 0]));
  const calls = Object.values(byOperation).reduce((a, b) => a + b, 0);
  const lroPolls = c.lroPolls['virtualHubBgpConnections.listLearnedRoutes'] ?? 0;
  return { calls, lroPolls, requests: calls + lroPolls, byOperation };
}

const POLICY_WRITES = [
  'firewallPolicies.createOrUpdate', 'firewallPolicies.delete',
  'firewallPolicyRuleCollectionGroups.createOrUpdate', 'firewallPolicyRuleCollectionGroups.delete',
] as const;

export interface PolicyWriteCounts {
  /** Every PUT/DELETE of a policy or rule collection group that reached the emulator, refused ones included. */
  attempts: number;
  accepted: number;
  /** Refused because the policy was busy (409 AnotherOperationInProgress / 429 RetryableErrorDueToAnotherOperation). */
  busy: number;
  /** Answers by status (201, 200, 202, 409, 412, 429, 5xx…) over those operations. */
  byStatus: Record<string, number>;
  /** GETs of policies and groups (the read before a write), and LRO polls of the writes. */
  reads: number;
  lroPolls: number;
  /** Sum of the accepted writes' durations (ms): serialized per policy, this is the time the policy was busy. */
  busyMs: number;
}

export function policyWrites(c: Counters): PolicyWriteCounts {
  const attempts = POLICY_WRITES.reduce((s, op) => s + (c.requests[op] ?? 0), 0);
  const byStatus: Record<string, number> = {};
  for (const [key, n] of Object.entries(c.responses)) {
    const [op, status] = key.split(' ');
    if (op !== undefined && status !== undefined && (POLICY_WRITES as readonly string[]).includes(op)) byStatus[status] = (byStatus[status] ?? 0) + n;
  }
  const reads = ['firewallPolicies.get', 'firewallPolicyRuleCollectionGroups.get', 'firewallPolicyRuleCollectionGroups.list'].reduce((s, op) => s + (c.requests[op] ?? 0), 0);
  const lroPolls = POLICY_WRITES.reduce((s, op) => s + (c.lroPolls[op] ?? 0), 0);
  return {
    attempts, byStatus, reads, lroPolls,
    accepted: Object.values(c.policyWrites).reduce((a, b) => a + b, 0),
    busy: Object.values(c.policyBusyRejections).reduce((a, b) => a + b, 0),
    busyMs: c.policyWriteLog.reduce((s, w) => s + w.durationMs, 0),
  };
}

/** Every answer by status class, as ARM's budgets see them. */
export function answersByStatus(c: Counters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(c.responses)) {
    const status = Number(key.split(' ')[1]);
    const label = status >= 500 ? '5xx' : String(status);
    out[label] = (out[label] ?? 0) + n;
  }
  return out;
}

/** Calls refused by Azure RBAC (403 AuthorizationFailed), in all and per action. */
export function rbacRefusals(c: Counters): { total: number; byAction: Record<string, number> } {
  return { total: Object.values(c.refusedByRbac).reduce((a, b) => a + b, 0), byAction: { ...c.refusedByRbac } };
}
