import { ArmError } from './errors';

/**
 * Azure RBAC as ARM applies it to a request: the request's REST path names an action
 * (`<namespace>/<type>[/<child type>...]/read|write|delete`, or `.../<name>/action` for a POST) and a scope
 * (the resource; for a list, the collection's parent); a role assignment allows it when its scope is the
 * request's scope or an ancestor, and one of its role's actions matches (wildcards `*`, case-insensitive)
 * and none of its notActions. No assignment → 403 AuthorizationFailed with ARM's own message.
 * The decision is pure; `ArmAuthorization` holds the grants (and what a test withholds) for the pipeline.
 */

/** One role assignment, resolved: who, where, and the role's actions. */
export interface ArmGrant {
  principalId: string;
  scope: string;
  /** The role it comes from (for messages and tests). */
  role: string;
  actions: readonly string[];
  notActions: readonly string[];
}

export interface ArmCall {
  principalId: string;
  action: string;
  scope: string;
}

export type ArmDecision = { allow: true; grant: ArmGrant } | { allow: false; action: string; scope: string };

/** An action pattern as a role writes it (`Microsoft.Network/*`, `Microsoft.Network/virtualHubs/*`) against a concrete action. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** Whether an assignment at `grantScope` reaches `scope` (the same resource or one below it). */
export function scopeCovers(grantScope: string, scope: string): boolean {
  const g = grantScope.replace(/\/+$/, '').toLowerCase();
  const s = scope.replace(/\/+$/, '').toLowerCase();
  return s === g || s.startsWith(`${g}/`) || g === '';
}

export function authorizeArm(grants: readonly ArmGrant[], call: ArmCall): ArmDecision {
  const principal = call.principalId.toLowerCase();
  const grant = grants.find((g) => g.principalId.toLowerCase() === principal && scopeCovers(g.scope, call.scope)
    && g.actions.some((a) => actionMatches(a, call.action)) && !g.notActions.some((a) => actionMatches(a, call.action)));
  return grant ? { allow: true, grant } : { allow: false, action: call.action, scope: call.scope };
}

/** What an ARM request asks for: `undefined` when the path is not an ARM resource path (refused, never waved through). */
export function armActionOf(method: string, path: string): { action: string; scope: string } | undefined {
  const segments = path.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
  const verb = method === 'GET' || method === 'HEAD' ? 'read' : method === 'PUT' || method === 'PATCH' ? 'write' : method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : undefined;
  if (verb === undefined || segments[0]?.toLowerCase() !== 'subscriptions' || segments.length < 2) return undefined;
  const join = (parts: string[]): string => `/${parts.join('/')}`;
  const lower = segments.map((s) => s.toLowerCase());
  const providers = lower.indexOf('providers');
  if (providers < 0) {
    // /subscriptions/{s}/resourcegroups[/{rg}]: Microsoft.Resources.
    if (lower[2] !== 'resourcegroups' || verb === 'action' || segments.length > 4) return undefined;
    const scope = segments.length === 4 ? join(segments) : join(segments.slice(0, 2));
    return { action: `Microsoft.Resources/subscriptions/resourceGroups/${verb}`, scope };
  }
  const namespace = segments[providers + 1];
  const rest = segments.slice(providers + 2);
  if (namespace === undefined || rest.length === 0) return undefined;
  const types = rest.filter((_, i) => i % 2 === 0);
  if (rest.length % 2 === 0) {
    // A resource: /{type}/{name}[/{child}/{name}...]
    if (verb === 'action') return undefined;
    return { action: `${namespace}/${types.join('/')}/${verb}`, scope: join(segments) };
  }
  if (verb === 'action') {
    // A POST action on a resource: /{type}/{name}/.../{action}
    if (rest.length < 3) return undefined;
    const name = types.pop()!;
    return { action: `${namespace}/${types.join('/')}/${name}/action`, scope: join(segments.slice(0, -1)) };
  }
  // A collection: its parent is the scope (`.../providers/Microsoft.Network` for a top-level list).
  if (verb !== 'read') return undefined;
  return { action: `${namespace}/${types.join('/')}/read`, scope: join(segments.slice(0, -1)) };
}

/** ARM's answer (code and message as Azure writes them). */
export function authorizationFailed(principalId: string, action: string, scope: string): ArmError {
  return new ArmError(403, 'AuthorizationFailed',
    `The client '${principalId}' with object id '${principalId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
}

/** An ARM request as the authorizer sees it. */
export interface ArmAuthorizationRequest {
  principalId: string;
  method: string;
  path: string;
  /** For a long-running operation's status / result poll: the resource the operation acts on (undefined: unknown operation). */
  pollOf?: string | undefined;
  poll: boolean;
}

/**
 * The grants an ARM emulator enforces, and what a test withholds from them. A status poll of a long-running
 * operation (`/providers/<ns>/locations/<l>/operations/<id>`, subscription-level, where no scoped role
 * reaches) is allowed to a principal that holds any grant over the operation's resource: Azure does not
 * document the check, and scoped custom roles do poll their own operations.
 */
export class ArmAuthorization {
  private withheld = new Set<string>();

  constructor(private readonly grants: readonly ArmGrant[]) {}

  /** Take actions away from every grant (negative tests); `restore()` gives them back. */
  withhold(...actions: string[]): void {
    for (const a of actions) this.withheld.add(a.toLowerCase());
  }

  restore(): void {
    this.withheld = new Set();
  }

  /** The grants in force (without what is withheld). */
  effective(): ArmGrant[] {
    return this.grants.map((g) => ({ ...g, actions: g.actions.filter((a) => !this.withheld.has(a.toLowerCase())) }));
  }

  /** undefined = allowed; otherwise what was refused. */
  check(request: ArmAuthorizationRequest): { action: string; scope: string } | undefined {
    const grants = this.effective();
    if (request.poll) {
      const target = request.pollOf;
      const principal = request.principalId.toLowerCase();
      if (target === undefined || grants.some((g) => g.principalId.toLowerCase() === principal && g.actions.length > 0 && scopeCovers(g.scope, target))) return undefined;
      return { action: armActionOf(request.method, request.path)?.action ?? `${request.method} ${request.path}`, scope: request.path };
    }
    const asked = armActionOf(request.method, request.path);
    if (asked === undefined) return { action: `(no ARM action for ${request.method} ${request.path})`, scope: request.path };
    const decision = authorizeArm(grants, { principalId: request.principalId, ...asked });
    return decision.allow ? undefined : { action: decision.action, scope: decision.scope };
  }
}
