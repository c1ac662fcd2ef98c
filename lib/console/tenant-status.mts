/**
 * How the console reads a tenant's state at a glance: is a lifecycle running, what tone its phase has,
 * what the firewall is doing, how many /31s each Route Server instance learned. Pure: tested in
 * test/unit/console, used by the tenants table, the tenant's page and the refresh cadence.
 */
import type { Tenant } from '../console/api-shapes.mjs';

/**
 * Phases in which no lifecycle runs: lib/domain/lifecycle/admission.ts SETTLED_PHASES (the browser
 * cannot load that CommonJS module; a unit test keeps the two lists equal).
 */
export const SETTLED_PHASES: readonly string[] = ['Ready', 'Degraded', 'Failed', 'Deleted'];

export type Tone = 'ok' | 'busy' | 'bad' | 'idle';

export function isSettled(tenant: Pick<Tenant, 'phase' | 'steps'>): boolean {
  if (tenant.steps.some((s) => s.state === 'Running')) return false;
  return SETTLED_PHASES.includes(tenant.phase);
}

export function phaseTone(phase: string): Tone {
  if (phase === 'Ready') return 'ok';
  if (phase === 'Failed' || phase === 'Degraded') return 'bad';
  if (phase === 'Deleted') return 'idle';
  return 'busy';
}

/** The firewall as the tenant's steps and placement tell it (the writer itself is not visible here). */
export function firewallState(tenant: Pick<Tenant, 'phase' | 'steps' | 'firewall'>): { label: string; tone: Tone; detail?: string } {
  const step = (name: string) => tenant.steps.find((s) => s.name === name);
  const placement = tenant.firewall ? `${tenant.firewall.ruleCollectionGroup}: ${tenant.firewall.ruleCollections.join(', ')}` : undefined;
  const withDetail = (label: string, tone: Tone, detail?: string) => ({ label, tone, ...(detail ? { detail } : {}) });
  const close = step('closeFirewall');
  if (close) {
    if (close.state === 'Running') return withDetail('closing', 'busy', close.detail);
    if (close.state === 'Failed') return withDetail('close failed', 'bad', close.detail);
    if (close.state === 'Succeeded' || close.state === 'Skipped') return withDetail('closed', 'idle', close.detail);
  }
  if (tenant.phase === 'Deleted') return withDetail('closed', 'idle');
  const open = step('openFirewall');
  if (open?.state === 'Running') return withDetail('writing', 'busy', open.detail);
  if (open?.state === 'Failed') return withDetail('write failed', 'bad', open.detail);
  if (open?.state === 'Succeeded') return withDetail('open', 'ok', placement ?? open.detail);
  if (open?.state === 'Pending' && !isSettled(tenant)) return withDetail('waiting for routes', 'idle');
  if (tenant.phase === 'Failed') return withDetail('closed', 'idle', 'a failed onboarding holds no rules');
  return placement ? withDetail('open', 'ok', placement) : withDetail('none', 'idle');
}

/** Route Server instances named in any tenant's learned routes, sorted (Azure has two per Route Server). */
export function routeServerInstances(tenants: readonly Pick<Tenant, 'routes'>[]): string[] {
  return [...new Set(tenants.flatMap((t) => Object.keys(t.routes.learned)))].sort();
}

/** `IN_0` for `RouteServiceRole_IN_0`: what a reader needs to tell the two instances apart. */
export function shortInstance(instance: string): string {
  return instance.replace(/^RouteServiceRole_/, '');
}

/** Per instance, /31s learned out of those expected. */
export function learnedPerInstance(tenant: Pick<Tenant, 'routes'>, instances: readonly string[]): Array<{ instance: string; learned: number; expected: number; complete: boolean }> {
  const expected = tenant.routes.expected.length;
  return instances.map((instance) => {
    const learned = tenant.routes.learned[instance] ?? 0;
    return { instance, learned, expected, complete: expected > 0 && learned >= expected };
  });
}

/** Poll fast while any lifecycle runs (its steps change every few seconds), slowly otherwise. */
export function refreshDelayMs(tenants: readonly Pick<Tenant, 'phase' | 'steps'>[], cadence = { runningMs: 2_000, settledMs: 10_000 }): number {
  return tenants.every(isSettled) ? cadence.settledMs : cadence.runningMs;
}

/**
 * What to read on a refresh: the whole tenant list at most every `fullEveryMs` (each item costs the API a
 * progress read), and in between only the tenants whose lifecycle runs, so a fleet of a thousand tenants with
 * one onboarding costs one read every 2 s instead of a thousand.
 */
export function planTenantReads(cached: { readAt: number; tenants: readonly Pick<Tenant, 'cluster' | 'name' | 'phase' | 'steps'>[] } | undefined, now: number, fullEveryMs = 10_000): { kind: 'all' } | { kind: 'some'; tenants: Array<{ cluster: string; name: string }> } {
  if (cached === undefined || now - cached.readAt >= fullEveryMs) return { kind: 'all' };
  return { kind: 'some', tenants: cached.tenants.filter((t) => !isSettled(t)).map((t) => ({ cluster: t.cluster, name: t.name })) };
}
