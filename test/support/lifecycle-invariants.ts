/**
 * Pure judgement of egress-pilot's lifecycle-safety guarantees over one observed state of the
 * registry, the emulated cloud and the API. No I/O here: test/support/cloud-state.ts reads the
 * state, this module only says what is wrong with it, in words, so the checker itself can be
 * unit-tested on hand-built states (test/unit/support/lifecycle-invariants.test.ts).
 */
import { overlaps, parseCidr } from '../../lib/domain/cidr';
import { renderTenantRuleCollections } from '../../lib/domain/firewall-rules';
import { SETTLED_PHASES } from '../../lib/domain/lifecycle/admission';
import { parseFirewallCollectionName, tenantKey, tenantNames } from '../../lib/domain/names';
import type { TenantSpec } from '../../lib/domain/tenant-spec';

/** A tenant as the registry holds it. */
export interface RegistryTenant {
  cluster: string;
  name: string;
  phase: string;
  cidr: string | undefined;
  spec: TenantSpec;
  lastError: string | undefined;
  /** Whether its lifecycle orchestration was running when read (undefined: not known). */
  lifecycleRunning?: boolean;
}

/** A CIDR claim in the claims table. */
export interface ClaimView {
  cidr: string;
  cluster: string;
  name: string;
  state: 'allocated' | 'quarantined';
}

/** One rule as the firewall policy holds it (the SDK's flattened wire form). */
export type RuleView = Record<string, unknown> & { name?: string; sourceAddresses?: string[] };

/** One rule collection of one rule collection group of the firewall policy. */
export interface CollectionView {
  group: string;
  name: string;
  rules: RuleView[];
}

/** What one cluster holds of the tenants' Calico objects. */
export interface ClusterView {
  pools: Array<{ name: string; cidr: string }>;
  gateways: Array<{ namespace: string; name: string }>;
  /** Every namespace with the egress steering annotations it carries (key → value). */
  namespaces: Array<{ name: string; steering: Record<string, string> }>;
}

/** The emulated cloud plus the registry, read at (about) one moment. */
export interface ObservedState {
  tenants: RegistryTenant[];
  claims: ClaimView[];
  collections: CollectionView[];
  clusters: Record<string, ClusterView>;
  /** Prefixes learned per Route Server instance (every BGP connection merged). */
  learned: Record<string, string[]>;
  /** The Route Server instances that must both learn a Ready tenant's /31s. */
  routeServerInstances: string[];
  /** ON_ROUTE_FAILURE of the app under test. */
  onRouteFailure: 'rollback' | 'keep';
}

/** An answer to "accept your next request" sent to a settled tenant (invariant 1). */
export interface Probe {
  cluster: string;
  name: string;
  /** The phase the tenant had when probed. */
  phase: string;
  method: 'PUT' | 'DELETE' | 'POST';
  status: number;
  code?: string;
  /** Whether its lifecycle was running just before and just after the answer. */
  lifecycleRunning: boolean;
}

export type Invariant = 'settles' | 'cidr-exclusive' | 'rule-owned' | 'ready-exact' | 'nothing-left' | 'collections-unique' | 'rule-owned-at-every-moment' | 'route-claimed-at-every-moment' | 'rule-opened-after-routes';

export interface Violation {
  invariant: Invariant;
  /** `<cluster>/<name>`, or the collection for rules no tenant owns. */
  subject: string;
  message: string;
}

/** A stable identity of a violation (to subtract what a previous run already left). */
export const violationKey = (v: Violation): string => `${v.invariant}|${v.subject}|${v.message}`;

export const formatViolation = (v: Violation): string => `[${v.invariant}] ${v.subject}: ${v.message}`;

/** The phases a tenant settles in (lib/domain/lifecycle/admission.ts): each accepts its next request. */
export const SETTLED: ReadonlySet<string> = new Set(SETTLED_PHASES);

const keyOf = (t: { cluster: string; name: string }): string => tenantKey(t);
const sourcesOf = (c: CollectionView): string[] => [...new Set(c.rules.flatMap((r) => r.sourceAddresses ?? []))].sort();
const sameCidr = (a: string, b: string): boolean => {
  try {
    const x = parseCidr(a);
    const y = parseCidr(b);
    return x.start === y.start && x.prefixLength === y.prefixLength;
  } catch {
    return a === b;
  }
};
const cidrOverlap = (a: string, b: string): boolean => {
  try {
    return overlaps(parseCidr(a), parseCidr(b));
  } catch {
    return a === b;
  }
};

/** Collections whose name says they are this tenant's. */
const collectionsOf = (state: Pick<ObservedState, 'collections'>, t: { cluster: string; name: string }): CollectionView[] =>
  state.collections.filter((c) => {
    const owner = parseFirewallCollectionName(c.name);
    return owner !== undefined && owner.cluster === t.cluster && owner.name === t.name;
  });

/** Namespaces whose steering annotations point at this tenant's gateway. */
function steeredBy(cluster: ClusterView | undefined, t: { cluster: string; name: string }): string[] {
  const gateway = tenantNames(t).egressGateway;
  return (cluster?.namespaces ?? [])
    .filter((ns) => Object.values(ns.steering).some((value) => new RegExp(`(^|[^a-z0-9-])${gateway}([^a-z0-9-]|$)`).test(value)))
    .map((ns) => ns.name);
}

/**
 * The guarantees, after quiescence (no lifecycle running, every tenant settled):
 *
 * 1. `settles`: every tenant settles (phase Ready, Failed or Deleted) and accepts its next request:
 *    with no lifecycle running it is never answered 409 TenantBusy; a PUT of its current spec answers
 *    200/202, a DELETE 202/200 ({@link judgeProbes}).
 * 2. `cidr-exclusive`: no CIDR is held by two live tenants, neither in the registry's `cidr` nor in
 *    the CIDR claims; a live tenant's registry CIDR is claimed (allocated) by that tenant only.
 * 3. `rule-owned`: every firewall rule source (rule collection groups of the firewall policy) belongs
 *    to a live tenant that the registry gives that CIDR, that holds the CIDR's claim, and whose IPPool
 *    with that CIDR exists on its cluster.
 * 4. `ready-exact`: a Ready tenant's rules carry exactly its allowlist (the collections
 *    lib/domain/firewall-rules.ts renders from its registry spec and CIDR), its IPPool and
 *    EgressGateway exist, its application namespaces are steered, and every Route Server instance
 *    learned at least `replicas` of its /31s.
 * 5. `nothing-left`: a Deleted tenant, or a Failed onboarding rolled back, left no IPPool, gateway,
 *    namespace-steering annotation, rule or CIDR claim. With ON_ROUTE_FAILURE=keep a Failed tenant may
 *    keep its pool and claim, but then its lastError says so ("kept"). A lifecycle that could not finish
 *    (a rollback, an offboarding, an update whose way back failed) says what stays and that a DELETE
 *    finishes it ("DELETE the tenant to finish"): such a tenant may keep its CIDR (claim and registry)
 *    and its Calico objects (but for a rollback that stopped waiting for withdrawal, which removed them);
 *    never a rule. The soak then DELETEs it and requires Deleted.
 * 6. `collections-unique`: no rule collection (by name) appears twice in the policy, and no two
 *    tenants' rules share a rule collection.
 *
 * At every moment (sampled while a run is going, {@link judgeMoment}): 3 holds in the weaker form that
 * can be sampled — a rule never exists for a CIDR without an IPPool and an allocated claim of the
 * tenant.
 *
 * Returns the violations in words; empty when every guarantee holds.
 */
export function checkLifecycleInvariants(state: ObservedState, probes: Probe[] = []): Violation[] {
  return [
    ...checkSettled(state),
    ...judgeProbes(probes),
    ...checkCidrsExclusive(state),
    ...checkRuleSources(state),
    ...checkReadyTenants(state),
    ...checkNothingLeft(state),
    ...checkCollectionsUnique(state),
  ];
}

/** 1 (state half): every tenant's phase is settled and no lifecycle still runs. */
export function checkSettled(state: Pick<ObservedState, 'tenants'>): Violation[] {
  return state.tenants.flatMap((t): Violation[] => {
    if (!SETTLED.has(t.phase)) return [{ invariant: 'settles', subject: keyOf(t), message: `phase ${t.phase} after quiescence${t.lifecycleRunning === false ? ' with no lifecycle running (stuck)' : ''}` }];
    if (t.lifecycleRunning === true) return [{ invariant: 'settles', subject: keyOf(t), message: `phase ${t.phase} but its lifecycle is still running` }];
    return [];
  });
}

/** 1 (request half): a settled tenant with no lifecycle running accepts its next PUT or DELETE. */
export function judgeProbes(probes: Probe[]): Violation[] {
  return probes.flatMap((p): Violation[] => {
    const subject = keyOf(p);
    if (p.status === 409 && p.code === 'TenantBusy' && !p.lifecycleRunning) {
      return [{ invariant: 'settles', subject, message: `${p.method} answered 409 TenantBusy in phase ${p.phase} while no lifecycle was running` }];
    }
    const allowed = p.method === 'DELETE' ? [200, 202] : p.phase === 'Deleted' ? [404] : [200, 202];
    if (allowed.includes(p.status)) return [];
    return [{ invariant: 'settles', subject, message: `${p.method} of its current spec in phase ${p.phase} answered ${p.status}${p.code ? ` ${p.code}` : ''} (expected ${allowed.join('/')})` }];
  });
}

/** 2: no CIDR held by two live tenants (registry and claims); a live tenant's CIDR is its own claim. */
export function checkCidrsExclusive(state: Pick<ObservedState, 'tenants' | 'claims'>): Violation[] {
  const out: Violation[] = [];
  const live = state.tenants.filter((t) => t.phase !== 'Deleted' && t.cidr !== undefined);
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const a = live[i]!;
      const b = live[j]!;
      if (cidrOverlap(a.cidr!, b.cidr!)) out.push({ invariant: 'cidr-exclusive', subject: keyOf(a), message: `registry gives ${a.cidr} which overlaps ${b.cidr} of live tenant ${keyOf(b)}` });
    }
  }
  for (let i = 0; i < state.claims.length; i++) {
    for (let j = i + 1; j < state.claims.length; j++) {
      const a = state.claims[i]!;
      const b = state.claims[j]!;
      if (cidrOverlap(a.cidr, b.cidr)) out.push({ invariant: 'cidr-exclusive', subject: keyOf(a), message: `claim ${a.cidr} (${a.state}) overlaps claim ${b.cidr} (${b.state}) of ${keyOf(b)}` });
    }
  }
  for (const t of live) {
    const claims = state.claims.filter((c) => cidrOverlap(c.cidr, t.cidr!));
    const foreign = claims.filter((c) => keyOf(c) !== keyOf(t));
    for (const c of foreign) out.push({ invariant: 'cidr-exclusive', subject: keyOf(t), message: `its registry CIDR ${t.cidr} is claimed (${c.state}) by ${keyOf(c)}` });
    const own = claims.some((c) => keyOf(c) === keyOf(t) && c.state === 'allocated' && sameCidr(c.cidr, t.cidr!));
    if (!own && foreign.length === 0 && t.phase !== 'Failed') out.push({ invariant: 'cidr-exclusive', subject: keyOf(t), message: `its registry CIDR ${t.cidr} (phase ${t.phase}) has no allocated claim: the allocator may hand it out again` });
  }
  return out;
}

/** 3: every rule source belongs to a live tenant given that CIDR, holding its claim, with its pool on its cluster. */
export function checkRuleSources(state: ObservedState): Violation[] {
  const out: Violation[] = [];
  const byKey = new Map(state.tenants.map((t) => [keyOf(t), t]));
  for (const collection of state.collections) {
    const owner = parseFirewallCollectionName(collection.name);
    if (owner === undefined) {
      out.push({ invariant: 'rule-owned', subject: `${collection.group}/${collection.name}`, message: `collection in an egress-pilot group names no tenant; sources ${sourcesOf(collection).join(', ') || '(none)'}` });
      continue;
    }
    const subject = keyOf(owner);
    const tenant = byKey.get(subject);
    for (const source of sourcesOf(collection)) {
      const where = `rule source ${source} in ${collection.group}/${collection.name}`;
      if (tenant === undefined) { out.push({ invariant: 'rule-owned', subject, message: `${where}: no such tenant in the registry` }); continue; }
      if (tenant.phase === 'Deleted') { out.push({ invariant: 'rule-owned', subject, message: `${where}: the tenant is Deleted` }); continue; }
      if (tenant.cidr === undefined || !sameCidr(tenant.cidr, source)) out.push({ invariant: 'rule-owned', subject, message: `${where}: the registry gives the tenant ${tenant.cidr ?? 'no CIDR'} (phase ${tenant.phase})` });
      if (!state.claims.some((c) => keyOf(c) === subject && c.state === 'allocated' && sameCidr(c.cidr, source))) {
        const holder = state.claims.find((c) => cidrOverlap(c.cidr, source));
        out.push({ invariant: 'rule-owned', subject, message: `${where}: no allocated claim of the tenant (${holder ? `claimed ${holder.state} by ${keyOf(holder)}` : 'unclaimed'})` });
      }
      if (!(state.clusters[owner.cluster]?.pools ?? []).some((p) => sameCidr(p.cidr, source))) out.push({ invariant: 'rule-owned', subject, message: `${where}: no IPPool with that CIDR on ${owner.cluster}` });
    }
  }
  return out;
}

/** Deep equality where an absent field and an empty array are the same (the wire omits empty lists). */
function sameValue(a: unknown, b: unknown): boolean {
  const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** The fields of a rule egress-pilot decides (the renderer's), compared against what the policy holds. */
function ruleDifference(expected: RuleView, actual: RuleView | undefined): string | undefined {
  if (actual === undefined) return `rule ${expected.name ?? '?'} missing`;
  const ignored = new Set(['description']);
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)].filter((k) => !ignored.has(k)));
  const differing = [...keys].filter((k) => !sameValue(expected[k], actual[k]));
  return differing.length === 0 ? undefined : `rule ${expected.name ?? '?'} differs in ${differing.map((k) => `${k} (want ${JSON.stringify(expected[k])}, have ${JSON.stringify(actual[k])})`).join(', ')}`;
}

/**
 * 4: a Ready tenant's rules are exactly its allowlist; pool and gateway exist; both instances learned its /31s.
 * A Degraded tenant serves its spec too (only its egress verification failed): the same holds, but for the
 * steering of its application namespaces, which may be the very reason it is Degraded.
 */
export function checkReadyTenants(state: ObservedState): Violation[] {
  const out: Violation[] = [];
  for (const t of state.tenants.filter((x) => x.phase === 'Ready' || x.phase === 'Degraded')) {
    const subject = keyOf(t);
    const add = (message: string): void => { out.push({ invariant: 'ready-exact', subject, message }); };
    if (t.cidr === undefined) { add(`${t.phase} without a CIDR`); continue; }
    const names = tenantNames(t);
    const cluster = state.clusters[t.cluster];
    const expected = renderTenantRuleCollections({ spec: t.spec, cidr: t.cidr });
    const actual = collectionsOf(state, t);
    const expectedNames = expected.map((c) => c.name).sort();
    const actualNames = [...new Set(actual.map((c) => c.name))].sort();
    if (!sameValue(expectedNames, actualNames)) add(`rule collections ${JSON.stringify(actualNames)}, expected ${JSON.stringify(expectedNames)}`);
    for (const want of expected) {
      const have = actual.find((c) => c.name === want.name);
      if (have === undefined) continue;
      const wantRules = want.rules as unknown as RuleView[];
      const problems = wantRules.map((r) => ruleDifference(r, have.rules.find((h) => h.name === r.name))).filter((p): p is string => p !== undefined);
      const extra = have.rules.filter((h) => !wantRules.some((r) => r.name === h.name)).map((h) => `extra rule ${h.name ?? '?'}`);
      if (problems.length + extra.length > 0) add(`${want.name}: ${[...problems, ...extra].join('; ')}`);
    }
    if (!(cluster?.pools ?? []).some((p) => p.name === names.ipPool && sameCidr(p.cidr, t.cidr!))) add(`no IPPool ${names.ipPool} with ${t.cidr} on ${t.cluster}`);
    if (!(cluster?.gateways ?? []).some((g) => g.namespace === names.namespace && g.name === names.egressGateway)) add(`no EgressGateway ${names.namespace}/${names.egressGateway} on ${t.cluster}`);
    const steered = steeredBy(cluster, t);
    const unsteered = t.spec.namespaces.filter((ns) => !steered.includes(ns));
    if (unsteered.length > 0 && t.phase === 'Ready') add(`application namespaces not steered through its gateway: ${unsteered.join(', ')}`);
    for (const instance of state.routeServerInstances) {
      const mine = (state.learned[instance] ?? []).filter((p) => p.endsWith('/31') && cidrOverlap(p, t.cidr!));
      if (mine.length < t.spec.gateway.replicas) add(`Route Server ${instance} learned ${mine.length} /31 of ${t.cidr}, expected ${t.spec.gateway.replicas}`);
    }
  }
  return out;
}

/** 5: a Deleted tenant, or a rolled-back Failed onboarding, left nothing behind (keep: said so). */
export function checkNothingLeft(state: ObservedState): Violation[] {
  const out: Violation[] = [];
  for (const t of state.tenants.filter((x) => x.phase === 'Deleted' || x.phase === 'Failed')) {
    const subject = keyOf(t);
    const add = (message: string): void => { out.push({ invariant: 'nothing-left', subject, message }); };
    const what = t.phase === 'Deleted' ? 'Deleted' : 'Failed';
    const names = tenantNames(t);
    const cluster = state.clusters[t.cluster];
    const error = t.lastError ?? '';
    const kept = t.phase === 'Failed' && state.onRouteFailure === 'keep';
    const saysKept = /\bkept\b|ON_ROUTE_FAILURE=keep/i.test(error);
    // The orchestrator's words for a lifecycle that could not finish (tenant-lifecycle.ts): it says what stays and
    // that a DELETE finishes it. Only the rollback that stopped waiting for withdrawal promises its Calico objects gone.
    const unfinished = t.phase === 'Failed' && /DELETE the tenant to finish/.test(error);
    const stoppedBeforeCalico = unfinished && !/Calico resources removed, CIDR kept claimed/.test(error);
    const pool = (cluster?.pools ?? []).find((p) => p.name === names.ipPool);
    const gateway = (cluster?.gateways ?? []).find((g) => g.namespace === names.namespace && g.name === names.egressGateway);
    const claims = state.claims.filter((c) => keyOf(c) === subject);
    if (collectionsOf(state, t).length > 0) add(`${what} but rule collections ${collectionsOf(state, t).map((c) => c.name).join(', ')} remain`);
    if (kept) {
      if ((pool || gateway || claims.some((c) => c.state === 'allocated')) && !saysKept) add(`Failed with ON_ROUTE_FAILURE=keep holds ${[pool && 'its IPPool', gateway && 'its gateway', claims.length > 0 && 'its claim'].filter(Boolean).join(', ')} but lastError does not say so: ${JSON.stringify(error)}`);
      continue;
    }
    if (!stoppedBeforeCalico) {
      if (pool) add(`${what} but IPPool ${pool.name} (${pool.cidr}) remains on ${t.cluster}`);
      if (gateway) add(`${what} but EgressGateway ${names.namespace}/${names.egressGateway} remains on ${t.cluster}`);
      const steered = steeredBy(cluster, t);
      if (steered.length > 0) add(`${what} but namespaces ${steered.join(', ')} still steered to its gateway`);
    }
    if (!unfinished) for (const c of claims) add(`${what} but CIDR claim ${c.cidr} (${c.state}) remains`);
    if (t.phase === 'Failed' && t.cidr !== undefined && !unfinished) add(`Failed (rolled back) but the registry still gives it ${t.cidr}`);
  }
  return out;
}

/** 6: no collection name twice in the policy; no collection mixes sources of two tenants. */
export function checkCollectionsUnique(state: Pick<ObservedState, 'collections' | 'tenants'>): Violation[] {
  const out: Violation[] = [];
  const seen = new Map<string, string[]>();
  for (const c of state.collections) seen.set(c.name, [...(seen.get(c.name) ?? []), c.group]);
  for (const [name, groups] of seen) if (groups.length > 1) out.push({ invariant: 'collections-unique', subject: name, message: `rule collection appears ${groups.length} times (groups ${groups.join(', ')})` });
  for (const c of state.collections) {
    const sources = sourcesOf(c);
    if (sources.length <= 1) continue;
    const owners = sources.map((s) => state.tenants.filter((t) => t.phase !== 'Deleted' && t.cidr !== undefined && sameCidr(t.cidr, s)).map(keyOf).join('|') || 'nobody');
    out.push({ invariant: 'collections-unique', subject: `${c.group}/${c.name}`, message: `one collection holds rules of several sources ${sources.join(', ')} (owners ${owners.join(', ')})` });
  }
  return out;
}

/** What a moment sample reads around the rules: pools and claims. */
export interface OwnershipSample {
  pools: Record<string, Array<{ name: string; cidr: string }>>;
  claims: ClaimView[];
}

/**
 * 3 at one moment, from pools + claims read before the rules and again after: a rule is a violation
 * only when its tenant had no IPPool with the source CIDR, or no allocated claim of it, in BOTH
 * surrounding reads (so a pool created or removed between the reads is never blamed).
 * With `routes` (learned routes read beside the rules): "a CIDR is released only after its routes are
 * withdrawn" at that moment — a route learned inside the egress supernet must lie in a claimed block
 * (allocated or quarantined) in one of the surrounding reads.
 */
export function judgeMoment(before: OwnershipSample, collections: CollectionView[], after: OwnershipSample, routes?: { learned: Record<string, string[]>; supernet: string }): Violation[] {
  const out: Violation[] = [];
  const owned = (sample: OwnershipSample, cluster: string, tenant: string, source: string): { pool: boolean; claim: boolean } => ({
    pool: (sample.pools[cluster] ?? []).some((p) => sameCidr(p.cidr, source)),
    claim: sample.claims.some((c) => c.cluster === cluster && c.name === tenant && c.state === 'allocated' && sameCidr(c.cidr, source)),
  });
  for (const c of collections) {
    const owner = parseFirewallCollectionName(c.name);
    for (const source of sourcesOf(c)) {
      if (owner === undefined) {
        out.push({ invariant: 'rule-owned-at-every-moment', subject: `${c.group}/${c.name}`, message: `rule source ${source} in a collection naming no tenant` });
        continue;
      }
      const a = owned(before, owner.cluster, owner.name, source);
      const b = owned(after, owner.cluster, owner.name, source);
      const missing = [!a.pool && !b.pool && 'IPPool', !a.claim && !b.claim && 'allocated claim'].filter((m): m is string => typeof m === 'string');
      if (missing.length > 0) out.push({ invariant: 'rule-owned-at-every-moment', subject: keyOf(owner), message: `rule source ${source} in ${c.name} open without ${missing.join(' and ')} of the tenant` });
    }
  }
  if (routes) out.push(...unclaimedRoutes(before, routes, after));
  return out;
}

/** Learned routes inside the supernet that no claim (allocated or quarantined) covered in either surrounding read. */
function unclaimedRoutes(before: OwnershipSample, routes: { learned: Record<string, string[]>; supernet: string }, after: OwnershipSample): Violation[] {
  const parse = (text: string) => { try { return parseCidr(text); } catch { return undefined; } };
  const supernet = parse(routes.supernet);
  const claimed = [...before.claims, ...after.claims].flatMap((c) => { const p = parse(c.cidr); return p ? [p] : []; });
  const out: Violation[] = [];
  for (const [instance, networks] of Object.entries(routes.learned)) {
    for (const network of new Set(networks)) {
      const route = parse(network);
      if (!route || !supernet || !overlaps(supernet, route)) continue;
      if (!claimed.some((c) => overlaps(c, route))) out.push({ invariant: 'route-claimed-at-every-moment', subject: network, message: `route ${network} learned on ${instance} while no claim holds it: a CIDR was released before its routes were withdrawn` });
    }
  }
  return out;
}

/** Every (tenant, source) a rule is open for, in the words of the collections' names. */
export function openRules(collections: CollectionView[]): Array<{ key: string; tenant: string; source: string; collection: string }> {
  const out = new Map<string, { key: string; tenant: string; source: string; collection: string }>();
  for (const c of collections) {
    const owner = parseFirewallCollectionName(c.name);
    if (owner === undefined) continue; // judgeMoment names those
    for (const source of sourcesOf(c)) {
      const key = `${keyOf(owner)}|${source}`;
      if (!out.has(key)) out.set(key, { key, tenant: keyOf(owner), source, collection: c.name });
    }
  }
  return [...out.values()];
}

/**
 * "Rules open only after both Route Server instances learned the tenant's /31s", judged at the first moment a
 * rule is seen open: `learnedFor(rule)` gives, per instance, the routes seen learned in any sample since the
 * rule's claim was first seen (this one included), and each instance must hold one inside its source. Not only
 * this read: a route may rightly drop between the app's check and the rule's opening (a session re-syncing),
 * and the ordering is what is guaranteed. (Only first sightings are judged: a Ready tenant may later lose a
 * route, and the rule rightly stays.)
 */
export function judgeOpenings(newlyOpen: ReadonlyArray<{ key: string; tenant: string; source: string; collection: string }>, learnedFor: (rule: { key: string }) => Record<string, string[]>, instances: readonly string[]): Violation[] {
  const parse = (text: string) => { try { return parseCidr(text); } catch { return undefined; } };
  const out: Violation[] = [];
  for (const rule of newlyOpen) {
    const source = parse(rule.source);
    if (source === undefined) continue;
    const learned = learnedFor(rule);
    const without = instances.filter((i) => !(learned[i] ?? []).some((n) => { const r = parse(n); return r !== undefined && overlaps(source, r); }));
    if (without.length > 0) out.push({ invariant: 'rule-opened-after-routes', subject: rule.tenant, message: `rule source ${rule.source} in ${rule.collection} opened while ${without.join(' and ')} had learned no route inside it since its claim was first seen (routes seen: ${instances.map((i) => `${i} ${(learned[i] ?? []).length}`).join(', ')})` });
  }
  return out;
}

/**
 * The sampler's memory for judgeOpenings: when each (tenant, CIDR) claim was first seen allocated, and the last
 * sample each learned route was seen in.
 */
export class RouteSightings {
  private sample = 0;
  private readonly claimFirstSeen = new Map<string, number>();
  private readonly lastLearned = new Map<string, Map<string, number>>();

  /** Records one sample's claims and learned routes (inside the supernet). */
  record(claims: readonly ClaimView[], learned: Record<string, string[]>, supernet: string): void {
    this.sample += 1;
    for (const c of claims) {
      const key = `${c.cluster}/${c.name}|${c.cidr}`;
      if (c.state === 'allocated' && !this.claimFirstSeen.has(key)) this.claimFirstSeen.set(key, this.sample);
    }
    for (const [instance, networks] of Object.entries(learned)) {
      const seen = this.lastLearned.get(instance) ?? new Map<string, number>();
      for (const n of networks) if (insideSupernet(n, supernet)) seen.set(n, this.sample);
      this.lastLearned.set(instance, seen);
    }
  }

  /** Per instance, the routes seen learned since the rule's claim was first seen (its key is `cluster/name|cidr`). */
  learnedFor(rule: { key: string }): Record<string, string[]> {
    const since = this.claimFirstSeen.get(rule.key) ?? 0;
    return Object.fromEntries([...this.lastLearned].map(([instance, seen]) => [instance, [...seen].filter(([, at]) => at >= since).map(([n]) => n)]));
  }
}

/** Whether a learned prefix lies inside the egress supernet (unparsable text: no). */
export function insideSupernet(network: string, supernet: string): boolean {
  try {
    return overlaps(parseCidr(supernet), parseCidr(network));
  } catch {
    return false;
  }
}
