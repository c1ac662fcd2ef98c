import { renderTenantRuleCollections } from '../../../lib/domain/firewall-rules';
import type { TenantSpec } from '../../../lib/domain/tenant-spec';
import {
  checkLifecycleInvariants, formatViolation, judgeMoment, judgeOpenings, openRules, RouteSightings, type CollectionView, type ObservedState, type OwnershipSample, type RegistryTenant, type Violation,
} from '../../support/lifecycle-invariants';

/** The checker must report every planted leak: a checker that always says "fine" would pass every model run. */

const spec = (name: string, over: Partial<TenantSpec> = {}): TenantSpec => ({
  name, cluster: 'spoke1-aks', namespaces: [`${name}-apps`], gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'web', fqdns: ['www.example.com'], protocols: ['Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
  ...over,
});

const steering = (name: string): Record<string, string> => ({
  'egress.projectcalico.org/namespaceSelector': `projectcalico.org/name == '${name}-egw'`,
  'egress.projectcalico.org/selector': `tenant == '${name}-egw'`,
});

/** Collections as the policy returns them (wire form: priorities set, empty optional lists present). */
function wireCollections(t: TenantSpec, cidr: string, group = 'egress-pilot-0'): CollectionView[] {
  return renderTenantRuleCollections({ spec: t, cidr }).map((c) => ({
    group, name: c.name,
    rules: (c.rules as unknown as Array<Record<string, unknown>>).map((r) => ({ sourceIpGroups: [], description: undefined, ...r })),
  }));
}

/** One Ready tenant (alpha, 10.99.0.0/29) and one Deleted tenant (gone), everything in order. */
function cleanState(): ObservedState {
  const alpha = spec('alpha');
  return {
    tenants: [
      { cluster: 'spoke1-aks', name: 'alpha', phase: 'Ready', cidr: '10.99.0.0/29', spec: alpha, lastError: undefined, lifecycleRunning: false },
      { cluster: 'spoke1-aks', name: 'gone', phase: 'Deleted', cidr: undefined, spec: spec('gone'), lastError: undefined, lifecycleRunning: false },
    ],
    claims: [{ cidr: '10.99.0.0/29', cluster: 'spoke1-aks', name: 'alpha', state: 'allocated' }],
    collections: wireCollections(alpha, '10.99.0.0/29'),
    clusters: {
      'spoke1-aks': {
        pools: [{ name: 'alpha-pool', cidr: '10.99.0.0/29' }],
        gateways: [{ namespace: 'alpha-egw', name: 'alpha-egw' }],
        namespaces: [{ name: 'alpha-apps', steering: steering('alpha') }, { name: 'gone-apps', steering: {} }],
      },
      'spoke2-aks': { pools: [], gateways: [], namespaces: [] },
    },
    learned: { RouteServiceRole_IN_0: ['10.99.0.0/31', '10.99.0.2/31'], RouteServiceRole_IN_1: ['10.99.0.0/31', '10.99.0.2/31'] },
    routeServerInstances: ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'],
    onRouteFailure: 'rollback',
  };
}

const withTenant = (state: ObservedState, name: string, change: Partial<RegistryTenant>): ObservedState => ({
  ...state, tenants: state.tenants.map((t) => (t.name === name ? { ...t, ...change } : t)),
});
const invariants = (vs: Violation[]): string[] => [...new Set(vs.map((v) => v.invariant))].sort();

describe('lifecycle invariant checker', () => {
  it('finds nothing wrong with a clean state', () => {
    expect(checkLifecycleInvariants(cleanState()).map(formatViolation)).toEqual([]);
  });

  it('reports a rule left open for a Deleted tenant (the leak the issue describes)', () => {
    const state = cleanState();
    const leaked = { ...state, collections: [...state.collections, ...wireCollections(spec('gone'), '10.99.0.8/29')] };
    const found = checkLifecycleInvariants(leaked);
    expect(invariants(found)).toEqual(['nothing-left', 'rule-owned']);
    expect(found.map(formatViolation).join('\n')).toContain('spoke1-aks/gone: rule source 10.99.0.8/29 in egress-pilot-0/tenant-spoke1-aks.gone-app: the tenant is Deleted');
  });

  it('reports a rule whose CIDR was handed to another tenant after a failed update (issue 11, problem 1)', () => {
    const state = cleanState();
    const beta = spec('beta');
    // alpha's update failed and released its CIDR; beta got it; alpha's rules still say 10.99.0.0/29.
    const next: ObservedState = {
      ...withTenant(state, 'alpha', { phase: 'Failed', cidr: undefined, lastError: 'routes not learned' }),
      tenants: [...withTenant(state, 'alpha', { phase: 'Failed', cidr: undefined, lastError: 'routes not learned' }).tenants,
        { cluster: 'spoke1-aks', name: 'beta', phase: 'Ready', cidr: '10.99.0.0/29', spec: beta, lastError: undefined }],
      claims: [{ cidr: '10.99.0.0/29', cluster: 'spoke1-aks', name: 'beta', state: 'allocated' }],
      collections: [...state.collections, ...wireCollections(beta, '10.99.0.0/29', 'egress-pilot-1')],
      clusters: { ...state.clusters, 'spoke1-aks': { ...state.clusters['spoke1-aks']!, pools: [{ name: 'beta-pool', cidr: '10.99.0.0/29' }], gateways: [{ namespace: 'beta-egw', name: 'beta-egw' }], namespaces: [{ name: 'beta-apps', steering: steering('beta') }] } },
    };
    const text = checkLifecycleInvariants(next).map(formatViolation).join('\n');
    expect(text).toContain('[rule-owned] spoke1-aks/alpha: rule source 10.99.0.0/29 in egress-pilot-0/tenant-spoke1-aks.alpha-app: the registry gives the tenant no CIDR');
    expect(text).toContain('no allocated claim of the tenant (claimed allocated by spoke1-aks/beta)');
    expect(text).toContain('[nothing-left] spoke1-aks/alpha: Failed but rule collections');
  });

  it('reports a rule without its pool, and a Ready tenant missing pool, gateway and routes', () => {
    const state = cleanState();
    const noPool: ObservedState = { ...state, clusters: { ...state.clusters, 'spoke1-aks': { ...state.clusters['spoke1-aks']!, pools: [], gateways: [] } }, learned: { RouteServiceRole_IN_0: ['10.99.0.0/31', '10.99.0.2/31'] } };
    const text = checkLifecycleInvariants(noPool).map(formatViolation).join('\n');
    expect(text).toContain('no IPPool with that CIDR on spoke1-aks');
    expect(text).toContain('[ready-exact] spoke1-aks/alpha: no IPPool alpha-pool with 10.99.0.0/29');
    expect(text).toContain('no EgressGateway alpha-egw/alpha-egw');
    expect(text).toContain('Route Server RouteServiceRole_IN_1 learned 0 /31 of 10.99.0.0/29, expected 2');
  });

  it('reports a Ready tenant whose application namespace is not steered through its own gateway', () => {
    const state = cleanState();
    const cluster = state.clusters['spoke1-aks']!;
    const steeredTo = (annotations: Record<string, string>): ObservedState => ({
      ...state, clusters: { ...state.clusters, 'spoke1-aks': { ...cluster, namespaces: [{ name: 'alpha-apps', steering: annotations }] } },
    });
    const message = '[ready-exact] spoke1-aks/alpha: application namespaces not steered through its gateway: alpha-apps';
    expect(checkLifecycleInvariants(steeredTo({})).map(formatViolation)).toEqual([message]);
    // Steered to x-alpha's gateway, whose name only ends like alpha's: not alpha's.
    expect(checkLifecycleInvariants(steeredTo(steering('x-alpha'))).map(formatViolation)).toEqual([message]);
  });

  it('reports rules that differ from the allowlist, extra rules and missing collections', () => {
    const state = cleanState();
    const [app, net] = state.collections;
    const changed: ObservedState = {
      ...state,
      collections: [{ ...app!, rules: [{ ...app!.rules[0]!, targetFqdns: ['evil.example.com'] }, { ...app!.rules[0]!, name: 'extra' }] }],
    };
    const text = checkLifecycleInvariants(changed).map(formatViolation).join('\n');
    expect(net).toBeDefined();
    expect(text).toContain('rule collections ["tenant-spoke1-aks.alpha-app"], expected ["tenant-spoke1-aks.alpha-app","tenant-spoke1-aks.alpha-net"]');
    expect(text).toContain('rule web differs in targetFqdns');
    expect(text).toContain('extra rule extra');
  });

  it('reports a CIDR held by two live tenants and a live CIDR nobody claims', () => {
    const state = cleanState();
    const twice: ObservedState = {
      ...state,
      tenants: [...state.tenants, { cluster: 'spoke2-aks', name: 'alpha', phase: 'Ready', cidr: '10.99.0.0/30', spec: spec('alpha', { cluster: 'spoke2-aks' }), lastError: undefined }],
    };
    const text = checkLifecycleInvariants(twice).map(formatViolation).join('\n');
    expect(text).toContain('[cidr-exclusive] spoke1-aks/alpha: registry gives 10.99.0.0/29 which overlaps 10.99.0.0/30 of live tenant spoke2-aks/alpha');
    expect(text).toContain('[cidr-exclusive] spoke2-aks/alpha: its registry CIDR 10.99.0.0/30 is claimed (allocated) by spoke1-aks/alpha');
    const unclaimed = { ...state, claims: [] };
    expect(checkLifecycleInvariants(unclaimed).map(formatViolation).join('\n')).toContain('has no allocated claim: the allocator may hand it out again');
  });

  it('reports what a rolled-back Failed onboarding kept, and a keep that does not say so', () => {
    const state = cleanState();
    const failed = withTenant(state, 'alpha', { phase: 'Failed', lastError: 'applyGateway: namespace missing' });
    const leftovers: ObservedState = { ...failed, collections: [] };
    const text = checkLifecycleInvariants(leftovers).map(formatViolation).join('\n');
    expect(text).toContain('[nothing-left] spoke1-aks/alpha: Failed but IPPool alpha-pool (10.99.0.0/29) remains');
    expect(text).toContain('Failed but EgressGateway alpha-egw/alpha-egw remains');
    expect(text).toContain('Failed but namespaces alpha-apps still steered');
    expect(text).toContain('Failed but CIDR claim 10.99.0.0/29 (allocated) remains');
    expect(text).toContain('Failed (rolled back) but the registry still gives it 10.99.0.0/29');

    const keep: ObservedState = { ...leftovers, onRouteFailure: 'keep' };
    expect(checkLifecycleInvariants(keep).map(formatViolation).join('\n')).toContain('but lastError does not say so');
    const keptAndSaid = withTenant(keep, 'alpha', { lastError: 'routes not learned; Calico resources and CIDR kept (ON_ROUTE_FAILURE=keep)' });
    expect(checkLifecycleInvariants(keptAndSaid).filter((v) => v.invariant === 'nothing-left')).toEqual([]);
  });

  it('lets a rollback that could not finish keep what it says it kept (a DELETE finishes it), never a rule', () => {
    const leftovers: ObservedState = { ...withTenant(cleanState(), 'alpha', { phase: 'Failed' }), collections: [] };
    const nothingLeft = (state: ObservedState): string[] => checkLifecycleInvariants(state).filter((v) => v.invariant === 'nothing-left').map((v) => v.message);
    const notWithdrawn = withTenant(leftovers, 'alpha', { lastError: 'waitForRoutes: routes not learned within 5s; Calico resources removed, CIDR kept claimed until its routes are withdrawn (2 /31 left): DELETE the tenant to finish' });
    // Calico objects should be gone at that stage: only they are blamed, not the CIDR it keeps.
    expect(nothingLeft(notWithdrawn)).toEqual([
      'Failed but IPPool alpha-pool (10.99.0.0/29) remains on spoke1-aks',
      'Failed but EgressGateway alpha-egw/alpha-egw remains on spoke1-aks',
      'Failed but namespaces alpha-apps still steered to its gateway',
    ]);
    const stoppedEarly = withTenant(leftovers, 'alpha', { lastError: 'applyGateway: 500; rollback stopped while removing the Calico resources: 500 (DELETE the tenant to finish the clean-up)' });
    expect(nothingLeft(stoppedEarly)).toEqual([]);
    expect(nothingLeft({ ...stoppedEarly, collections: cleanState().collections })[0]).toMatch(/^Failed but rule collections /);
    const offboardStopped = withTenant(leftovers, 'alpha', { lastError: 'removeGateway: 500; offboarding stopped at removeGateway, what it had not removed stays until a DELETE finishes it (DELETE the tenant to finish)' });
    expect(nothingLeft(offboardStopped)).toEqual([]);
    expect(nothingLeft(withTenant(leftovers, 'alpha', { lastError: 'removeGateway: 500' }))).toContain('Failed but IPPool alpha-pool (10.99.0.0/29) remains on spoke1-aks');
  });

  it('holds a Degraded tenant to what serves (rules, pool, gateway, routes), but not to the steering its verification may have failed on', () => {
    const degraded = withTenant(cleanState(), 'alpha', { phase: 'Degraded' });
    expect(checkLifecycleInvariants(degraded)).toEqual([]);
    const unsteered: ObservedState = { ...degraded, clusters: { ...degraded.clusters, 'spoke1-aks': { ...degraded.clusters['spoke1-aks']!, namespaces: [{ name: 'alpha-apps', steering: {} }] } } };
    expect(checkLifecycleInvariants(unsteered)).toEqual([]);
    const poolGone: ObservedState = { ...degraded, clusters: { ...degraded.clusters, 'spoke1-aks': { ...degraded.clusters['spoke1-aks']!, pools: [] } } };
    expect(checkLifecycleInvariants(poolGone).map(formatViolation)).toContain('[ready-exact] spoke1-aks/alpha: no IPPool alpha-pool with 10.99.0.0/29 on spoke1-aks');
  });

  it('reports an unsettled or stuck tenant and TenantBusy without a running lifecycle', () => {
    const stuck = withTenant(cleanState(), 'alpha', { phase: 'WaitingForRoutes', lifecycleRunning: false });
    expect(checkLifecycleInvariants(stuck).map(formatViolation)).toContain('[settles] spoke1-aks/alpha: phase WaitingForRoutes after quiescence with no lifecycle running (stuck)');
    const busy = checkLifecycleInvariants(cleanState(), [
      { cluster: 'spoke1-aks', name: 'alpha', phase: 'Ready', method: 'PUT', status: 409, code: 'TenantBusy', lifecycleRunning: false },
      { cluster: 'spoke1-aks', name: 'gone', phase: 'Deleted', method: 'DELETE', status: 500, lifecycleRunning: false },
    ]).map(formatViolation);
    expect(busy).toEqual([
      '[settles] spoke1-aks/alpha: PUT answered 409 TenantBusy in phase Ready while no lifecycle was running',
      '[settles] spoke1-aks/gone: DELETE of its current spec in phase Deleted answered 500 (expected 200/202)',
    ]);
  });

  it('reports a collection twice in the policy and one collection shared by two sources', () => {
    const state = cleanState();
    const dup: ObservedState = { ...state, collections: [...state.collections, { ...state.collections[0]!, group: 'egress-pilot-1' }] };
    expect(checkLifecycleInvariants(dup).map(formatViolation)).toContain('[collections-unique] tenant-spoke1-aks.alpha-app: rule collection appears 2 times (groups egress-pilot-0, egress-pilot-1)');
    const [app] = state.collections;
    const shared: ObservedState = { ...state, collections: [{ ...app!, rules: [...app!.rules, { ...app!.rules[0]!, name: 'other', sourceAddresses: ['10.99.0.8/29'] }] }, state.collections[1]!] };
    expect(checkLifecycleInvariants(shared).map(formatViolation).join('\n')).toContain('one collection holds rules of several sources 10.99.0.0/29, 10.99.0.8/29');
  });

  describe('at one moment (pools and claims read around the rules)', () => {
    const rules = wireCollections(spec('alpha'), '10.99.0.0/29');
    const owned: OwnershipSample = { pools: { 'spoke1-aks': [{ name: 'alpha-pool', cidr: '10.99.0.0/29' }] }, claims: [{ cidr: '10.99.0.0/29', cluster: 'spoke1-aks', name: 'alpha', state: 'allocated' }] };
    const nothing: OwnershipSample = { pools: {}, claims: [] };

    it('blames a rule whose pool and claim were missing in both reads', () => {
      expect(judgeMoment(nothing, rules, nothing).map(formatViolation)).toContain(
        '[rule-owned-at-every-moment] spoke1-aks/alpha: rule source 10.99.0.0/29 in tenant-spoke1-aks.alpha-app open without IPPool and allocated claim of the tenant',
      );
      const quarantined: OwnershipSample = { ...owned, claims: [{ ...owned.claims[0]!, state: 'quarantined' }] };
      expect(judgeMoment(quarantined, rules, quarantined).map((v) => v.message)).toContain('rule source 10.99.0.0/29 in tenant-spoke1-aks.alpha-net open without allocated claim of the tenant');
    });

    it('does not blame a rule when the pool was there in one of the two reads (read-order race)', () => {
      expect(judgeMoment(owned, rules, nothing)).toEqual([]);
      expect(judgeMoment(nothing, rules, owned)).toEqual([]);
    });

    it('blames a learned /31 in the supernet that no claim held in either read (released before withdrawn), never a quarantined one', () => {
      const routes = { learned: { RouteServiceRole_IN_0: ['10.99.0.2/31', '10.1.0.0/24'], RouteServiceRole_IN_1: ['10.99.0.2/31'] }, supernet: '10.99.0.0/16' };
      expect(judgeMoment(owned, [], owned, routes)).toEqual([]);
      const quarantined: OwnershipSample = { pools: {}, claims: [{ ...owned.claims[0]!, state: 'quarantined' }] };
      expect(judgeMoment(nothing, [], quarantined, routes)).toEqual([]);
      expect(judgeMoment(nothing, [], nothing, routes).map(formatViolation)).toEqual([
        '[route-claimed-at-every-moment] 10.99.0.2/31: route 10.99.0.2/31 learned on RouteServiceRole_IN_0 while no claim holds it: a CIDR was released before its routes were withdrawn',
        '[route-claimed-at-every-moment] 10.99.0.2/31: route 10.99.0.2/31 learned on RouteServiceRole_IN_1 while no claim holds it: a CIDR was released before its routes were withdrawn',
      ]);
    });

    it('judges a rule seen open for the first time: both instances must have learned a route inside its source', () => {
      const instances = ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'];
      const open = openRules(rules);
      expect(open.map((r) => r.key)).toEqual(['spoke1-aks/alpha|10.99.0.0/29']);
      expect(judgeOpenings(open, () => ({ RouteServiceRole_IN_0: ['10.99.0.4/31'], RouteServiceRole_IN_1: ['10.99.0.2/31'] }), instances)).toEqual([]);
      expect(judgeOpenings(open, () => ({ RouteServiceRole_IN_0: ['10.99.0.4/31'], RouteServiceRole_IN_1: ['10.99.0.8/31'] }), instances).map(formatViolation)).toEqual([
        `[rule-opened-after-routes] spoke1-aks/alpha: rule source 10.99.0.0/29 in ${open[0]!.collection} opened while RouteServiceRole_IN_1 had learned no route inside it since its claim was first seen (routes seen: RouteServiceRole_IN_0 1, RouteServiceRole_IN_1 1)`,
      ]);
    });

    it('remembers routes seen since the claim: one that dropped after it was learned still counts, one from before the claim does not', () => {
      const instances = ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'];
      const [rule] = openRules(rules);
      const claim = { cidr: '10.99.0.0/29', cluster: 'spoke1-aks', name: 'alpha', state: 'allocated' as const };
      const both = { RouteServiceRole_IN_0: ['10.99.0.2/31'], RouteServiceRole_IN_1: ['10.99.0.2/31'] };
      const none = { RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] };
      const dropped = new RouteSightings();
      dropped.record([claim], both, '10.99.0.0/16');
      dropped.record([claim], none, '10.99.0.0/16');
      expect(judgeOpenings([rule!], (r) => dropped.learnedFor(r), instances)).toEqual([]);
      // Routes of an earlier life of the CIDR (seen before this tenant's claim) are no evidence.
      const earlier = new RouteSightings();
      earlier.record([], both, '10.99.0.0/16');
      earlier.record([claim], none, '10.99.0.0/16');
      expect(judgeOpenings([rule!], (r) => earlier.learnedFor(r), instances).map((v) => v.invariant)).toEqual(['rule-opened-after-routes']);
    });
  });
});
