import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { currentStep, failStep, startStep, succeedStep, noteStep, type Step } from '../lib/domain/lifecycle/progress';
import { callStep, StepFailed } from './activity-outcome';
import { pollWithBackoff } from './polling';
import type { BootstrapInput, CalicoReadiness, ClusterReadiness, RouteReflector, RouteServerPeering, SessionProgress } from './bootstrap-input';

type Gen<T> = Generator<Task, T, unknown>;

const stepNames = ['waitForCluster', 'checkCalicoPrerequisites', 'applyClusterBgp', 'connectRouteServer', 'waitForSessions'] as const;

/** Peering rounds at most: one that waits for the new sessions before removing the last healthy one, then the rest. */
const maxPeeringRounds = 3;

/**
 * Cluster bootstrap / re-sync, started by Event Grid when an AKS cluster is written or a node pool
 * rolled, by POST /api/clusters/{name}/bootstrap, or by the drift check: the walkthrough's step 3 done
 * for you. Wait until AKS says the cluster is usable, check that it runs Calico Enterprise or Calico
 * Cloud (before the first write, so the wrong edition fails with a message that says so), apply
 * the Calico BGP set-up with route reflectors, peer Route Server with exactly those reflectors,
 * and wait until every session is Connected. Every step is idempotent, so events may repeat.
 * At Route Server's peer limit the peering goes in rounds: stale connections make room, and the
 * cluster's last healthy session stays until the new ones are Connected (lib/domain/bootstrap).
 */
export const clusterBootstrap: OrchestrationHandler = function* (context: OrchestrationContext): Gen<unknown> {
  const input = context.df.getInput<BootstrapInput>();
  const now = (): string => context.df.currentUtcDateTime.toISOString();
  let steps: Step[] = stepNames.map((name) => ({ name, state: 'Pending' }));
  let reflectors: RouteReflector[] = [];
  const status = (error?: string): void => context.df.setCustomStatus({ cluster: input.cluster, reason: input.reason, step: currentStep(steps), steps, routeReflectors: reflectors, error });

  const call = <T>(activity: string, activityInput: unknown): Gen<T> => callStep<T>(context, activity, activityInput);

  function* poll<T extends { complete: boolean; detail: string }>(step: string, activity: string, activityInput: unknown): Gen<T> {
    const last = yield* pollWithBackoff<T>(context, {
      activity, input: activityInput,
      deadlineSeconds: input.timing.deadlineSeconds, initialSeconds: input.timing.pollInitialSeconds, maxSeconds: input.timing.pollMaxSeconds,
      onWaiting: (progress) => { steps = noteStep(steps, step, progress.detail); status(); },
    });
    if (!last.complete) throw new StepFailed(`not done within ${input.timing.deadlineSeconds}s: ${last.detail}`);
    return last;
  }

  function* run<T>(step: string, work: () => Gen<T>, describe: (value: T) => string): Gen<T> {
    steps = startStep(steps, step, now());
    status();
    const value = yield* work();
    steps = succeedStep(steps, step, now(), describe(value));
    return value;
  }

  function* peer(reflectorIps: string[]): Gen<RouteServerPeering> {
    const created: string[] = [];
    const removed: string[] = [];
    for (let round = 1; ; round++) {
      const r = yield* call<RouteServerPeering>('connectRouteServer', { cluster: input.cluster, reflectorIps });
      created.push(...r.created);
      removed.push(...r.removed);
      if (r.complete) return { ...r, created, removed };
      if (round >= maxPeeringRounds) throw new StepFailed(`Route Server peering not done after ${round} rounds`);
      steps = noteStep(steps, 'connectRouteServer', `at the peer limit: waiting for ${r.connections.join(', ')} before removing the last healthy session`);
      status();
      yield* poll<SessionProgress>('connectRouteServer', 'readBgpSessions', { connections: r.connections });
    }
  }

  try {
    yield* run('waitForCluster', () => poll<ClusterReadiness>('waitForCluster', 'readClusterReadiness', input.cluster), (r) => r.detail);
    yield* run('checkCalicoPrerequisites', () => poll<CalicoReadiness>('checkCalicoPrerequisites', 'readCalicoPrerequisites', input.cluster), (r) => r.detail);
    reflectors = (yield* run('applyClusterBgp', () => call<{ routeReflectors: RouteReflector[] }>('applyClusterBgp', input.cluster),
      (r) => `route reflectors ${r.routeReflectors.map((n) => `${n.name} (${n.ip})`).join(', ')}`)).routeReflectors;
    const peering = yield* run('connectRouteServer', () => peer(reflectors.map((r) => r.ip)),
      (r) => `${r.connections.length} connections (${r.created.length} created, ${r.removed.length} removed)`);
    yield* run('waitForSessions', () => poll<SessionProgress>('waitForSessions', 'readBgpSessions', { connections: peering.connections }), (r) => r.detail);
    status();
    return { phase: 'Ready', routeReflectors: reflectors, connections: peering.connections };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    steps = failStep(steps, currentStep(steps) ?? 'waitForCluster', now(), reason);
    status(reason);
    return { phase: 'Failed', error: reason };
  }
};

df.app.orchestration('clusterBootstrap', clusterBootstrap);
