import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { diffDrift, type ClusterActual, type DriftReport } from '../lib/domain/drift';
import { callStep, StepFailed, transientRetry, type Outcome } from './activity-outcome';
import type { DriftInputs } from './activities/drift-steps';
import type { FirewallProgress } from './lifecycle-input';
import { parseTenantKey } from '../lib/domain/names';
import { pollWithBackoff } from './polling';

type Gen<T> = Generator<Task, T, unknown>;

export interface DriftCheckInput {
  supernet: string;
  repair: boolean;
  /** How long one tenant's repair waits for the firewall writer (default 10 min). */
  firewallDeadlineSeconds?: number;
}

/** What repair did to one drifted tenant. */
export interface RepairOutcome {
  tenant: string;
  outcome: 'repaired' | 'skipped' | 'failed';
  detail?: string;
}

/**
 * The scheduled drift check: desired state from the registry, actual state read once per cluster
 * and once from the firewall policy, compared by the pure diff. With repair on, each drifted Ready
 * tenant is claimed fresh (skipped if anything moved it on) and re-converged by the same
 * run-checked activities a lifecycle uses; Failed tenants are reported, never repaired.
 */
export const driftCheck: OrchestrationHandler = function* (context: OrchestrationContext): Gen<unknown> {
  const input = context.df.getInput<DriftCheckInput>();
  const retry = transientRetry();
  const call = <T>(activity: string, activityInput?: unknown): Gen<T> => callStep<T>(context, activity, activityInput);
  context.df.setCustomStatus({ step: 'reading' });
  const inputs = yield* call<DriftInputs>('readDriftInputs');
  // Task.all refuses an empty list: with no tenant there is no cluster to read.
  const outcomes = inputs.clusters.length === 0
    ? []
    : (yield context.df.Task.all(inputs.clusters.map((c) => context.df.callActivityWithRetry('readClusterActual', retry, c)))) as Array<Outcome<ClusterActual>>;
  const clusters = outcomes.map((o, i) => (o.ok ? o.value : { cluster: inputs.clusters[i]!, ipPools: [], egressGateways: [], learned: [], unreachable: o.error }));
  const report: DriftReport = diffDrift({ supernet: input.supernet, registry: inputs.registry, clusters, firewallGroups: inputs.firewallGroups as FirewallPolicyRuleCollectionGroup[] });
  const outcomesOfRepair: RepairOutcome[] = [];
  if (input.repair) {
    for (const drift of report.tenants) {
      context.df.setCustomStatus({ step: 'repairing', tenant: drift.tenant });
      outcomesOfRepair.push(yield* repairTenant(drift.tenant));
    }
  }
  const repaired = outcomesOfRepair.filter((o) => o.outcome === 'repaired').map((o) => o.tenant);
  const checkedAt = context.df.currentUtcDateTime.toISOString();
  yield* call<void>('recordDriftReport', { report, checkedAt, instanceId: context.df.instanceId, repaired, repairs: outcomesOfRepair });
  context.df.setCustomStatus({ step: 'done', clean: report.clean, drifted: report.tenants.length, repaired: repaired.length });
  return { clean: report.clean, drifted: report.tenants.map((t) => t.tenant), repaired, repairs: outcomesOfRepair };

  /** One tenant; its failure is reported, never the drift check's failure. */
  function* repairTenant(key: string): Gen<RepairOutcome> {
    try {
      const claim = yield* call<{ run: number } | { skipped: string }>('claimTenantForRepair', key);
      if ('skipped' in claim) return { tenant: key, outcome: 'skipped', detail: claim.skipped };
      const owned = { ...parseTenantKey(key), run: claim.run };
      yield* call<unknown>('applyTenantGateway', owned);
      yield* call<unknown>('requestTenantFirewall', { ...owned, state: 'open', force: true });
      const deadlineSeconds = input.firewallDeadlineSeconds ?? 600;
      const firewall = yield* pollWithBackoff<FirewallProgress>(context, {
        activity: 'advanceTenantFirewall', input: parseTenantKey(key), deadlineSeconds, initialSeconds: 2, maxSeconds: 30,
      });
      if (!firewall.complete) return { tenant: key, outcome: 'failed', detail: `firewall not rewritten within ${deadlineSeconds}s: ${firewall.detail}` };
      if (firewall.failure) return { tenant: key, outcome: 'failed', detail: firewall.failure };
      return { tenant: key, outcome: 'repaired' };
    } catch (error) {
      if (error instanceof StepFailed) return { tenant: key, outcome: 'failed', detail: error.message };
      throw error;
    }
  }
};

df.app.orchestration('driftCheck', driftCheck);
