/**
 * The rights infra/ gives the app, read from the Terraform itself (HashiCorp's HCL parser, compiled to
 * wasm: @cdktf/hcl2json), so the emulators enforce exactly what a deployment grants: the custom ARM roles
 * and where infra assigns them (modules/app-access), and the Kubernetes ClusterRoles / Roles and their
 * bindings (modules/calico-operator). Terraform references (`${var.route_server_id}`, `${each.value}`)
 * are kept as written; whoever starts the emulators binds them to the emulated world (local/sandbox/rbac.ts).
 */
import { parse } from '@cdktf/hcl2json';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const blocks = (v: Json | undefined): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);
const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const text = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** `azurerm_role_definition`: a custom role. */
export interface InfraArmRole {
  /** Terraform address, e.g. `azurerm_role_definition.route_server` (in `module`). */
  key: string;
  module: string;
  name: string;
  actions: string[];
  notActions: string[];
}

/** `azurerm_role_assignment` of a custom role: the scope as Terraform writes it. */
export interface InfraArmAssignment {
  key: string;
  module: string;
  /** Key of the role definition it assigns (`azurerm_role_definition.route_server`). */
  role: string;
  /** `${var.route_server_id}`, or for `for_each` assignments the collection (`${var.cluster_ids}`). */
  scope: string;
  forEach: boolean;
  principal: string;
}

export interface InfraPolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
  nonResourceUrls: string[];
}

export interface InfraKubeRole {
  key: string;
  module: string;
  name: string;
  /** Absent for a ClusterRole. */
  namespace?: string;
  rules: InfraPolicyRule[];
}

export interface InfraKubeBinding {
  key: string;
  module: string;
  /** Absent for a ClusterRoleBinding. */
  namespace?: string;
  roleRef: { kind: 'ClusterRole' | 'Role'; name: string };
  subjects: Array<{ kind: string; name: string; namespace?: string }>;
}

export interface InfraRbac {
  dir: string;
  armRoles: InfraArmRole[];
  /** Only assignments of custom roles (`role_definition_id`); built-in roles by name are listed in `builtinAssignments`. */
  armAssignments: InfraArmAssignment[];
  /** `azurerm_role_assignment` by `role_definition_name` (data-plane or Kubernetes roles the emulators do not expand). */
  builtinAssignments: Array<{ key: string; module: string; role: string }>;
  kubeRoles: InfraKubeRole[];
  kubeBindings: InfraKubeBinding[];
}

/** The repository's infra/ folder, found upwards from this file (source or dist/). */
export function defaultInfraDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'infra');
    if (existsSync(path.join(candidate, 'modules')) && existsSync(path.join(dir, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('cannot find infra/ (with modules/) above local/emulators/shared');
  }
}

function tfFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (entry.startsWith('.')) continue;
    if (statSync(full).isDirectory()) out.push(...tfFiles(full));
    else if (entry.endsWith('.tf')) out.push(full);
  }
  return out;
}

/** A literal metadata field, or the literal a reference like `${kubernetes_cluster_role_v1.x.metadata[0].name}` points to. */
function metadataField(body: Obj, field: 'name' | 'namespace'): string | undefined {
  return text(blocks(body.metadata)[0]?.[field]);
}

function policyRules(body: Obj): InfraPolicyRule[] {
  return blocks(body.rule).map((r) => ({
    apiGroups: strings(r.api_groups), resources: strings(r.resources), verbs: strings(r.verbs),
    resourceNames: strings(r.resource_names), nonResourceUrls: strings(r.non_resource_urls),
  }));
}

/** Reads every `.tf` file under `dir` (default: the repository's infra/) and returns the RBAC it declares. */
export async function loadInfraRbac(dir: string = defaultInfraDir()): Promise<InfraRbac> {
  const out: InfraRbac = { dir, armRoles: [], armAssignments: [], builtinAssignments: [], kubeRoles: [], kubeBindings: [] };
  const parsed: Array<{ module: string; resources: Obj }> = [];
  for (const file of tfFiles(dir)) {
    const source = readFileSync(file, 'utf8');
    // Only files that declare RBAC are parsed (the parser is the slow part of a sandbox start).
    if (!/resource\s+"(azurerm_role_(definition|assignment)|kubernetes_(cluster_)?role(_binding)?_v1)"/.test(source)) continue;
    const json = (await parse(path.basename(file), source)) as Obj;
    if (isObj(json.resource)) parsed.push({ module: path.relative(dir, path.dirname(file)) || '.', resources: json.resource });
  }
  const each = (resources: Obj, type: string): Array<[string, Obj]> =>
    Object.entries(isObj(resources[type]) ? resources[type] : {}).flatMap(([name, body]) => blocks(body).slice(0, 1).map((b) => [`${type}.${name}`, b] as [string, Obj]));

  // Role references resolve within their module: `${kubernetes_cluster_role_v1.egress_pilot.metadata[0].name}`.
  const roleNames = new Map<string, string>();
  for (const { module, resources } of parsed) {
    for (const [key, body] of each(resources, 'azurerm_role_definition')) {
      const permissions = blocks(body.permissions)[0] ?? {};
      out.armRoles.push({ key, module, name: text(body.name) ?? key, actions: strings(permissions.actions), notActions: strings(permissions.not_actions) });
    }
    for (const [key, body] of each(resources, 'azurerm_role_assignment')) {
      const roleId = text(body.role_definition_id);
      const builtin = text(body.role_definition_name);
      if (roleId === undefined) {
        out.builtinAssignments.push({ key, module, role: builtin ?? '(unnamed)' });
        continue;
      }
      const role = /^\$\{(azurerm_role_definition\.[\w-]+)\.role_definition_resource_id\}$/.exec(roleId)?.[1];
      if (role === undefined) throw new Error(`${module}: ${key}: role_definition_id ${roleId} is not a reference to a custom role of this module`);
      const forEach = text(body.for_each);
      const scope = text(body.scope) ?? '';
      out.armAssignments.push({
        key, module, role, forEach: forEach !== undefined,
        scope: forEach !== undefined && scope === '${each.value}' ? forEach : scope,
        principal: text(body.principal_id) ?? '',
      });
    }
    for (const [type, kind] of [['kubernetes_cluster_role_v1', 'ClusterRole'], ['kubernetes_role_v1', 'Role']] as const) {
      for (const [key, body] of each(resources, type)) {
        const name = metadataField(body, 'name') ?? key;
        roleNames.set(`${module}:${key}`, name);
        const namespace = kind === 'Role' ? metadataField(body, 'namespace') : undefined;
        out.kubeRoles.push({ key, module, name, ...(namespace !== undefined ? { namespace } : {}), rules: policyRules(body) });
      }
    }
  }
  for (const { module, resources } of parsed) {
    for (const type of ['kubernetes_cluster_role_binding_v1', 'kubernetes_role_binding_v1'] as const) {
      for (const [key, body] of each(resources, type)) {
        const ref = blocks(body.role_ref)[0] ?? {};
        const refName = text(ref.name) ?? '';
        const pointed = /^\$\{((?:kubernetes_cluster_role_v1|kubernetes_role_v1)\.[\w-]+)\.metadata\[0\]\.name\}$/.exec(refName)?.[1];
        const name = pointed !== undefined ? roleNames.get(`${module}:${pointed}`) : refName;
        if (name === undefined) throw new Error(`${module}: ${key}: role_ref ${refName} names no role of this module`);
        const namespace = type === 'kubernetes_role_binding_v1' ? metadataField(body, 'namespace') : undefined;
        out.kubeBindings.push({
          key, module, ...(namespace !== undefined ? { namespace } : {}),
          roleRef: { kind: text(ref.kind) === 'Role' ? 'Role' : 'ClusterRole', name },
          subjects: blocks(body.subject).map((s) => ({ kind: text(s.kind) ?? 'User', name: text(s.name) ?? '', ...(text(s.namespace) ? { namespace: text(s.namespace)! } : {}) })),
        });
      }
    }
  }
  return out;
}

/**
 * A Terraform reference (`${var.principal_id}`) bound to values of the emulated world; a literal stays
 * itself. Throws naming the reference when nothing binds it, so an infra change the emulators cannot place
 * fails the start instead of granting nothing (or everything) silently.
 */
export function bindReference(expression: string, bindings: Readonly<Record<string, readonly string[]>>, where: string): string[] {
  const ref = /^\$\{var\.([\w-]+)\}$/.exec(expression)?.[1];
  if (ref === undefined) {
    if (expression.includes('${')) throw new Error(`${where}: ${expression} is not a variable the emulators can bind`);
    return [expression];
  }
  const values = bindings[ref];
  if (values === undefined) throw new Error(`${where}: nothing in the emulated world binds var.${ref} (known: ${Object.keys(bindings).sort().join(', ')})`);
  return [...values];
}
