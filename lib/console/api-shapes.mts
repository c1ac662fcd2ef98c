/**
 * What the console reads from the API (GET /api/tenants, /api/clusters, /api/capacity), and the readers
 * that turn an answer's JSON into these shapes. The browser cannot load zod, so each reader checks the
 * fields the console uses and names the first one that is wrong (an old or different app version).
 */
export interface Step {
  name: string;
  state: string;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
}

/** One probed target of issue 14's egress verification (lib/domain/egress-verification.ts TargetResult). */
export interface EgressResult {
  target: string;
  outcome: string;
  expected?: string;
  detail?: string;
  latencyMs?: number;
  /** Whether the outcome is the expected one. */
  ok?: boolean;
}

export interface Tenant {
  name: string;
  cluster: string;
  cidr: string | null;
  phase: string;
  operation?: string;
  steps: Step[];
  /** The /31s the tenant's gateways should advertise, and how many each Route Server instance learned. */
  routes: { expected: string[]; learned: Record<string, number> };
  firewall: { ruleCollectionGroup: string; ruleCollections: string[] } | null;
  error?: string;
  lastAttempt?: { step?: string; error: string; at?: string };
  /** Issue 14's egress verification, when the app has it. */
  egress?: { verifiedAt?: string; ok?: boolean; results: EgressResult[]; sourceSeen?: string; problems: string[]; skipped?: string };
  updatedAt?: string;
}

export interface RouteReflector {
  name: string;
  ip: string;
  ready: boolean;
  routeServerConnection: { name: string; state: string } | null;
}

export interface Cluster {
  name: string;
  bootstrap: { state: string; step?: string; error?: string };
  routeReflectors: RouteReflector[];
  peering: { inSync: boolean; problems: string[] };
  tenants: Array<{ name: string; phase: string; cidr: string | null }>;
  routeBudget?: { routesPerPeer: number; budgetPerPeer: number; tenantsCounted: number };
  unreachable?: string;
}

export interface Gauge {
  scope: string;
  name: string;
  used: number;
  limit: number;
  unit: string;
}

export class ShapeError extends Error {
  constructor(readonly field: string, reason: string) {
    super(`${field} ${reason}`);
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(field, 'is not an object');
  return value as Json;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(field, 'is not a list');
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ShapeError(field, 'is not a string');
  return value;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ShapeError(field, 'is not a number');
  return value;
}

const optionalString = (value: unknown, field: string): string | undefined => (value === undefined || value === null ? undefined : string(value, field));

function step(value: unknown, field: string): Step {
  const s = object(value, field);
  const startedAt = optionalString(s.startedAt, `${field}.startedAt`);
  const endedAt = optionalString(s.endedAt, `${field}.endedAt`);
  const detail = optionalString(s.detail, `${field}.detail`);
  return { name: string(s.name, `${field}.name`), state: string(s.state, `${field}.state`), ...(startedAt ? { startedAt } : {}), ...(endedAt ? { endedAt } : {}), ...(detail ? { detail } : {}) };
}

function egress(value: unknown, field: string): Tenant['egress'] {
  if (value === undefined || value === null) return undefined;
  const e = object(value, field);
  const results = array(e.results ?? [], `${field}.results`).map((r, i): EgressResult => {
    const at = `${field}.results[${i}]`;
    const o = object(r, at);
    const expected = optionalString(o.expected, `${at}.expected`);
    const detail = optionalString(o.detail, `${at}.detail`);
    const latencyMs = o.latencyMs === undefined ? undefined : number(o.latencyMs, `${at}.latencyMs`);
    return {
      target: string(o.target, `${at}.target`), outcome: string(o.outcome, `${at}.outcome`),
      ...(expected ? { expected } : {}), ...(detail ? { detail } : {}), ...(latencyMs !== undefined ? { latencyMs } : {}), ...(typeof o.ok === 'boolean' ? { ok: o.ok } : {}),
    };
  });
  const verifiedAt = optionalString(e.verifiedAt, `${field}.verifiedAt`);
  const sourceSeen = optionalString(e.sourceSeen, `${field}.sourceSeen`);
  const skipped = optionalString(e.skipped, `${field}.skipped`);
  const problems = array(e.problems ?? [], `${field}.problems`).map((p, i) => string(p, `${field}.problems[${i}]`));
  return { results, problems, ...(verifiedAt ? { verifiedAt } : {}), ...(typeof e.ok === 'boolean' ? { ok: e.ok } : {}), ...(sourceSeen ? { sourceSeen } : {}), ...(skipped ? { skipped } : {}) };
}

export function readTenant(value: unknown, field = 'tenant'): Tenant {
  const t = object(value, field);
  const routes = t.routes === undefined || t.routes === null ? { expected: [], learned: {} } : object(t.routes, `${field}.routes`);
  const learnedIn = object(routes.learned ?? {}, `${field}.routes.learned`);
  const learned: Record<string, number> = {};
  for (const [instance, n] of Object.entries(learnedIn)) learned[instance] = number(n, `${field}.routes.learned.${instance}`);
  const fw = t.firewall === undefined || t.firewall === null ? null : object(t.firewall, `${field}.firewall`);
  const last = t.lastAttempt === undefined || t.lastAttempt === null ? undefined : object(t.lastAttempt, `${field}.lastAttempt`);
  const operation = optionalString(t.operation, `${field}.operation`);
  const error = optionalString(t.error, `${field}.error`);
  const updatedAt = optionalString(t.updatedAt, `${field}.updatedAt`);
  const verification = egress(t.egress, `${field}.egress`);
  return {
    name: string(t.name, `${field}.name`),
    cluster: string(t.cluster, `${field}.cluster`),
    cidr: t.cidr === null || t.cidr === undefined ? null : string(t.cidr, `${field}.cidr`),
    phase: string(t.phase, `${field}.phase`),
    steps: array(t.steps ?? [], `${field}.steps`).map((s, i) => step(s, `${field}.steps[${i}]`)),
    routes: { expected: array(routes.expected ?? [], `${field}.routes.expected`).map((r, i) => string(r, `${field}.routes.expected[${i}]`)), learned },
    firewall: fw ? { ruleCollectionGroup: string(fw.ruleCollectionGroup, `${field}.firewall.ruleCollectionGroup`), ruleCollections: array(fw.ruleCollections ?? [], `${field}.firewall.ruleCollections`).map((c, i) => string(c, `${field}.firewall.ruleCollections[${i}]`)) } : null,
    ...(operation ? { operation } : {}),
    ...(error ? { error } : {}),
    ...(last ? { lastAttempt: { error: string(last.error, `${field}.lastAttempt.error`), ...(typeof last.step === 'string' ? { step: last.step } : {}), ...(typeof last.at === 'string' ? { at: last.at } : {}) } } : {}),
    ...(verification ? { egress: verification } : {}),
    ...(updatedAt ? { updatedAt } : {}),
  };
}

/** One page of GET /api/tenants. */
export function readTenantPage(value: unknown): { items: Tenant[]; continuationToken?: string } {
  const page = object(value, '(body)');
  const items = array(page.items, 'items').map((t, i) => readTenant(t, `items[${i}]`));
  const token = optionalString(page.continuationToken, 'continuationToken');
  return { items, ...(token ? { continuationToken: token } : {}) };
}

function reflector(value: unknown, field: string): RouteReflector {
  const r = object(value, field);
  const c = r.routeServerConnection === null || r.routeServerConnection === undefined ? null : object(r.routeServerConnection, `${field}.routeServerConnection`);
  return {
    name: string(r.name, `${field}.name`),
    ip: string(r.ip, `${field}.ip`),
    ready: r.ready === true,
    routeServerConnection: c ? { name: string(c.name, `${field}.routeServerConnection.name`), state: string(c.state, `${field}.routeServerConnection.state`) } : null,
  };
}

/** GET /api/clusters. */
export function readClusters(value: unknown): Cluster[] {
  const body = object(value, '(body)');
  return array(body.clusters, 'clusters').map((v, i) => {
    const field = `clusters[${i}]`;
    const c = object(v, field);
    const bootstrap = object(c.bootstrap, `${field}.bootstrap`);
    const peering = c.peering === undefined ? { inSync: true, problems: [] } : object(c.peering, `${field}.peering`);
    const budget = c.routeBudget === undefined ? undefined : object(c.routeBudget, `${field}.routeBudget`);
    const step = optionalString(bootstrap.step, `${field}.bootstrap.step`);
    const error = optionalString(bootstrap.error, `${field}.bootstrap.error`);
    const unreachable = optionalString(c.unreachable, `${field}.unreachable`);
    return {
      name: string(c.name, `${field}.name`),
      bootstrap: { state: string(bootstrap.state, `${field}.bootstrap.state`), ...(step ? { step } : {}), ...(error ? { error } : {}) },
      routeReflectors: array(c.routeReflectors ?? [], `${field}.routeReflectors`).map((r, j) => reflector(r, `${field}.routeReflectors[${j}]`)),
      peering: { inSync: peering.inSync !== false, problems: array(peering.problems ?? [], `${field}.peering.problems`).map((p, j) => string(p, `${field}.peering.problems[${j}]`)) },
      tenants: array(c.tenants ?? [], `${field}.tenants`).map((t, j) => {
        const o = object(t, `${field}.tenants[${j}]`);
        return { name: string(o.name, `${field}.tenants[${j}].name`), phase: string(o.phase, `${field}.tenants[${j}].phase`), cidr: o.cidr === null || o.cidr === undefined ? null : string(o.cidr, `${field}.tenants[${j}].cidr`) };
      }),
      ...(budget ? { routeBudget: { routesPerPeer: number(budget.routesPerPeer, `${field}.routeBudget.routesPerPeer`), budgetPerPeer: number(budget.budgetPerPeer, `${field}.routeBudget.budgetPerPeer`), tenantsCounted: number(budget.tenantsCounted, `${field}.routeBudget.tenantsCounted`) } } : {}),
      ...(unreachable ? { unreachable } : {}),
    };
  });
}

/** The `gauges` of GET /api/capacity (the rest of that answer is for the CLI and scripts). */
export function readGauges(value: unknown): { generatedAt?: string; gauges: Gauge[] } {
  const body = object(value, '(body)');
  const generatedAt = optionalString(body.generatedAt, 'generatedAt');
  const gauges = array(body.gauges, 'gauges').map((v, i) => {
    const g = object(v, `gauges[${i}]`);
    return { scope: string(g.scope, `gauges[${i}].scope`), name: string(g.name, `gauges[${i}].name`), used: number(g.used, `gauges[${i}].used`), limit: number(g.limit, `gauges[${i}].limit`), unit: string(g.unit, `gauges[${i}].unit`) };
  });
  return { ...(generatedAt ? { generatedAt } : {}), gauges };
}

/** GET /api/console-api/whoami: the person App Service authentication signed in. */
export function readWhoAmI(value: unknown): { user: { id: string; name: string; identityProvider?: string }; signOutUrl?: string } {
  const body = object(value, '(body)');
  const user = object(body.user, 'user');
  const identityProvider = optionalString(user.identityProvider, 'user.identityProvider');
  const signOutUrl = optionalString(body.signOutUrl, 'signOutUrl');
  return { user: { id: string(user.id, 'user.id'), name: string(user.name, 'user.name'), ...(identityProvider ? { identityProvider } : {}) }, ...(signOutUrl ? { signOutUrl } : {}) };
}
