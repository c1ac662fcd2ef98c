import type { OrchestrationContext } from 'durable-functions';
import type { BootstrapInput } from '../../../orchestrations/bootstrap-input';

jest.mock('durable-functions', () => {
  const actual = jest.requireActual('durable-functions');
  return { ...actual, app: { ...actual.app, orchestration: jest.fn(), activity: jest.fn() } };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { clusterBootstrap } = require('../../../orchestrations/cluster-bootstrap') as typeof import('../../../orchestrations/cluster-bootstrap');

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
      next = generator.next(answer(action.activity!, action.input));
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
        default: throw new Error(activity);
      }
    });
    expect(result).toMatchObject({ phase: 'Ready', connections: ['a', 'b'] });
    expect(activities).toEqual(['readClusterReadiness', 'readClusterReadiness', 'applyClusterBgp', 'connectRouteServer', 'readBgpSessions', 'readBgpSessions', 'readBgpSessions']);
  });

  it('fails with the reason when sessions never come up, after the deadline', () => {
    const { result, activities } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
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
        default: throw new Error(activity);
      }
    });
    expect(result).toMatchObject({ phase: 'Ready', connections: ['c6', 'c7'] });
    expect(rounds).toEqual([{ cluster: 'spoke1-aks', reflectorIps: ['10.1.0.6', '10.1.0.7'] }, { cluster: 'spoke1-aks', reflectorIps: ['10.1.0.6', '10.1.0.7'] }]);
    expect(activities).toEqual(['readClusterReadiness', 'applyClusterBgp', 'connectRouteServer', 'readBgpSessions', 'readBgpSessions', 'connectRouteServer', 'readBgpSessions', 'readBgpSessions']);
  });

  it('keeps the last healthy session and fails when the new sessions never come up', () => {
    let peering = 0;
    const { result } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' })
        : activity === 'applyClusterBgp' ? ok({ routeReflectors: [{ name: 'n2', ip: '10.1.0.6' }] })
          : activity === 'connectRouteServer' ? (peering++, ok({ connections: ['c6'], created: ['c6'], removed: [], complete: false }))
            : ok({ complete: false, detail: 'waiting for c6 (Connecting)' }));
    expect(result).toEqual({ phase: 'Failed', error: 'not done within 30s: waiting for c6 (Connecting)' });
    expect(peering).toBe(1);
  });

  it('stops at once on a permanent failure', () => {
    const { result, activities } = run((activity) =>
      activity === 'readClusterReadiness' ? ok({ complete: true, detail: 'Succeeded' }) : { ok: false, error: 'cluster spoke1-aks has no agent pool subnet' });
    expect(result).toEqual({ phase: 'Failed', error: 'cluster spoke1-aks has no agent pool subnet' });
    expect(activities).toEqual(['readClusterReadiness', 'applyClusterBgp']);
  });
});
