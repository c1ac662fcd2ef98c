/**
 * Kubernetes RBAC as the API server applies it: the request's attributes come from its path, method and
 * query alone (apiserver's RequestInfo: verb get/list/watch/create/update/patch/delete/deletecollection,
 * API group, resource, subresource, namespace, name), and a rule of a role bound to the user allows them
 * when its apiGroups, resources (`res`, `res/sub`, `*`), verbs and resourceNames match. Server-side apply
 * of an object that does not exist yet also needs `create` (apiserver handlers/patch.go checks it).
 * Refusals are 403 Forbidden Status objects with the API server's message. Discovery and OpenAPI paths are
 * open to every authenticated user (the built-in system:discovery ClusterRole).
 */
import { StatusError } from './errors';
import type { ResourceRegistry } from './resources';
import type { ObjectStore } from './store';

export interface PolicyRule {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
  resourceNames?: readonly string[];
}

/** Rules a user holds: cluster-wide (a ClusterRoleBinding) or in one namespace (a RoleBinding). */
export interface KubeGrant {
  user: string;
  /** Absent: every namespace and cluster-scoped resources. */
  namespace?: string;
  rules: readonly PolicyRule[];
  /** Where it comes from (`ClusterRole egress-pilot`), for tests and messages. */
  from: string;
}

export interface KubeGrants {
  grants: readonly KubeGrant[];
  /** Users allowed everything (AKS's cluster admins: the sandbox's own tooling). */
  admins: readonly string[];
}

export type RequestAttributes =
  | { resourceRequest: true; verb: string; group: string; version: string; resource: string; subresource?: string; namespace?: string; name?: string; apply: boolean }
  | { resourceRequest: false; verb: string; path: string };

const DISCOVERY = [/^\/api(\/.*)?$/, /^\/apis(\/[^/]+){0,2}$/, /^\/openapi(\/.*)?$/, /^\/version$/, /^\/healthz$/, /^\/livez$/, /^\/readyz$/, /^\/swagger-2\.0\.0\.pb-v1$/];
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** apiserver's RequestInfoFactory, for the paths this emulator serves. */
export function requestAttributes(method: string, path: string, query: URLSearchParams, contentType = ''): RequestAttributes {
  const trimmed = path.replace(/\/+$/, '') || '/';
  const parts = trimmed.split('/').slice(1).map(decodeURIComponent);
  const nonResource = (): RequestAttributes => ({ resourceRequest: false, verb: method.toLowerCase(), path: trimmed });
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) { group = ''; version = parts[1]!; rest = parts.slice(2); }
  else if (parts[0] === 'apis' && parts.length >= 4) { group = parts[1]!; version = parts[2]!; rest = parts.slice(3); }
  else return nonResource();
  let watchPath = false;
  if (rest[0] === 'watch') { watchPath = true; rest = rest.slice(1); }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (resource === undefined || resource.length === 0) return nonResource();
  const fieldName = /(?:^|,)metadata\.name=([^,]+)/.exec(query.get('fieldSelector') ?? '')?.[1];
  const watch = watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: string;
  switch (method.toUpperCase()) {
    case 'GET': case 'HEAD': verb = watch ? 'watch' : name === undefined ? 'list' : 'get'; break;
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name === undefined ? 'deletecollection' : 'delete'; break;
    default: verb = method.toLowerCase();
  }
  const objectName = name ?? (verb === 'list' || verb === 'watch' ? fieldName : undefined);
  return {
    resourceRequest: true, verb, group, version, resource,
    ...(subresource !== undefined ? { subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(objectName !== undefined ? { name: objectName } : {}),
    apply: method.toUpperCase() === 'PATCH' && /^application\/apply-patch\+(yaml|cbor)/i.test(contentType),
  };
}

function ruleAllows(rule: PolicyRule, verb: string, group: string, resource: string, subresource: string | undefined, name: string | undefined): boolean {
  const wanted = subresource ? `${resource}/${subresource}` : resource;
  const resourceOk = rule.resources.some((r) => r === '*' || r === wanted || (subresource !== undefined && (r === `*/${subresource}` || r === `${resource}/*`)));
  const namesOk = (rule.resourceNames ?? []).length === 0 || (name !== undefined && (rule.resourceNames ?? []).includes(name));
  return rule.verbs.some((v) => v === '*' || v === verb) && rule.apiGroups.some((g) => g === '*' || g === group) && resourceOk && namesOk;
}

export type KubeDecision = { allow: true } | { allow: false; verb: string };

/**
 * Pure: may `user` do this? `exists` says whether the named object is there (apply of a missing one also needs create).
 */
export function authorizeKube(grants: KubeGrants, user: string, attrs: RequestAttributes, exists: () => boolean): KubeDecision {
  if (grants.admins.includes(user)) return { allow: true };
  if (!attrs.resourceRequest) return DISCOVERY.some((re) => re.test(attrs.path)) ? { allow: true } : { allow: false, verb: attrs.verb };
  const held = grants.grants.filter((g) => g.user === user && (g.namespace === undefined || g.namespace === attrs.namespace));
  const allows = (verb: string): boolean => held.some((g) => g.rules.some((r) => ruleAllows(r, verb, attrs.group, attrs.resource, attrs.subresource, attrs.name)));
  if (!allows(attrs.verb)) return { allow: false, verb: attrs.verb };
  if (attrs.apply && attrs.subresource === undefined && !exists() && !allows('create')) return { allow: false, verb: 'create' };
  return { allow: true };
}

/** The API server's 403 (responsewriters.Forbidden + apierrors.NewForbidden). */
export function forbidden(user: string, attrs: RequestAttributes, verb: string): StatusError {
  if (!attrs.resourceRequest) {
    return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: User "${user}" cannot ${verb} path "${attrs.path}"`, reason: 'Forbidden', details: {}, code: 403 });
  }
  const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  const what = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const where = attrs.namespace !== undefined ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const subject = attrs.name !== undefined ? `${qualified} "${attrs.name}"` : qualified;
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `${subject} is forbidden: User "${user}" cannot ${verb} resource "${what}" in API group "${attrs.group}" ${where}`,
    reason: 'Forbidden',
    details: { ...(attrs.name !== undefined ? { name: attrs.name } : {}), ...(attrs.group ? { group: attrs.group } : {}), kind: attrs.resource },
    code: 403,
  });
}

/** One refusal, as counted. */
export interface KubeRefusal { cluster: string; user: string; verb: string; resource: string; namespace?: string; name?: string }

/**
 * The grants every cluster of a Kubernetes emulator enforces, what a test withholds (`create` on
 * `operator.tigera.io/egressgateways`), and the refusals so far.
 */
export class KubeAuthorization {
  private withheld: Array<{ group: string; resource: string; verb: string }> = [];
  private readonly refused: KubeRefusal[] = [];

  constructor(private readonly base: KubeGrants) {}

  withhold(...rights: Array<{ group: string; resource: string; verb: string }>): void {
    this.withheld.push(...rights);
  }

  restore(): void {
    this.withheld = [];
  }

  /** The grants in force: a withheld verb is taken out of every rule naming its group and resource (the rule's other resources keep it). */
  effective(): KubeGrants {
    if (this.withheld.length === 0) return this.base;
    const strip = (rule: PolicyRule): PolicyRule[] => {
      const hit = this.withheld.filter((w) => rule.apiGroups.includes(w.group) && rule.resources.includes(w.resource) && rule.verbs.includes(w.verb));
      if (hit.length === 0) return [rule];
      const touched = [...new Set(hit.map((w) => w.resource))];
      const untouched = rule.resources.filter((r) => !touched.includes(r));
      return [
        ...touched.map((resource) => ({ ...rule, resources: [resource], verbs: rule.verbs.filter((v) => !hit.some((w) => w.resource === resource && w.verb === v)) })),
        ...(untouched.length > 0 ? [{ ...rule, resources: untouched }] : []),
      ];
    };
    return { ...this.base, grants: this.base.grants.map((g) => ({ ...g, rules: g.rules.flatMap(strip) })) };
  }

  refusals(): KubeRefusal[] {
    return [...this.refused];
  }

  /** The hook one cluster's server calls: `served` and `store` say whether an applied object exists yet. */
  hook(cluster: string, served: ResourceRegistry, store: ObjectStore): (user: string, request: { method: string; path: string; query: URLSearchParams; contentType: string }) => void {
    return (user, request) => this.enforce(cluster, user, request, (a) => {
      const resource = served.byResource(a.group, a.version, a.resource);
      return resource !== undefined && a.name !== undefined && store.get(resource, a.namespace ?? '', a.name) !== undefined;
    });
  }

  /** Throws the 403 Status when the user may not. */
  enforce(cluster: string, user: string, request: { method: string; path: string; query: URLSearchParams; contentType: string }, exists: (attrs: Extract<RequestAttributes, { resourceRequest: true }>) => boolean): void {
    const attrs = requestAttributes(request.method, request.path, request.query, request.contentType);
    const decision = authorizeKube(this.effective(), user, attrs, () => attrs.resourceRequest && exists(attrs));
    if (decision.allow) return;
    this.refused.push({
      cluster, user, verb: decision.verb,
      resource: attrs.resourceRequest ? `${attrs.group ? `${attrs.group}/` : ''}${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}` : attrs.path,
      ...(attrs.resourceRequest && attrs.namespace !== undefined ? { namespace: attrs.namespace } : {}),
      ...(attrs.resourceRequest && attrs.name !== undefined ? { name: attrs.name } : {}),
    });
    throw forbidden(user, attrs, decision.verb);
  }
}
