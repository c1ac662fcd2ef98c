import type { OrchestrationContext } from 'durable-functions';
import type { BootstrapInput } from '../../../orchestrations/bootstrap-input';

jest.mock('durable-functions', () => {
  const actual = jest.requireActual('durable-functions');
  return { ...actual, app: { ...actual.app, orchestration: jest.fn(), activity: jest.fn() } };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { clusterBootstrap } = require('../../../orchestrations/cluster-bootstrap') as typeof import('../../../orchestrations/cluster-bootstrap');

const calicoMet = { ok: true, value: { complete: true, detail: 'Calico Enterprise kinds served' } };

/** Runs the orchestrator; the Calico prerequisite check is met unless `answer` says otherwise. */
function run(answer: (activity: string, input: unknown) => unknown) {
  let now = new Date('2026-01-01T00:00:00Z');
  const activities: string[] = [];
  const input: BootstrapInput = { cluster: 'spoke1-aks', reason: 'cluster written', timing: { deadlineSeconds: 30, pollInitialSeconds: 2, pollMaxSeconds: 8 } };
  const context = {
    df: {
      get currentUtcDateTime() { return now; },
      getInput: () => input,
      setCustomStatus: () => undefined,
      callActivityWithRetry: (activity: string, _r: unknown, i: unknown) => ({ activity, input: i }),
      createTimer: (at: Date) => ({ timer: at }),
    },
  } as unknown as OrchestrationContext;
  const generator = clusterBootstrap(context) as Generator<unknown, unknown, unknown>;
  let next = generator.next();
  while (!next.done) {
    const action = next.value as { activity?: string; input?: unknown; timer?: Date };
    if (action.timer) {
      now = action.timer;
      next = generator.next(undefined);
    } else {
      activities.push(action.activity!);
      now = new Date(now.getTime() + 500);
      const answered = answer(action.activity!, action.input);
      next = generator.next(answered === undefined && action.activity === 'readCalicoPrerequisites' ? calicoMet : answered);
    }
  }
  return { activities, result: next.value as { phase: string; error?: string } };
}

const ok = (value: unknown) => ({ ok: true, value });

describe('clusterBootstrap orchestrator', () => {
  it('waits for AKS, applies BGP, peers Route Server with the chosen reflectors, waits for sessions', () => {
    let readiness = 0;
    let sessions = 0;
    const { activities, result } = run((activity, input) => {
      switch (activity) {
        case 'readClusterReadiness': return ok({ complete: ++readiness > 1, detail: 'provisioningState Creating' });
        case 'applyClusterBgp': return ok({ routeReflectors: [{ name: 'n0', ip: '10.1.0.4' }, { name: 'n1', ip: '10.1.0.5' }] });
        case 'connectRouteServer':
          expect(input).toEqual({ cluster: 'spoke1-aks', reflectorIps: ['10.1.0.4', '10.1.0.5'] });
          return ok({ connections: ['a', 'b'], created: ['a', 'b'], removed: [], complete: true });
        case 'readBgpSessions': return ok({ complete: ++sessions > 2, detail: 'waiting' });
        case 'readCalicoPrerequisites': return undefined;
        default: throw new Error(activity);
      }
    });
    expect(result).toMatchObject({ phase: 'Ready', connections: ['a', 'b'] });
    expect(activities).toEqual(['readClusterReadiness', 'readClusterReadiness', 'readCalicoPrerequisites', 'applyClusterBgp', 'connectRouteServer', 'readBgpSessions', 'readBgpSessions', 'readBgpSessions']);
  });

  it('fails with the reason when sessions never come up, after the deadline', () => {
    const { result, activities } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
        : activity === 'readCalicoPrerequisites' ? undefined
        : activity === 'applyClusterBgp' ? ok({ routeReflectors: [{ name: 'n0', ip: '10.1.0.4' }] })
          : activity === 'connectRouteServer' ? ok({ connections: ['a'], created: [], removed: [], complete: true })
            : ok({ complete: false, detail: 'waiting for a (Connecting)' }));
    expect(result.phase).toBe('Failed');
    expect(result.error).toBe('not done within 30s: waiting for a (Connecting)');
    expect(activities.filter((a) => a === 'readBgpSessions').length).toBeGreaterThan(2);
  });

  it('at the peer limit, waits for the new sessions before the round that removes the last healthy one', () => {
    const rounds: unknown[] = [];
    let sessions = 0;
    const { result, activities } = run((activity, input) => {
      switch (activity) {
        case 'readClusterReadiness': return ok({ complete: true, detail: 'Succeeded' });
        case 'applyClusterBgp': return ok({ routeReflectors: [{ name: 'n2', ip: '10.1.0.6' }, { name: 'n3', ip: '10.1.0.7' }] });
        case 'connectRouteServer':
          rounds.push(input);
          return rounds.length === 1
            ? ok({ connections: ['c6'], created: ['c6'], removed: ['c4'], complete: false })
            : ok({ connections: ['c6', 'c7'], created: ['c7'], removed: ['c5'], complete: true });
        case 'readBgpSessions': return ok({ complete: ++sessions % 2 === 0, detail: 'waiting' });
        case 'readCalicoPrerequisites': return undefined;
        default: throw new Error(activity);
      }
    });
    expect(result).toMatchObject({ phase: 'Ready', connections: ['c6', 'c7'] });
    expect(rounds).toEqual([{ cluster: 'spoke1-aks', reflectorIps: ['10.1.0.6', '10.1.0.7'] }, { cluster: 'spoke1-aks', reflectorIps: ['10.1.0.6', '10.1.0.7'] }]);
    expect(activities).toEqual(['readClusterReadiness', 'readCalicoPrerequisites', 'applyClusterBgp', 'connectRouteServer', 'readBgpSessions', 'readBgpSessions', 'connectRouteServer', 'readBgpSessions', 'readBgpSessions']);
  });

  it('keeps the last healthy session and fails when the new sessions never come up', () => {
    let peering = 0;
    const { result } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
        : activity === 'readCalicoPrerequisites' ? undefined
        : activity === 'applyClusterBgp' ? ok({ routeReflectors: [{ name: 'n2', ip: '10.1.0.6' }] })
          : activity === 'connectRouteServer' ? (peering++, ok({ connections: ['c6'], created: ['c6'], removed: [], complete: false }))
            : ok({ complete: false, detail: 'waiting for c6 (Connecting)' }));
    expect(result).toEqual({ phase: 'Failed', error: 'not done within 30s: waiting for c6 (Connecting)' });
    expect(peering).toBe(1);
  });

  it('stops at once on a permanent failure', () => {
    const { result, activities } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
        : activity === 'readCalicoPrerequisites' ? undefined : { ok: false, error: 'cluster spoke1-aks has no agent pool subnet' });
    expect(result).toEqual({ phase: 'Failed', error: 'cluster spoke1-aks has no agent pool subnet' });
    expect(activities).toEqual(['readClusterReadiness', 'readCalicoPrerequisites', 'applyClusterBgp']);
  });

  it('checks Calico Enterprise before the first apply: the wrong edition fails the step and nothing is written', () => {
    const message = 'cluster spoke2-aks does not serve operator.tigera.io/v1 EgressGateway: egress gateways need Calico Enterprise or Calico Cloud';
    const { result, activities } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
        : activity === 'readCalicoPrerequisites' ? { ok: false, error: message } : ok({}));
    expect(result).toEqual({ phase: 'Failed', error: message });
    expect(activities).toEqual(['readClusterReadiness', 'readCalicoPrerequisites']);
  });

  it('waits while Calico is still installing, then applies', () => {
    let checks = 0;
    const { result, activities } = run((activity) => {
      switch (activity) {
        case 'readClusterReadiness': return ok({ complete: true, detail: 'Succeeded' });
        case 'readCalicoPrerequisites': return ok(++checks > 2 ? { complete: true, detail: 'met' } : { complete: false, detail: 'tigerastatus apiserver is not Available' });
        case 'applyClusterBgp': return ok({ routeReflectors: [{ name: 'n0', ip: '10.1.0.4' }] });
        case 'connectRouteServer': return ok({ connections: ['a'], created: ['a'], removed: [], complete: true });
        default: return ok({ complete: true, detail: 'Connected' });
      }
    });
    expect(result.phase).toBe('Ready');
    expect(activities.slice(0, 5)).toEqual(['readClusterReadiness', 'readCalicoPrerequisites', 'readCalicoPrerequisites', 'readCalicoPrerequisites', 'applyClusterBgp']);
  });

  it('fails at the deadline with what is still missing when Calico never becomes ready', () => {
    const { result, activities } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
        : activity === 'readCalicoPrerequisites' ? ok({ complete: false, detail: 'cluster spoke1-aks: Calico is not ready: tigerastatus calico is not Available' }) : ok({}));
    expect(result).toEqual({ phase: 'Failed', error: 'not done within 30s: cluster spoke1-aks: Calico is not ready: tigerastatus calico is not Available' });
    expect(activities).not.toContain('applyClusterBgp');
  });
});
