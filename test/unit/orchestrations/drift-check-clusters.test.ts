import type { OrchestrationContext } from 'durable-functions';
import type { DriftInputs } from '../../../orchestrations/activities/drift-steps';
import { routeServerConnectionName } from '../../../lib/domain/names';

jest.mock('durable-functions', () => {
  const actual = jest.requireActual('durable-functions');
  return { ...actual, app: { ...actual.app, orchestration: jest.fn(), activity: jest.fn() } };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { driftCheck } = require('../../../orchestrations/drift-check') as typeof import('../../../orchestrations/drift-check');

type Child = { sub: string; input: unknown; instanceId: string; isCompleted: boolean; isFaulted: boolean; result?: unknown };
type Timer = { timer: string; cancel: () => void; cancelled: boolean };

/**
 * Drives the drift check when AKS lists clusters: reflectors read per cluster, judged, and with repair
 * on each drifted cluster's bootstrap is run as a sub-orchestration `cluster:<name>`, raced with a timer.
 */
function run(inputs: DriftInputs, reflectors: Record<string, unknown>, child: (instanceId: string) => Partial<Child> | 'timeout', repair = true) {
  const activities: string[] = [];
  const subs: Child[] = [];
  const timers: Timer[] = [];
  const recorded: unknown[] = [];
  const context = {
    df: {
      instanceId: 'drift-check',
      currentUtcDateTime: new Date('2026-01-01T00:00:00Z'),
      getInput: () => ({ supernet: '10.99.0.0/16', repair }),
      setCustomStatus: () => undefined,
      callActivityWithRetry: (activity: string, _retry: unknown, input: unknown) => ({ activity, input }),
      callSubOrchestrator: (name: string, input: unknown, instanceId: string) => {
        const c: Child = { sub: name, input, instanceId, isCompleted: false, isFaulted: false };
        subs.push(c);
        return c;
      },
      createTimer: (at: Date) => {
        const t: Timer = { timer: at.toISOString(), cancelled: false, cancel: () => { t.cancelled = true; } };
        timers.push(t);
        return t;
      },
      Task: {
        all: (tasks: unknown[]) => ({ all: tasks }),
        any: (tasks: unknown[]) => ({ any: tasks }),
      },
    },
  } as unknown as OrchestrationContext;
  const answer = (activity: string, input: unknown): unknown => {
    activities.push(activity);
    if (activity === 'readDriftInputs') return { ok: true, value: inputs };
    if (activity === 'readClusterReflectors') return reflectors[input as string];
    if (activity === 'recordDriftReport') recorded.push(input);
    return { ok: true, value: undefined };
  };
  const generator = driftCheck(context) as Generator<unknown, unknown, unknown>;
  let next = generator.next();
  while (!next.done) {
    const action = next.value as { activity?: string; input?: unknown; all?: Array<{ activity: string; input: unknown }>; any?: [Child, Timer] };
    if (action.all) next = generator.next(action.all.map((a) => answer(a.activity, a.input)));
    else if (action.any) {
      const [c, timer] = action.any;
      const outcome = child(c.instanceId);
      if (outcome === 'timeout') next = generator.next(timer);
      else { Object.assign(c, { isCompleted: true }, outcome); next = generator.next(c); }
    } else next = generator.next(answer(action.activity!, action.input));
  }
  return { activities, subs, timers, recorded: recorded[0] as { report: { clean: boolean; clusters?: Array<{ cluster: string; problems: string[] }> }; resyncs?: unknown[] }, result: next.value };
}

const timing = { deadlineSeconds: 60, pollInitialSeconds: 1, pollMaxSeconds: 2 };
const conn = (cluster: string, ip: string) => ({ name: routeServerConnectionName(cluster, ip), peerIp: ip, state: 'Connected' });
const inputs: DriftInputs = {
  registry: [], clusters: [], firewallGroups: [],
  peering: { aksClusters: ['spoke1-aks', 'spoke2-aks', 'spoke3-aks'], connections: [conn('spoke1-aks', '10.1.0.4'), conn('spoke1-aks', '10.1.0.5'), conn('spoke2-aks', '10.2.0.4'), conn('spoke2-aks', '10.2.0.5')], bootstrapTiming: timing },
};
const reflectors = {
  'spoke1-aks': { ok: true, value: { cluster: 'spoke1-aks', reflectors: [{ name: 'a0', ip: '10.1.0.4', ready: true }, { name: 'a1', ip: '10.1.0.5', ready: true }], readyNodes: 3 } },
  // A reflector removed by the autoscaler: its connection stays, pointing at nobody.
  'spoke2-aks': { ok: true, value: { cluster: 'spoke2-aks', reflectors: [{ name: 'b1', ip: '10.2.0.5', ready: true }], readyNodes: 2 } },
  // Created before Event Grid was wired.
  'spoke3-aks': { ok: true, value: { cluster: 'spoke3-aks', reflectors: [], readyNodes: 3 } },
};

describe('driftCheck: clusters never bootstrapped and reflectors that are gone', () => {
  it('reports both, re-syncs each as a sub-orchestration cluster:<name>, and leaves the peered cluster alone', () => {
    const { subs, recorded, timers } = run(inputs, reflectors, () => ({ result: { phase: 'Ready' } }));
    expect(recorded.report.clean).toBe(false);
    expect(recorded.report.clusters!.map((c) => c.cluster)).toEqual(['spoke2-aks', 'spoke3-aks']);
    expect(subs.map((s) => [s.sub, s.instanceId])).toEqual([['clusterBootstrap', 'cluster:spoke2-aks'], ['clusterBootstrap', 'cluster:spoke3-aks']]);
    expect(subs[0]!.input).toEqual({ cluster: 'spoke2-aks', reason: 'drift check: cluster spoke2-aks has 1 route reflector node; 2 wanted', timing });
    expect(recorded.resyncs).toEqual([{ cluster: 'spoke2-aks', outcome: 'resynced' }, { cluster: 'spoke3-aks', outcome: 'resynced' }]);
    expect(timers.every((t) => t.cancelled)).toBe(true);
  });

  it('reports only, with repair off', () => {
    const { subs, recorded } = run(inputs, reflectors, () => ({ result: { phase: 'Ready' } }), false);
    expect(subs).toEqual([]);
    expect(recorded.report.clusters).toHaveLength(2);
    expect(recorded.resyncs).toEqual([]);
  });

  it('a bootstrap already running is skipped; a failed one and one past the wait are reported, never the drift check\'s failure', () => {
    const { recorded } = run(inputs, reflectors, (id) => (id === 'cluster:spoke2-aks'
      ? { isFaulted: true, result: new Error("Sub-orchestration 'clusterBootstrap' could not start: An instance with ID 'cluster:spoke2-aks' already exists (status Running).") }
      : 'timeout'));
    expect(recorded.resyncs).toEqual([
      { cluster: 'spoke2-aks', outcome: 'skipped', detail: 'a bootstrap of the cluster is running' },
      { cluster: 'spoke3-aks', outcome: 'failed', detail: 'bootstrap not finished within 360s; GET /api/clusters shows it' },
    ]);
    const failed = run(inputs, reflectors, () => ({ result: { phase: 'Failed', error: 'cluster spoke3-aks does not serve operator.tigera.io/v1 EgressGateway' } }));
    expect(failed.recorded.resyncs).toContainEqual({ cluster: 'spoke3-aks', outcome: 'failed', detail: 'cluster spoke3-aks does not serve operator.tigera.io/v1 EgressGateway' });
  });

  it('is clean, and starts nothing, when every cluster peers exactly with its reflectors', () => {
    const peered = { ...inputs, peering: { ...inputs.peering!, aksClusters: ['spoke1-aks'] } };
    const { subs, recorded, activities } = run(peered, reflectors, () => ({ result: { phase: 'Ready' } }));
    expect(recorded.report).toMatchObject({ clean: true, clusters: [] });
    expect(subs).toEqual([]);
    expect(activities).toEqual(['readDriftInputs', 'readClusterReflectors', 'recordDriftReport']);
  });
});
