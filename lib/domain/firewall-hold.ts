/**
 * Whether the firewall writer, holding the lease and about to plan a round, should wait a little for tenants that
 * are about to need a write. Pure: the writer reads the facts and sleeps; this decides.
 *
 * Why: Azure writes a rule collection group in 3–5 min, one at a time per policy. In a burst the tenants reach the
 * firewall step spread over a minute or more (route propagation has a long tail), so a round started the moment
 * the writer is free carries the early ones, and the last few, ready seconds later, wait a whole extra write. A
 * short, bounded hold for those stragglers lets one write carry them all. Only for stragglers, not for the crowd:
 * while more tenants are on their way than are ready, another round is needed anyway, and holding this one would
 * only delay it (the burst bench: a held first round ended 20 s later and pushed the last write back as much).
 * A lone tenant (nobody on the way) is never held, and neither is a round that closes rules (offboarding removes
 * access at once).
 */
import type { Phase } from './lifecycle/progress';

/**
 * The default longest hold: half of a typical 4 min Azure write. A straggler that arrives within it is spared a
 * whole write of its own; the ready tenants pay at most this much more.
 */
export const DEFAULT_ROUND_HOLD_SECONDS = 120;

/** Phases of an onboarding before it asks for its rules: a tenant in one of them will soon want a write. */
export const PHASES_BEFORE_FIREWALL: ReadonlySet<Phase> = new Set<Phase>(['Pending', 'Allocating', 'ApplyingGateway', 'WaitingForRoutes']);

/**
 * A tenant that entered its phase longer ago than this many holds is not counted as on its way (routes that do not
 * come, a stuck step): it would otherwise make every round wait the full hold.
 */
export const APPROACH_WINDOW_HOLDS = 10;

/** A tenant as the hold sees it: its phase and when it entered it (the registry record's last change). */
export interface ApproachingTenant {
  phase: Phase;
  /** Epoch ms of the record's last change (for an onboarding, when it entered its current phase). */
  sinceMs: number;
}

export interface RoundHoldFacts {
  /** The pending changes the round would carry now. */
  pending: ReadonlyArray<{ state: 'open' | 'closed' }>;
  /** Tenants not settled, as the registry lists them (any phase; the decision picks those on their way). */
  tenants: ReadonlyArray<ApproachingTenant>;
  /** How long this round has held so far. */
  heldMs: number;
  nowMs: number;
}

export type RoundHoldDecision =
  | { hold: true; approaching: number; detail: string }
  | { hold: false; approaching: number; detail: string };

/** Tenants on their way to the firewall step: in a phase before it, entered within the approach window. */
export function tenantsOnTheirWay<T extends ApproachingTenant>(tenants: ReadonlyArray<T>, nowMs: number, holdLimitMs: number): T[] {
  const windowMs = holdLimitMs * APPROACH_WINDOW_HOLDS;
  return tenants.filter((t) => PHASES_BEFORE_FIREWALL.has(t.phase) && nowMs - t.sinceMs <= windowMs);
}

/**
 * Hold while a few tenants are on their way (no more than are ready), nothing pending closes rules, and the round
 * has held less than the limit.
 */
export function decideRoundHold(facts: RoundHoldFacts, holdLimitMs: number): RoundHoldDecision {
  if (holdLimitMs <= 0) return { hold: false, approaching: 0, detail: 'holding is off' };
  if (facts.pending.some((p) => p.state === 'closed')) return { hold: false, approaching: 0, detail: 'a change closes rules: written at once' };
  const approaching = tenantsOnTheirWay(facts.tenants, facts.nowMs, holdLimitMs).length;
  if (approaching === 0) return { hold: false, approaching, detail: 'no other tenant is on its way to the firewall step' };
  if (approaching > facts.pending.length) {
    return { hold: false, approaching, detail: `${approaching} tenant(s) on their way, more than the ${facts.pending.length} ready: another round is needed anyway, this one goes at once` };
  }
  if (facts.heldMs >= holdLimitMs) return { hold: false, approaching, detail: `held ${Math.round(facts.heldMs / 1000)} s, the most allowed; ${approaching} tenant(s) still on their way go in the next round` };
  return { hold: true, approaching, detail: `holding the round for ${approaching} tenant(s) about to need the firewall (up to ${Math.round(holdLimitMs / 1000)} s)` };
}

/** How often a held round looks again: often enough to end the hold soon after the last tenant arrives. */
export function holdPollMs(holdLimitMs: number): number {
  return Math.max(500, Math.min(5_000, Math.round(holdLimitMs / 12)));
}
