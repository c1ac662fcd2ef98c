import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { diffDrift, type ClusterActual, type DriftReport } from '../lib/domain/drift';
import { callStep, transientRetry, type Outcome } from './activity-outcome';
import type { DriftInputs } from './activities/drift-steps';
import { parseTenantKey } from '../lib/domain/names';

type Gen<T> = Generator<Task, T, unknown>;

export interface DriftCheckInput {
  supernet: string;
  repair: boolean;
}

/**
 * The scheduled drift check: desired state from the registry, actual state read once per cluster
 * and once from the firewall policy, compared by the pure diff. With repair on, each drifted tenant
 * is re-converged by the same idempotent activities onboarding uses.
 */
export const driftCheck: OrchestrationHandler = function* (context: OrchestrationContext): Gen<unknown> {
  const input = context.df.getInput<DriftCheckInput>();
  const retry = transientRetry();
  const call = <T>(activity: string, activityInput?: unknown): Gen<T> => callStep<T>(context, activity, activityInput);
  context.df.setCustomStatus({ step: 'reading' });
  const inputs = yield* call<DriftInputs>('readDriftInputs');
  const outcomes = (yield context.df.Task.all(inputs.clusters.map((c) => context.df.callActivityWithRetry('readClusterActual', retry, c)))) as Array<Outcome<ClusterActual>>;
  const clusters = outcomes.map((o, i) => (o.ok ? o.value : { cluster: inputs.clusters[i]!, ipPools: [], egressGateways: [], learned: [], unreachable: o.error }));
  const report: DriftReport = diffDrift({ supernet: input.supernet, registry: inputs.registry, clusters, firewallGroups: inputs.firewallGroups as FirewallPolicyRuleCollectionGroup[] });
  const repaired: string[] = [];
  if (input.repair) {
    for (const drift of report.tenants) {
      context.df.setCustomStatus({ step: 'repairing', tenant: drift.tenant });
      const tenant = parseTenantKey(drift.tenant);
      yield* call<unknown>('applyTenantGateway', tenant);
      yield* call<unknown>('openTenantFirewall', { ...tenant, force: true });
      repaired.push(drift.tenant);
    }
  }
  const checkedAt = context.df.currentUtcDateTime.toISOString();
  yield* call<void>('recordDriftReport', { report, checkedAt, instanceId: context.df.instanceId, repaired });
  context.df.setCustomStatus({ step: 'done', clean: report.clean, drifted: report.tenants.length, repaired: repaired.length });
  return { clean: report.clean, drifted: report.tenants.map((t) => t.tenant), repaired };
};

df.app.orchestration('driftCheck', driftCheck);
