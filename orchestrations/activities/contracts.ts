import type { Operation, Phase, Step } from '../../lib/domain/lifecycle/progress';
import type { EgressVerification } from '../../lib/domain/egress-verification';
import type { TenantRef } from '../lifecycle-input';

/** Where a tenant's allow rules live in the firewall policy. */
export interface FirewallPlacement {
  ruleCollectionGroup: string;
  ruleCollections: string[];
}

/** Input of `requestTenantFirewall`: what lifecycle run `run` wants in the policy (`force`: drift repair). */
export interface FirewallRequest extends TenantRef {
  run: number;
  state: 'open' | 'closed';
  force?: boolean;
}

/** External event the firewall writer raises on each lifecycle whose change a round carried (wakes its wait). */
export const FIREWALL_ROUND_CARRIED = 'FirewallRoundCarried';

/** Output of `advanceTenantFirewall` (input: the TenantRef). Poll until `complete`; `detail` says queued / writing / done. */
export interface FirewallAdvance {
  complete: boolean;
  detail: string;
  /** Complete and open: where the rules are. */
  placement?: FirewallPlacement;
  /** Complete, but the rules could not be placed (policy limits) or were refused by the intent gate: a failed step. */
  failure?: string;
}

/** What the orchestrator records in the registry at each step, so GET can answer from one read. */
export interface TenantProgressRecord {
  tenant: TenantRef;
  operation: Operation;
  phase: Phase;
  steps: Step[];
  routes?: { expected: string[]; learned: Record<string, number> };
  firewall?: FirewallPlacement;
  error?: string;
  instanceId: string;
  /** The last egress verification of this lifecycle, if it ran one. */
  egress?: EgressVerification;
}
