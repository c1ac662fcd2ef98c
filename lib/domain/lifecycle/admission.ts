import type { Operation, Phase } from './progress';
import { diffTenantSpecs } from '../spec-fingerprint';
import type { TenantSpec } from '../tenant-spec';

/**
 * Decides what an API request does to a tenant, from what the registry holds and whether its
 * lifecycle orchestration is running. Pure, so every rule below is a unit test, not an HTTP test.
 */
export interface TenantState {
  phase: Phase;
  /** Fingerprint of the desired spec stored for the tenant. */
  fingerprint: string;
  /** True while the tenant's orchestration instance is Pending or Running. */
  lifecycleRunning: boolean;
  /** The stored spec's pool prefix. */
  prefixLength: number;
  /** True when a spec serves (the tenant reached Ready and nothing has taken it away since). */
  serving: boolean;
}

export type Admission =
  | { kind: 'start'; operation: Operation; status: 202; storeSpec: boolean; terminateRunning?: boolean }
  | { kind: 'existing'; status: 202 | 200; reason: string }
  | { kind: 'reject'; status: 404 | 409 | 422; code: string; reason: string; retryAfterSeconds?: number };

const settled = (phase: Phase): boolean => (SETTLED_PHASES as readonly Phase[]).includes(phase);
/** A spec serves: Ready, or Degraded (everything in place, but egress verification failed). */
const serves = (phase: Phase): boolean => phase === 'Ready' || phase === 'Degraded';

/**
 * The phase admission decides on. A tenant whose lifecycle is not running is never busy: a phase
 * left mid-way (the orchestration failed hard, was terminated, or never started after the record
 * was written) counts as what is really there: Ready if a spec serves, else Failed; Deleting stays
 * Deleting (only a DELETE may finish it).
 */
export function effectivePhase(state: Pick<TenantState, 'phase' | 'lifecycleRunning' | 'serving'>): Phase {
  if (state.lifecycleRunning || settled(state.phase) || state.phase === 'Deleting') return state.phase;
  return state.serving ? 'Ready' : 'Failed';
}

export function admitCreate(stored: TenantState | undefined, request: { fingerprint: string }): Admission {
  const existing = stored && { ...stored, phase: effectivePhase(stored) };
  if (!existing || existing.phase === 'Deleted') return { kind: 'start', operation: 'onboard', status: 202, storeSpec: true };
  if (existing.phase === 'Deleting') {
    return { kind: 'reject', status: 409, code: 'TenantBeingDeleted', reason: 'the tenant is being offboarded; create it again once GET shows phase Deleted', retryAfterSeconds: 30 };
  }
  if (existing.phase === 'Failed' && !existing.lifecycleRunning) {
    // A failed onboarding left nothing that conflicts: try again, with the spec given now.
    return { kind: 'start', operation: 'onboard', status: 202, storeSpec: true };
  }
  if (existing.fingerprint === request.fingerprint) return { kind: 'existing', status: 202, reason: 'the same spec is already onboarding or onboarded' };
  return { kind: 'reject', status: 409, code: 'TenantExists', reason: 'a tenant with this name exists on this cluster with a different spec; change it with PUT /api/tenants/{cluster}/{name}' };
}

export function admitUpdate(
  stored: TenantState | undefined,
  request: { fingerprint: string; prefixLength: number; changes: { gateway: boolean; firewall: boolean } },
): Admission {
  const existing = stored && { ...stored, phase: effectivePhase(stored) };
  if (!existing || existing.phase === 'Deleted') return { kind: 'reject', status: 404, code: 'TenantNotFound', reason: 'no such tenant; create it with POST /api/tenants' };
  if (existing.phase === 'Deleting') return { kind: 'reject', status: 409, code: 'TenantBeingDeleted', reason: 'the tenant is being offboarded' };
  if (existing.lifecycleRunning || !settled(existing.phase)) {
    return { kind: 'reject', status: 409, code: 'TenantBusy', reason: `the tenant's lifecycle is running (phase ${existing.phase}); retry when it is Ready or Failed`, retryAfterSeconds: 15 };
  }
  if (existing.phase === 'Failed') return { kind: 'start', operation: 'onboard', status: 202, storeSpec: true };
  if (existing.prefixLength !== request.prefixLength) {
    return { kind: 'reject', status: 422, code: 'PoolSizeImmutable', reason: `gateway.prefixLength cannot change in place (${existing.prefixLength} → ${request.prefixLength}): the CIDR is the tenant's identity in the firewall; delete and recreate the tenant` };
  }
  // `changes` are against the serving spec: the same spec as what serves is nothing to do.
  if (!request.changes.gateway && !request.changes.firewall) {
    return { kind: 'existing', status: 200, reason: 'nothing changed' };
  }
  return { kind: 'start', operation: 'update', status: 202, storeSpec: true };
}

export function admitDelete(stored: TenantState | undefined): Admission {
  const existing = stored && { ...stored, phase: effectivePhase(stored) };
  if (!existing) return { kind: 'reject', status: 404, code: 'TenantNotFound', reason: 'no such tenant' };
  if (existing.phase === 'Deleted') return { kind: 'existing', status: 200, reason: 'already deleted' };
  if (existing.phase === 'Deleting' && existing.lifecycleRunning) return { kind: 'existing', status: 202, reason: 'already being offboarded' };
  // Offboarding undoes whatever a running onboarding or update has done so far, so it may interrupt one.
  return { kind: 'start', operation: 'offboard', status: 202, storeSpec: false, terminateRunning: existing.lifecycleRunning };
}

/**
 * What an update re-converges, from the stored spec to the new one: replicas, application
 * namespaces or steering mean gateway + routes, allowlist changes mean firewall; namespaces the new spec
 * drops lose their steering annotations.
 */
export function planUpdate(previous: TenantSpec, next: TenantSpec): { changes: { gateway: boolean; firewall: boolean }; removedNamespaces: string[] } {
  const diff = diffTenantSpecs(previous, next);
  return {
    changes: { gateway: diff.replicas || diff.namespaces || diff.steering, firewall: diff.allowlist },
    removedNamespaces: previous.namespaces.filter((n) => !next.namespaces.includes(n)),
  };
}

/** Every application namespace the stored spec or the serving spec steers: what an offboarding un-steers. */
export function namespacesEitherSpecSteers(tenant: { spec: TenantSpec; servingSpec?: TenantSpec }): string[] {
  return [...new Set([...tenant.spec.namespaces, ...(tenant.servingSpec?.namespaces ?? [])])];
}

/** Phases a tenant rests in; any other phase means a lifecycle should be running. */
export const SETTLED_PHASES = ['Ready', 'Failed', 'Deleted', 'Degraded'] as const satisfies readonly Phase[];

/**
 * A tenant whose record says a lifecycle is under way but none runs (the process that accepted the request
 * died before starting it, the task hub lost it, or the orchestration failed hard): what finishes what the
 * caller was promised with 202. Deleting → offboard; Updating → update what differs from the serving spec
 * (onboard if nothing serves); any onboarding phase → onboard again (every step is idempotent). Undefined
 * while the record changed too recently: the request that wrote it may still be starting its lifecycle.
 */
export function resumeOf(
  stranded: { phase: Phase; updatedAt: string; spec: TenantSpec; servingSpec?: TenantSpec },
  now: Date,
  graceMs: number,
): { operation: Operation; changes?: { gateway: boolean; firewall: boolean }; removedNamespaces?: string[] } | undefined {
  if ((SETTLED_PHASES as readonly Phase[]).includes(stranded.phase)) return undefined;
  if (now.getTime() - Date.parse(stranded.updatedAt) < graceMs) return undefined;
  if (stranded.phase === 'Deleting') return { operation: 'offboard', removedNamespaces: namespacesEitherSpecSteers(stranded) };
  if (stranded.phase === 'Updating' && stranded.servingSpec) {
    const { changes, removedNamespaces } = planUpdate(stranded.servingSpec, stranded.spec);
    return { operation: 'update', changes, removedNamespaces };
  }
  return { operation: 'onboard' };
}

/**
 * POST /api/tenants/{cluster}/{name}/verify: verify the egress of a tenant whose spec serves (Ready or
 * Degraded), as an update that changes nothing, so the verifyEgress step alone runs.
 */
export function admitVerify(stored: TenantState | undefined): Admission {
  const existing = stored && { ...stored, phase: effectivePhase(stored) };
  if (!existing || existing.phase === 'Deleted') return { kind: 'reject', status: 404, code: 'TenantNotFound', reason: 'no such tenant' };
  if (existing.lifecycleRunning) {
    return { kind: 'reject', status: 409, code: 'TenantBusy', reason: `the tenant's lifecycle is running (phase ${existing.phase}); verify when it is Ready or Degraded`, retryAfterSeconds: 15 };
  }
  if (!serves(existing.phase) || !existing.serving) return { kind: 'reject', status: 409, code: 'TenantNotServing', reason: `phase ${existing.phase}: only a Ready or Degraded tenant has egress to verify` };
  return { kind: 'start', operation: 'update', status: 202, storeSpec: false };
}

/**
 * Why drift repair must leave a tenant alone, or undefined when it may take it: only a tenant Ready on the
 * spec that serves. Anything else is being changed by a lifecycle (or failed, which DELETE cleans up), and
 * re-applying it could resurrect what an offboarding is removing.
 */
export function whyNotRepair(record: { phase: string; specFingerprint: string; servingFingerprint?: string }): string | undefined {
  // Degraded serves its spec too: repairing what drifted (a namespace un-steered by hand) is how it recovers.
  if (record.phase !== 'Ready' && record.phase !== 'Degraded') return `phase is ${record.phase} now`;
  if (record.servingFingerprint !== record.specFingerprint) return 'an update of its spec is pending';
  return undefined;
}

/**
 * Why a lifecycle the resume sweep started must not take the tenant, or undefined: the record is no longer
 * the stranded one the sweep read (an offboarding finished, a request came), so resuming would resurrect.
 */
export function whyNotResume(record: { phase: string; updatedAt: string }, resumeOf: { phase: string; updatedAt: string } | undefined): string | undefined {
  if (!resumeOf || (record.phase === resumeOf.phase && record.updatedAt === resumeOf.updatedAt)) return undefined;
  return `resume skipped: the tenant moved on since the sweep read it (phase ${record.phase} now, was ${resumeOf.phase})`;
}

/**
 * Whether a late apply (of a lifecycle an offboarding overtook) may still take back what it made: only while
 * that offboarding run holds the tenant. Once a newer lifecycle took it (a POST after the offboarding ended),
 * whatever exists under the tenant's names is that lifecycle's, and removing it would strand it.
 */
export function mayTakeBackLateApply(record: { phase: string; lifecycleRun: number }, overtakingRun: number): boolean {
  return record.lifecycleRun === overtakingRun && (record.phase === 'Deleting' || record.phase === 'Deleted');
}
