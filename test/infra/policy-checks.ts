/**
 * Project policy checks on parsed Terraform: no secret literals, pinned providers, least-privilege roles
 * and assignment scopes, and the app-settings contract with the app's configuration schema.
 */
import { blocks, isObj, resolveSource, strings, type Json, type ModuleTree, type Obj, type TfModule } from './hcl';

/** Literal patterns that only ever appear in credentials. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/AccountKey=/i, 'storage account key in a connection string'],
  [/SharedAccessSignature=|[?&]sig=[A-Za-z0-9%+/]{16,}/i, 'shared access signature'],
  [/SharedAccessKey=/i, 'shared access key in a connection string'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key'],
  [/InstrumentationKey=[0-9a-f]{8}-/i, 'Application Insights key in a literal connection string'],
  [/[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{30,}/, 'Entra client secret'],
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==/, 'base64 storage/service key'],
];
/** Attribute names that hold credentials: their values must be expressions (references), never literals. */
const SECRET_NAMES = /(password|secret|access_key|account_key|connection_string|sas_token|api_key|private_key)$/i;

/** No credential literals: known secret shapes anywhere in the text, and no literal value for a secret-named attribute. */
export function checkNoSecretLiterals(mod: TfModule): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(mod.sources)) {
    for (const [pattern, what] of SECRET_PATTERNS) if (pattern.test(text)) problems.push(`${mod.dir}/${file}: contains a ${what}`);
  }
  const visit = (value: Json | undefined, at: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${at}[${i}]`));
    else if (isObj(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (SECRET_NAMES.test(k) && typeof v === 'string' && v !== '' && !v.includes('${')) problems.push(`${mod.dir}: ${at}.${k}: literal value for a secret`);
        visit(v, `${at}.${k}`);
      }
    }
  };
  for (const [file, json] of Object.entries(mod.parsed)) visit(json, file);
  return problems;
}

/** `~> 4.50`, `~> 4.50.1`, `4.50.1` or `= 4.50.1`: a major upgrade never happens by itself. */
const PINNED = /^(?:~>\s*\d+\.\d+(?:\.\d+)?|=?\s*\d+\.\d+\.\d+)$/;

/**
 * Providers are declared and pinned: every provider a module uses (resource/data type prefix or
 * provider block) is in its required_providers with a source and a pinned version, and the module
 * states required_version.
 */
export function checkProviderPins(mod: TfModule): string[] {
  const problems: string[] = [];
  const used = new Set<string>([...mod.providerConfigs.keys()]);
  for (const key of [...mod.resources.keys(), ...mod.data.keys()]) used.add(key.split('_')[0]!);
  for (const provider of used) if (!mod.requiredProviders.has(provider)) problems.push(`${mod.dir}: provider "${provider}" is used but not in required_providers`);
  for (const [name, req] of mod.requiredProviders) {
    if (typeof req.source !== 'string' || !/^[\w-]+\/[\w-]+$/.test(req.source)) problems.push(`${mod.dir}: provider "${name}" has no source`);
    if (typeof req.version !== 'string' || !PINNED.test(req.version.trim())) problems.push(`${mod.dir}: provider "${name}" version ${JSON.stringify(req.version)} is not pinned (use "~> X.Y" or an exact version)`);
  }
  if ((mod.resources.size > 0 || mod.data.size > 0 || mod.moduleCalls.size > 0) && !mod.requiredVersion) problems.push(`${mod.dir}: terraform.required_version is not set`);
  return problems;
}

/** The actions granted by every custom role definition (azurerm_role_definition) in a module. */
export function customRoleActions(mod: TfModule): Array<{ role: string; actions: Json[]; dataActions: Json[] }> {
  const found: Array<{ role: string; actions: Json[]; dataActions: Json[] }> = [];
  for (const [key, body] of mod.resources) {
    if (!key.startsWith('azurerm_role_definition.')) continue;
    for (const p of blocks(body.permissions)) {
      found.push({ role: key, actions: Array.isArray(p.actions) ? p.actions : [p.actions ?? null], dataActions: Array.isArray(p.data_actions) ? p.data_actions : p.data_actions === undefined ? [] : [p.data_actions] });
    }
  }
  return found;
}

/**
 * Custom roles grant only listed actions: each action is a literal (so it can be checked), contains
 * no '*', and is in `allowed`; data actions are not granted through custom roles at all.
 */
export function checkRoleActions(mod: TfModule, allowed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { role, actions, dataActions } of customRoleActions(mod)) {
    for (const action of actions) {
      if (typeof action !== 'string' || action.includes('${')) problems.push(`${mod.dir}: ${role}: action ${JSON.stringify(action)} is not a literal string`);
      else if (action.includes('*')) problems.push(`${mod.dir}: ${role}: wildcard action "${action}"`);
      else if (!allowed.has(action)) problems.push(`${mod.dir}: ${role}: action "${action}" is not called by the app (lib/adapters/azure-permissions.ts)`);
    }
    if (dataActions.length > 0) problems.push(`${mod.dir}: ${role}: grants data actions; use a built-in data role scoped to the resource instead`);
  }
  return problems;
}

/**
 * The one assignment allowed at a resource group, with the scope it must have: the AKS cluster reader, since
 * the app lists the clusters of AKS_RESOURCE_GROUP and bootstraps clusters created there later (ARM
 * authorizes a list at the resource group; infra/modules/app-access explains).
 */
export const RESOURCE_GROUP_ASSIGNMENTS: Readonly<Record<string, string>> = { 'azurerm_role_assignment.aks': '${var.aks_resource_group_id}' };

/** Role assignments never target a subscription, nor a resource group (but RESOURCE_GROUP_ASSIGNMENTS): each is scoped to one resource. */
export function checkAssignmentScopes(mod: TfModule): string[] {
  const problems: string[] = [];
  for (const [key, body] of mod.resources) {
    if (!key.startsWith('azurerm_role_assignment.')) continue;
    const scope = body.scope;
    if (typeof scope !== 'string') {
      problems.push(`${mod.dir}: ${key}: scope is missing`);
      continue;
    }
    if (RESOURCE_GROUP_ASSIGNMENTS[key] === scope) continue;
    if (/^\/subscriptions\/[^/]+\/?$/i.test(scope) || /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/?$/i.test(scope)) problems.push(`${mod.dir}: ${key}: scope ${scope} is a subscription or resource group`);
    if (/azurerm_subscription|azurerm_client_config|azurerm_resource_group\.|resource_group_id|subscription_id/.test(scope)) problems.push(`${mod.dir}: ${key}: scope ${scope} is a subscription or resource group`);
  }
  return problems;
}

/** Keys of a literal object (map/object constructor) value; undefined when the value is an expression. */
export function literalKeys(value: Json | undefined): string[] | undefined {
  return isObj(value) ? Object.keys(value) : undefined;
}

export interface ContractSetting {
  name: string;
  required: boolean;
  secret?: boolean;
}

/**
 * The Function App's app settings against the app's configuration schema: every required setting is
 * set, nothing is set that the app does not read, no secret is set, host-level settings are only the
 * listed ones, and every app-settings sink of the function module reads the merged local.
 */
export function checkAppSettingsContract(args: {
  root: TfModule;
  functionModule: TfModule;
  functionCallName: string;
  schema: ReadonlyArray<ContractSetting>;
  hostLevel: ReadonlyMap<string, string>;
}): string[] {
  const { root, functionModule, functionCallName, schema, hostLevel } = args;
  const problems: string[] = [];
  const appKeys = literalKeys(root.locals.get('app_settings'));
  if (!appKeys) return [`${root.dir}: local "app_settings" must be a literal map so its keys can be checked`];
  // Host-level settings: every local named *_app_settings except the merged app_settings itself.
  const hostKeys: string[] = [];
  for (const [name, value] of functionModule.locals) {
    if (!name.endsWith('_app_settings')) continue;
    const keys = literalKeys(value);
    if (!keys) return [`${functionModule.dir}: local "${name}" must be a literal map so its keys can be checked`];
    hostKeys.push(...keys);
  }
  if (!functionModule.locals.has('host_app_settings')) return [`${functionModule.dir}: local "host_app_settings" is missing`];
  const byName = new Map(schema.map((s) => [s.name, s]));
  for (const s of schema) if (s.required && !appKeys.includes(s.name)) problems.push(`app setting ${s.name} is required by the app but not set by Terraform`);
  for (const key of appKeys) {
    const s = byName.get(key);
    if (!s) problems.push(`app setting ${key} is set by Terraform but the app does not read it`);
    else if (s.secret) problems.push(`app setting ${key} is a secret: Terraform must not set it`);
    if (hostLevel.has(key)) problems.push(`app setting ${key} is host-level, not the app's`);
  }
  for (const key of hostKeys) {
    if (!hostLevel.has(key)) problems.push(`host-level setting ${key} is not in the documented host-level list`);
    if (byName.has(key)) problems.push(`host-level setting ${key} is also an app setting`);
  }
  const call = root.moduleCalls.get(functionCallName);
  if (!call) problems.push(`${root.dir}: module "${functionCallName}" is not called`);
  else if (call.app_settings !== '${local.app_settings}') problems.push(`${root.dir}: module "${functionCallName}" must receive app_settings = local.app_settings`);
  const merged = functionModule.locals.get('app_settings');
  // Optional settings join as whole checked locals (`cond ? local.x_app_settings : {}`), never inline.
  if (typeof merged !== 'string' || !/^\$\{merge\(\s*local\.host_app_settings\s*,\s*var\.app_settings\s*(,\s*[\w.]+\s*\?\s*local\.\w+_app_settings\s*:\s*\{\}\s*)*\)\}$/.test(merged)) problems.push(`${functionModule.dir}: local "app_settings" must be merge(local.host_app_settings, var.app_settings[, cond ? local.x_app_settings : {}])`);
  let sinks = 0;
  for (const [key, body] of functionModule.resources) {
    const type = key.split('.')[0]!;
    const sink = type === 'azapi_resource' ? appSettingsOfSite(body) : FUNCTION_APP_TYPES.has(type) ? body.app_settings : undefined;
    if (sink === undefined) continue;
    sinks += 1;
    if (typeof sink !== 'string' || !sink.includes('local.app_settings')) problems.push(`${functionModule.dir}: ${key}: app settings must come from local.app_settings`);
    // Inline entries would bypass the contract: settings are added only through the checked locals.
    else if (FUNCTION_APP_TYPES.has(type) && /[{,]\s*"?[A-Za-z_][\w]*"?\s*=[^=]/.test(sink)) problems.push(`${functionModule.dir}: ${key}: app settings add inline entries; put them in a *_app_settings local`);
  }
  if (sinks === 0) problems.push(`${functionModule.dir}: no Function App resource sets app settings`);
  return problems;
}

const FUNCTION_APP_TYPES = new Set(['azurerm_linux_function_app', 'azurerm_windows_function_app', 'azurerm_function_app_flex_consumption']);

function appSettingsOfSite(body: Obj): Json | undefined {
  const props = isObj(body.body) && isObj(body.body.properties) ? body.body.properties : undefined;
  return props && isObj(props.siteConfig) ? props.siteConfig.appSettings : undefined;
}

/** Provider attributes that hold a secret (marked Sensitive in their schemas), matched at the end of a reference. */
const SENSITIVE_ATTRIBUTE = /\.(connection_string|instrumentation_key|primary_access_key|secondary_access_key|primary_connection_string|secondary_connection_string|kube_config_raw|kube_admin_config_raw|kube_config|kube_admin_config|client_secret|password|primary_key|secondary_key)\b/;
/** Variable names that announce a secret (Calico Enterprise license, pull secrets, Calico Cloud install tokens …). */
const SECRET_NAME = /(secret|password|token|license|pull_secret|private_key|api_key)/;

/**
 * State is shared by the team (remote backend), but outputs and plans print: an output that carries a secret
 * attribute, a sensitive variable or a sensitive module output must be `sensitive = true` (Terraform refuses
 * some of these at plan; this says so without a plan), and a variable named like a secret must be sensitive.
 */
export function checkSensitive(mod: TfModule, tree?: ModuleTree): string[] {
  const problems: string[] = [];
  const sensitiveVars = new Set([...mod.variables].filter(([, v]) => v.sensitive === true).map(([k]) => k));
  for (const [name, decl] of mod.variables) if (SECRET_NAME.test(name) && decl.sensitive !== true) problems.push(`${mod.dir}: variable "${name}" looks like a secret: mark it sensitive = true`);
  for (const [name, decl] of mod.outputs) {
    if (decl.sensitive === true) continue;
    for (const { text } of strings(decl.value, 'value')) {
      const viaVar = [...text.matchAll(/var\.(\w+)/g)].some((m) => sensitiveVars.has(m[1]!));
      const viaModule = [...text.matchAll(/module\.(\w+)(?:\[[^\]]*\])?\.(\w+)/g)].some((m) => {
        const call = mod.moduleCalls.get(m[1]!);
        const dir = call && tree ? resolveSource(mod.dir, call) : undefined;
        return dir !== undefined && tree?.get(dir)?.outputs.get(m[2]!)?.sensitive === true;
      });
      if (SENSITIVE_ATTRIBUTE.test(text) || viaVar || viaModule) {
        problems.push(`${mod.dir}: output "${name}" carries a sensitive value: mark it sensitive = true`);
        break;
      }
    }
  }
  return problems;
}
