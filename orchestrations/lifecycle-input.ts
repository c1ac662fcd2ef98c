import type { Operation } from '../lib/domain/lifecycle/progress';

/**
 * Everything an orchestration needs that is not in the registry. Settings travel in the input
 * because an orchestrator must not read the environment (replays must see the same values).
 */
export interface LifecycleInput {
  cluster: string;
  name: string;
  operation: Operation;
  /** For updates: which parts changed (against the serving spec), so only those are re-converged. */
  changes?: { gateway: boolean; firewall: boolean };
  timing: {
    routeDeadlineSeconds: number;
    pollInitialSeconds: number;
    pollMaxSeconds: number;
    /** How long a lifecycle waits for the firewall writer to carry its change (default 30 min). */
    firewallDeadlineSeconds?: number;
  };
  /** The verifyEgress step: retried with backoff for `deadlineSeconds`, then the tenant is Degraded. Absent: skipped. */
  egressVerify?: { deadlineSeconds: number };
  /** What a failed onboarding leaves: nothing (rollback) or its CIDR and Calico resources (keep; never its rules). */
  onRouteFailure: 'rollback' | 'keep';
  /** Application namespaces whose gateway annotations must be removed (dropped by an update, or all on offboarding). */
  removedNamespaces?: string[];
  /**
   * Set by the resume sweep: the record as it read it (stranded mid-way, no lifecycle running). The
   * lifecycle takes the tenant only if the record is still exactly that; if anything moved it on since
   * (an offboarding that finished, a new request), it does nothing: a sweep never resurrects.
   */
  resumeOf?: { phase: string; updatedAt: string };
}

export interface TenantRef {
  cluster: string;
  name: string;
}

/** Result of comparing learned routes with what the tenant's gateways should advertise. */
export interface RouteProgress {
  expected: string[];
  /** Per Route Server instance, how many of the expected prefixes it learned. */
  learned: Record<string, number>;
  /** Per instance, the expected prefixes it has not learned. */
  missing: Record<string, string[]>;
  complete: boolean;
  /** Why not complete yet, in words (gateway pods not ready, routes missing, ...). */
  detail: string;
}

export interface WithdrawalProgress {
  /** Per instance, routes inside the tenant CIDR still learned. */
  remaining: Record<string, string[]>;
  complete: boolean;
}

/** Where the firewall writer stands with the tenant's latest intent (advanceTenantFirewall). */
export interface FirewallProgress {
  complete: boolean;
  /** queued / writing / done, in words. */
  detail: string;
  placement?: { ruleCollectionGroup: string; ruleCollections: string[] };
  /** Set when the writer could not place the rules (policy limits): retrying will not help. */
  failure?: string;
}
