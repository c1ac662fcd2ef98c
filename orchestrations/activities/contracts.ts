import type { Operation, Phase, Step } from '../../lib/domain/lifecycle/progress';
import type { TenantRef } from '../lifecycle-input';

/** Where a tenant's allow rules live in the firewall policy. */
export interface FirewallPlacement {
  ruleCollectionGroup: string;
  ruleCollections: string[];
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
}
