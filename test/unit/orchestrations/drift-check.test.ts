import type { OrchestrationContext } from 'durable-functions';
import type { DriftInputs } from '../../../orchestrations/activities/drift-steps';

// The module registers itself with df.app; registration is a no-op outside a Functions host.
jest.mock('durable-functions', () => {
  const actual = jest.requireActual('durable-functions');
  return { ...actual, app: { ...actual.app, orchestration: jest.fn(), activity: jest.fn() } };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { driftCheck } = require('../../../orchestrations/drift-check') as typeof import('../../../orchestrations/drift-check');

type Action = { activity: string; input: unknown } | { all: Action[] } | { timer: string };

/** Drives the orchestrator like the replay executor; Task.all refuses an empty list, as durable-functions does. */
function run(answer: (activity: string, input: unknown) => unknown, repair = true) {
  const now = new Date('2026-01-01T00:00:00Z');
  const actions: Action[] = [];
  const context = {
    df: {
      instanceId: 'drift-check',
      currentUtcDateTime: now,
      getInput: () => ({ supernet: '10.99.0.0/16', repair }),
      setCustomStatus: () => undefined,
      callActivityWithRetry: (activity: string, _retry: unknown, input: unknown) => ({ activity, input }),
      createTimer: (at: Date) => ({ timer: at.toISOString() }),
      Task: {
        all: (tasks: Action[]) => {
          if (tasks.length === 0) throw new Error('When constructing a CompoundTask (such as Task.all() or Task.any()), you must specify at least one Task.');
          return { all: tasks };
        },
      },
    },
  } as unknown as OrchestrationContext;
  const generator = driftCheck(context) as Generator<unknown, unknown, unknown>;
  let next = generator.next();
  while (!next.done) {
    const action = next.value as Action;
    actions.push(action);
    if ('all' in action) next = generator.next(action.all.map((a) => ('activity' in a ? answer(a.activity, a.input) : undefined)));
    else if ('timer' in action) next = generator.next(undefined);
    else next = generator.next(answer(action.activity, action.input));
  }
  return { actions, result: next.value as { clean: boolean; repairs: Array<{ tenant: string; outcome: string; detail?: string }> } };
}

const ok = (value: unknown = undefined) => ({ ok: true, value });
const names = (actions: Action[]) => actions.flatMap((a) => ('activity' in a ? [a.activity] : 'all' in a ? a.all.map((x) => ('activity' in x ? x.activity : '')) : []));
const spec = { name: 'tenant0', cluster: 'spoke1-aks', namespaces: [], gateway: { replicas: 2, prefixLength: 29 }, allow: { applications: [], networks: [] } };
/** One Ready tenant whose pool and gateway are missing from its cluster: drifted. */
const drifted: DriftInputs = { registry: [{ spec, servingSpec: spec, cidr: '10.99.0.0/29', phase: 'Ready' }], clusters: ['spoke1-aks'], firewallGroups: [] };
const emptyCluster = ok({ cluster: 'spoke1-aks', ipPools: [], egressGateways: [], learned: [] });

describe('driftCheck orchestrator', () => {
  it('finishes on a fresh deployment with no tenant (no empty Task.all)', () => {
    const { result, actions } = run((activity) => (activity === 'readDriftInputs' ? ok({ registry: [], clusters: [], firewallGroups: [] }) : ok()));
    expect(result.clean).toBe(true);
    expect(names(actions)).toEqual(['readDriftInputs', 'recordDriftReport']);
  });

  it('repairs a drifted Ready tenant only after claiming it, with the run the claim gave', () => {
    const { result, actions } = run((activity) => {
      switch (activity) {
        case 'readDriftInputs': return ok(drifted);
        case 'readClusterActual': return emptyCluster;
        case 'claimTenantForRepair': return ok({ run: 9 });
        case 'advanceTenantFirewall': return ok({ complete: true, detail: 'done' });
        default: return ok();
      }
    });
    expect(names(actions)).toEqual(['readDriftInputs', 'readClusterActual', 'claimTenantForRepair', 'applyTenantGateway', 'requestTenantFirewall', 'advanceTenantFirewall', 'recordDriftReport']);
    const apply = actions.find((a) => 'activity' in a && a.activity === 'applyTenantGateway') as { input: unknown };
    expect(apply.input).toEqual({ cluster: 'spoke1-aks', name: 'tenant0', run: 9 });
    expect(result.repairs).toEqual([{ tenant: 'spoke1-aks/tenant0', outcome: 'repaired' }]);
  });

  it('never re-applies anything for a tenant that moved on since it was read (being offboarded, updated, failed)', () => {
    const { result, actions } = run((activity) => {
      switch (activity) {
        case 'readDriftInputs': return ok(drifted);
        case 'readClusterActual': return emptyCluster;
        case 'claimTenantForRepair': return ok({ skipped: 'phase is Deleting now' });
        default: return ok();
      }
    });
    expect(names(actions)).not.toContain('applyTenantGateway');
    expect(names(actions)).not.toContain('requestTenantFirewall');
    expect(result.repairs).toEqual([{ tenant: 'spoke1-aks/tenant0', outcome: 'skipped', detail: 'phase is Deleting now' }]);
  });

  it('reports a repair that a newer lifecycle refused instead of failing the whole check', () => {
    const { result } = run((activity) => {
      switch (activity) {
        case 'readDriftInputs': return ok(drifted);
        case 'readClusterActual': return emptyCluster;
        case 'claimTenantForRepair': return ok({ run: 9 });
        case 'applyTenantGateway': return { ok: false, error: 'superseded: lifecycle run 10 now holds tenant spoke1-aks/tenant0' };
        default: return ok();
      }
    });
    expect(result.repairs).toEqual([{ tenant: 'spoke1-aks/tenant0', outcome: 'failed', detail: expect.stringContaining('superseded') }]);
  });

  it('reports but never repairs a Failed tenant that still has leftovers', () => {
    const failed: DriftInputs = { registry: [{ spec, phase: 'Failed' }], clusters: ['spoke1-aks'], firewallGroups: [] };
    const { result, actions } = run((activity) => (activity === 'readDriftInputs' ? ok(failed) : activity === 'readClusterActual'
      ? ok({ cluster: 'spoke1-aks', ipPools: [{ name: 'tenant0-pool', cidr: '10.99.0.0/29' }], egressGateways: [], learned: [] }) : ok({ skipped: 'phase is Failed now' })));
    expect(result.clean).toBe(false);
    expect(names(actions)).not.toContain('applyTenantGateway');
  });
});
