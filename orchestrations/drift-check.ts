import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { diffDrift, withClusterDrift, type ClusterActual, type DriftReport } from '../lib/domain/drift';
import { judgeClusterPeering, type ClusterPeering, type ClusterReflectors } from '../lib/domain/bootstrap/cluster-peering';
import { clusterBootstrapInstanceId, type BootstrapInput } from './bootstrap-input';
import { callStep, StepFailed, transientRetry, type Outcome } from './activity-outcome';
import type { ClusterPeeringInputs, DriftInputs } from './activities/drift-steps';
import { parseTenantKey } from '../lib/domain/names';
import { convergeTenantFirewall } from './firewall-converge';
import type { LifecycleInput } from './lifecycle-input';
import { lifecycleInstanceId } from '../lib/domain/lifecycle/progress';

type Gen<T> = Generator<Task, T, unknown>;

export interface DriftCheckInput {
  supernet: string;
  repair: boolean;
  /** How long one tenant's repair waits for the firewall writer (default 10 min). */
  firewallDeadlineSeconds?: number;
  /**
   * DRIFT_VERIFY_EGRESS: after repairs, re-verify the egress of every Ready or Degraded tenant (its lifecycle
   * with no changes, so only verifyEgress runs). The settings its lifecycle input carries. Absent: off.
   */
  verifyEgress?: Omit<LifecycleInput, 'cluster' | 'name' | 'operation' | 'changes' | 'resumeOf'>;
}

/** What the scheduled verification did for one tenant. */
export interface VerifyOutcome {
  tenant: string;
  outcome: 'Ready' | 'Degraded' | 'skipped' | 'failed';
  detail?: string;
}

/** What repair did to one cluster whose peering drifted: its bootstrap run again (a re-sync). */
export interface ResyncOutcome {
  cluster: string;
  outcome: 'resynced' | 'skipped' | 'failed';
  detail?: string;
}

/** How long the drift check waits for one re-sync: the bootstrap's polled steps, each within its deadline. */
const resyncDeadlines = 6;

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
  const peerings = inputs.peering ? yield* readPeerings(inputs.peering) : [];
  const tenantReport = diffDrift({ supernet: input.supernet, registry: inputs.registry, clusters, firewallGroups: inputs.firewallGroups as FirewallPolicyRuleCollectionGroup[] });
  const report: DriftReport = inputs.peering ? withClusterDrift(tenantReport, peerings) : tenantReport;
  const outcomesOfRepair: RepairOutcome[] = [];
  const resyncs: ResyncOutcome[] = [];
  if (input.repair) {
    // Peering first: a tenant's routes cannot come back through a reflector Route Server does not peer with.
    for (const cluster of peerings.filter((p) => p.needsResync)) {
      context.df.setCustomStatus({ step: 'resyncing', cluster: cluster.cluster });
      resyncs.push(yield* resync(cluster, inputs.peering!));
    }
    for (const drift of report.tenants) {
      context.df.setCustomStatus({ step: 'repairing', tenant: drift.tenant });
      outcomesOfRepair.push(yield* repairTenant(drift.tenant));
    }
  }
  const verified: VerifyOutcome[] = [];
  if (input.verifyEgress) {
    for (const tenant of inputs.registry.filter((t) => t.phase === 'Ready' || t.phase === 'Degraded')) {
      context.df.setCustomStatus({ step: 'verifying egress', tenant: `${tenant.spec.cluster}/${tenant.spec.name}` });
      verified.push(yield* verifyTenant({ cluster: tenant.spec.cluster, name: tenant.spec.name }, input.verifyEgress));
    }
  }
  const repaired = outcomesOfRepair.filter((o) => o.outcome === 'repaired').map((o) => o.tenant);
  const checkedAt = context.df.currentUtcDateTime.toISOString();
  yield* call<void>('recordDriftReport', { report, checkedAt, instanceId: context.df.instanceId, repaired, repairs: outcomesOfRepair, ...(inputs.peering ? { resyncs } : {}) });
  context.df.setCustomStatus({ step: 'done', clean: report.clean, drifted: report.tenants.length, repaired: repaired.length });
  return {
    clean: report.clean, drifted: report.tenants.map((t) => t.tenant), repaired, repairs: outcomesOfRepair,
    ...(inputs.peering ? { clusters: report.clusters, resyncs } : {}), ...(input.verifyEgress ? { verified } : {}),
  };

  /** Every usable AKS cluster's reflectors, read in parallel, judged against Route Server's connections. */
  function* readPeerings(peering: ClusterPeeringInputs): Gen<ClusterPeering[]> {
    if (peering.aksClusters.length === 0) return [];
    const reads = (yield context.df.Task.all(peering.aksClusters.map((c) => context.df.callActivityWithRetry('readClusterReflectors', retry, c)))) as Array<Outcome<ClusterReflectors>>;
    return reads.map((o, i) => judgeClusterPeering(o.ok ? o.value : { cluster: peering.aksClusters[i]!, reflectors: [], readyNodes: 0, unreachable: o.error }, peering.connections));
  }

  /**
   * The cluster's bootstrap again, as a sub-orchestration with the cluster's own instance id: the task
   * hub refuses it while another bootstrap of the cluster runs (Event Grid, POST), which is reported as
   * skipped. Raced against a timer, so a bootstrap that hangs or is terminated never holds the drift check.
   */
  function* resync(cluster: ClusterPeering, peering: ClusterPeeringInputs): Gen<ResyncOutcome> {
    const bootstrap: BootstrapInput = { cluster: cluster.cluster, reason: `drift check: ${cluster.problems[0] ?? 'peering drifted'}`, timing: peering.bootstrapTiming };
    const child = context.df.callSubOrchestrator('clusterBootstrap', bootstrap, clusterBootstrapInstanceId(cluster.cluster));
    const waitSeconds = peering.bootstrapTiming.deadlineSeconds * resyncDeadlines;
    const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + waitSeconds * 1000));
    const winner: unknown = yield context.df.Task.any([child, timer]);
    if (winner === timer) return { cluster: cluster.cluster, outcome: 'failed', detail: `bootstrap not finished within ${waitSeconds}s; GET /api/clusters shows it` };
    timer.cancel();
    if (child.isFaulted) {
      const message = child.result instanceof Error ? child.result.message : String(child.result);
      return /already exists/i.test(message)
        ? { cluster: cluster.cluster, outcome: 'skipped', detail: 'a bootstrap of the cluster is running' }
        : { cluster: cluster.cluster, outcome: 'failed', detail: message };
    }
    const output = child.result as { phase?: string; error?: string } | undefined;
    return output?.phase === 'Ready' ? { cluster: cluster.cluster, outcome: 'resynced' } : { cluster: cluster.cluster, outcome: 'failed', detail: output?.error ?? 'bootstrap did not finish Ready' };
  }

  /**
   * One tenant's scheduled verification: its own lifecycle (instance tenant:<cluster>:<name>, so never beside
   * a running one), which takes the tenant only if the record read here is still the one it finds.
   */
  function* verifyTenant(tenant: { cluster: string; name: string }, template: NonNullable<DriftCheckInput['verifyEgress']>): Gen<VerifyOutcome> {
    const key = `${tenant.cluster}/${tenant.name}`;
    try {
      const read = yield* call<{ phase: string; updatedAt: string } | { skipped: string }>('readVerifiableTenant', tenant);
      if ('skipped' in read) return { tenant: key, outcome: 'skipped', detail: read.skipped };
      const lifecycle: LifecycleInput = { ...template, ...tenant, operation: 'update', changes: { gateway: false, firewall: false }, resumeOf: read };
      const result = (yield context.df.callSubOrchestrator('tenantLifecycle', lifecycle, lifecycleInstanceId(tenant.cluster, tenant.name))) as { phase?: string; error?: string; skipped?: string } | undefined;
      if (result?.skipped) return { tenant: key, outcome: 'skipped', detail: result.skipped };
      return result?.phase === 'Ready' || result?.phase === 'Degraded'
        ? { tenant: key, outcome: result.phase, ...(result.error ? { detail: result.error } : {}) }
        : { tenant: key, outcome: 'failed', detail: result?.error ?? `ended ${result?.phase ?? 'without a phase'}` };
    } catch (error) {
      // A lifecycle of the tenant is running (the task hub refuses a second instance), or the read failed.
      return { tenant: key, outcome: 'skipped', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** One tenant; its failure is reported, never the drift check's failure. */
  function* repairTenant(key: string): Gen<RepairOutcome> {
    try {
      const claim = yield* call<{ run: number } | { skipped: string }>('claimTenantForRepair', key);
      if ('skipped' in claim) return { tenant: key, outcome: 'skipped', detail: claim.skipped };
      const owned = { ...parseTenantKey(key), run: claim.run };
      yield* call<unknown>('applyTenantGateway', owned);
      const { problem } = yield* convergeTenantFirewall(context, owned, 'open', { deadlineSeconds: input.firewallDeadlineSeconds ?? 600, initialSeconds: 2, maxSeconds: 30, force: true });
      return problem ? { tenant: key, outcome: 'failed', detail: problem } : { tenant: key, outcome: 'repaired' };
    } catch (error) {
      if (error instanceof StepFailed) return { tenant: key, outcome: 'failed', detail: error.message };
      throw error;
    }
  }
};

df.app.orchestration('driftCheck', driftCheck);
