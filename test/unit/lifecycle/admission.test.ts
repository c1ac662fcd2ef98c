import { admitCreate, admitDelete, admitUpdate, admitVerify, effectivePhase, mayTakeBackLateApply, planUpdate, resumeOf, whyNotRepair, whyNotResume, type TenantState } from '../../../lib/domain/lifecycle/admission';
import type { TenantSpec } from '../../../lib/domain/tenant-spec';

const state = (over: Partial<TenantState> = {}): TenantState => ({ phase: 'Ready', fingerprint: 'f1', lifecycleRunning: false, prefixLength: 29, serving: true, ...over });
const noChange = { gateway: false, firewall: false };

describe('admitCreate', () => {
  it('starts onboarding for a new tenant, and again after it was deleted', () => {
    expect(admitCreate(undefined, { fingerprint: 'f1' })).toMatchObject({ kind: 'start', operation: 'onboard', storeSpec: true });
    expect(admitCreate(state({ phase: 'Deleted' }), { fingerprint: 'f2' })).toMatchObject({ kind: 'start', operation: 'onboard' });
  });
  it('returns the same tenant for the same spec while onboarding or Ready, never a second lifecycle', () => {
    for (const phase of ['Pending', 'Allocating', 'WaitingForRoutes', 'Ready'] as const) {
      expect(admitCreate(state({ phase, lifecycleRunning: phase !== 'Ready' }), { fingerprint: 'f1' })).toMatchObject({ kind: 'existing', status: 202 });
    }
  });
  it('rejects a different spec with 409 pointing at PUT', () => {
    const a = admitCreate(state(), { fingerprint: 'other' });
    expect(a).toMatchObject({ kind: 'reject', status: 409, code: 'TenantExists' });
    expect(a.kind === 'reject' && a.reason).toContain('PUT');
  });
  it('retries a failed onboarding, but not while it is being deleted', () => {
    expect(admitCreate(state({ phase: 'Failed' }), { fingerprint: 'x' })).toMatchObject({ kind: 'start', operation: 'onboard' });
    expect(admitCreate(state({ phase: 'Deleting', lifecycleRunning: true }), { fingerprint: 'f1' })).toMatchObject({ kind: 'reject', status: 409 });
  });
});

const req = (over: Partial<{ fingerprint: string; prefixLength: number; changes: { gateway: boolean; firewall: boolean } }> = {}) =>
  ({ fingerprint: 'f2', prefixLength: 29, changes: { gateway: false, firewall: true }, ...over });

describe('admitUpdate', () => {
  it('404s an unknown tenant', () => {
    expect(admitUpdate(undefined, req())).toMatchObject({ kind: 'reject', status: 404 });
  });
  it('refuses while a lifecycle runs, with Retry-After', () => {
    expect(admitUpdate(state({ phase: 'WaitingForRoutes', lifecycleRunning: true }), req())).toMatchObject({ kind: 'reject', status: 409, code: 'TenantBusy', retryAfterSeconds: 15 });
  });
  it('refuses to change the pool size in place', () => {
    expect(admitUpdate(state(), req({ prefixLength: 28 }))).toMatchObject({ kind: 'reject', status: 422, code: 'PoolSizeImmutable' });
  });
  it('starts an update only when something changed', () => {
    expect(admitUpdate(state(), req())).toMatchObject({ kind: 'start', operation: 'update' });
    expect(admitUpdate(state(), req({ fingerprint: 'f1', changes: noChange }))).toMatchObject({ kind: 'existing', status: 200 });
    expect(admitUpdate(state(), req({ changes: noChange }))).toMatchObject({ kind: 'existing' });
  });
});

describe('admitDelete', () => {
  it('offboards a Ready tenant and interrupts a running onboarding', () => {
    expect(admitDelete(state())).toMatchObject({ kind: 'start', operation: 'offboard', terminateRunning: false });
    expect(admitDelete(state({ phase: 'WaitingForRoutes', lifecycleRunning: true }))).toMatchObject({ kind: 'start', terminateRunning: true });
  });
  it('is idempotent while deleting or deleted, 404 for unknown', () => {
    expect(admitDelete(state({ phase: 'Deleting', lifecycleRunning: true }))).toMatchObject({ kind: 'existing', status: 202 });
    expect(admitDelete(state({ phase: 'Deleted' }))).toMatchObject({ kind: 'existing', status: 200 });
    expect(admitDelete(undefined)).toMatchObject({ kind: 'reject', status: 404 });
  });
});

describe('planUpdate', () => {
  const spec = (over: Partial<TenantSpec> = {}): TenantSpec => ({
    name: 't', cluster: 'c', namespaces: ['a', 'b'], gateway: { replicas: 2, prefixLength: 29 },
    allow: { applications: [{ name: 'web', fqdns: ['x.example.com'], protocols: ['Https:443'] }], networks: [] }, ...over,
  });
  it('re-converges only the firewall for an allowlist change', () => {
    expect(planUpdate(spec(), spec({ allow: { applications: [], networks: [] } }))).toEqual({ changes: { gateway: false, firewall: true }, removedNamespaces: [] });
  });
  it('re-converges the gateway for replicas or namespaces, naming the namespaces dropped', () => {
    expect(planUpdate(spec(), spec({ gateway: { replicas: 3, prefixLength: 29 } })).changes).toEqual({ gateway: true, firewall: false });
    expect(planUpdate(spec(), spec({ namespaces: ['b', 'c'] }))).toEqual({ changes: { gateway: true, firewall: false }, removedNamespaces: ['a'] });
  });
  it('re-converges only the gateway for a steering change (a gateway-only update)', () => {
    const policy = spec({ gateway: { replicas: 2, prefixLength: 29, steering: { mode: 'policy', rules: [{ destination: '10.0.0.0/8', via: 'direct' }] } } });
    expect(planUpdate(spec(), policy)).toEqual({ changes: { gateway: true, firewall: false }, removedNamespaces: [] });
  });
});

describe('a tenant whose lifecycle is not running is never busy', () => {
  const midway = ['Pending', 'Allocating', 'ApplyingGateway', 'WaitingForRoutes', 'OpeningFirewall', 'Updating'] as const;
  it('counts a phase left mid-way as Ready when a spec serves, else as Failed', () => {
    for (const phase of midway) {
      expect(effectivePhase({ phase, lifecycleRunning: false, serving: true })).toBe('Ready');
      expect(effectivePhase({ phase, lifecycleRunning: false, serving: false })).toBe('Failed');
      expect(effectivePhase({ phase, lifecycleRunning: true, serving: true })).toBe(phase);
    }
    expect(effectivePhase({ phase: 'Deleting', lifecycleRunning: false, serving: false })).toBe('Deleting');
  });
  it('accepts PUT, POST and DELETE for such a tenant instead of answering TenantBusy', () => {
    for (const phase of midway) {
      expect(admitUpdate(state({ phase, serving: true }), req())).toMatchObject({ kind: 'start', operation: 'update' });
      expect(admitUpdate(state({ phase, serving: false }), req())).toMatchObject({ kind: 'start', operation: 'onboard' });
      expect(admitCreate(state({ phase, serving: false }), { fingerprint: 'other' })).toMatchObject({ kind: 'start', operation: 'onboard' });
      expect(admitDelete(state({ phase }))).toMatchObject({ kind: 'start', operation: 'offboard', terminateRunning: false });
    }
    expect(admitDelete(state({ phase: 'Deleting', lifecycleRunning: false }))).toMatchObject({ kind: 'start', operation: 'offboard' });
  });
  it('still answers TenantBusy while the lifecycle runs', () => {
    expect(admitUpdate(state({ phase: 'WaitingForRoutes', lifecycleRunning: true }), req())).toMatchObject({ kind: 'reject', status: 409, code: 'TenantBusy' });
  });
});

describe('resumeOf: finishing what was accepted when no lifecycle runs', () => {
  const spec = { name: 't', cluster: 'c', namespaces: ['a', 'new'], gateway: { replicas: 3, prefixLength: 29 }, allow: { applications: [], networks: [] } } as TenantSpec;
  const serving = { ...spec, namespaces: ['a', 'old'], gateway: { replicas: 2, prefixLength: 29 } } as TenantSpec;
  const now = new Date('2026-01-01T00:10:00Z');
  const stranded = (phase: TenantState['phase'], over: Partial<{ updatedAt: string; servingSpec: TenantSpec }> = {}) => ({ phase, spec, updatedAt: '2026-01-01T00:00:00Z', ...over });
  it('offboards a tenant left Deleting, un-steering every namespace either spec named', () => {
    expect(resumeOf(stranded('Deleting', { servingSpec: serving }), now, 60_000)).toEqual({ operation: 'offboard', removedNamespaces: ['a', 'new', 'old'] });
  });
  it('updates a tenant left Updating with what differs from the serving spec, or onboards when nothing serves', () => {
    expect(resumeOf(stranded('Updating', { servingSpec: serving }), now, 60_000)).toEqual({ operation: 'update', changes: { gateway: true, firewall: false }, removedNamespaces: ['old'] });
    expect(resumeOf(stranded('Updating'), now, 60_000)).toEqual({ operation: 'onboard' });
  });
  it('onboards again from any onboarding phase; leaves settled tenants and fresh records alone', () => {
    for (const phase of ['Pending', 'Allocating', 'ApplyingGateway', 'WaitingForRoutes', 'OpeningFirewall'] as const) expect(resumeOf(stranded(phase), now, 60_000)).toEqual({ operation: 'onboard' });
    for (const phase of ['Ready', 'Failed', 'Deleted'] as const) expect(resumeOf(stranded(phase), now, 60_000)).toBeUndefined();
    expect(resumeOf(stranded('Deleting', { updatedAt: '2026-01-01T00:09:30Z' }), now, 60_000)).toBeUndefined();
  });
});

describe('nothing resurrects: who may take a tenant outside a request', () => {
  it('drift repair takes only a tenant Ready on the spec that serves', () => {
    expect(whyNotRepair({ phase: 'Ready', specFingerprint: 'a', servingFingerprint: 'a' })).toBeUndefined();
    for (const phase of ['Deleting', 'Deleted', 'Failed', 'Updating', 'Pending', 'WaitingForRoutes']) {
      expect(whyNotRepair({ phase, specFingerprint: 'a', servingFingerprint: 'a' })).toBe(`phase is ${phase} now`);
    }
    expect(whyNotRepair({ phase: 'Ready', specFingerprint: 'b', servingFingerprint: 'a' })).toBe('an update of its spec is pending');
    expect(whyNotRepair({ phase: 'Ready', specFingerprint: 'b' })).toBe('an update of its spec is pending');
  });
  it('a resumed lifecycle takes the tenant only while the record is the stranded one the sweep read', () => {
    const read = { phase: 'Deleting', updatedAt: '2026-01-01T00:00:00.000Z' };
    expect(whyNotResume(read, read)).toBeUndefined();
    expect(whyNotResume({ phase: 'Deleted', updatedAt: '2026-01-01T00:01:00.000Z' }, read)).toContain('moved on');
    expect(whyNotResume({ phase: 'Deleting', updatedAt: '2026-01-01T00:01:00.000Z' }, read)).toContain('moved on');
    // Started by a request, not the sweep: nothing to compare.
    expect(whyNotResume({ phase: 'Pending', updatedAt: 'x' }, undefined)).toBeUndefined();
  });
});

describe('Degraded (egress verification failed, the spec serves)', () => {
  const degraded = (over: Partial<TenantState> = {}): TenantState => ({ phase: 'Degraded', fingerprint: 'f', lifecycleRunning: false, prefixLength: 29, serving: true, ...over });
  it('is settled: never busy, updated like Ready, repaired by drift, not resumed', () => {
    expect(effectivePhase(degraded())).toBe('Degraded');
    expect(admitUpdate(degraded(), { fingerprint: 'g', prefixLength: 29, changes: { gateway: false, firewall: true } })).toMatchObject({ kind: 'start', operation: 'update' });
    expect(admitCreate(degraded(), { fingerprint: 'f' })).toMatchObject({ kind: 'existing' });
    expect(whyNotRepair({ phase: 'Degraded', specFingerprint: 'f', servingFingerprint: 'f' })).toBeUndefined();
    expect(resumeOf({ phase: 'Degraded', updatedAt: '2020-01-01T00:00:00Z', spec: {} as never }, new Date(), 1000)).toBeUndefined();
  });
  it('admits POST verify only for a serving tenant with no lifecycle running', () => {
    expect(admitVerify(degraded())).toEqual({ kind: 'start', operation: 'update', status: 202, storeSpec: false });
    expect(admitVerify(degraded({ phase: 'Ready' }))).toMatchObject({ kind: 'start' });
    expect(admitVerify(degraded({ lifecycleRunning: true, phase: 'Updating' }))).toMatchObject({ kind: 'reject', status: 409, code: 'TenantBusy' });
    expect(admitVerify(degraded({ phase: 'Failed', serving: false }))).toMatchObject({ kind: 'reject', status: 409, code: 'TenantNotServing' });
    expect(admitVerify(undefined)).toMatchObject({ kind: 'reject', status: 404 });
  });

  it('a late apply takes back what it made only while the offboarding that overtook it still holds the tenant', () => {
    expect(mayTakeBackLateApply({ phase: 'Deleting', lifecycleRun: 8 }, 8)).toBe(true);
    expect(mayTakeBackLateApply({ phase: 'Deleted', lifecycleRun: 8 }, 8)).toBe(true);
    // A POST after that offboarding finished took the tenant: its new gateway and pool must stay.
    expect(mayTakeBackLateApply({ phase: 'Allocating', lifecycleRun: 9 }, 8)).toBe(false);
    expect(mayTakeBackLateApply({ phase: 'Deleting', lifecycleRun: 9 }, 8)).toBe(false);
    // An update overtook it, not an offboarding: nothing is taken back.
    expect(mayTakeBackLateApply({ phase: 'Updating', lifecycleRun: 8 }, 8)).toBe(false);
  });
});
