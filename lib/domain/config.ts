/**
 * The app's configuration: ONE zod schema over every environment variable the app reads.
 * `parseConfig` reports every missing or bad setting in one error (an operator fixes them all in one go),
 * and `appSettings` is derived from the same schema so Terraform's app settings can be checked against it.
 * Host-level settings (AzureWebJobsStorage, FUNCTIONS_WORKER_RUNTIME, ...) belong to the Functions host, not here.
 * Pure: the caller passes the environment (see lib/adapters/config.ts).
 */
import { z } from 'zod';
import { formatPrefix, parseIpv4Cidr, prefixContains, type Ipv4Prefix } from './ipv4';
import { SPEC_LIMITS } from './tenant-spec';
import { DEFAULT_ROUND_HOLD_SECONDS } from './firewall-hold';

/** Metadata attached to each setting's schema; `appSettings` reads it back. */
interface SettingMeta {
  description: string;
  secret?: boolean;
}

/** Azure app settings can exist but be empty; an empty value means "not set". */
const unsetIfBlank = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value;

/** Attaches the setting's metadata to the OUTERMOST schema, where `appSettings` reads it. */
function setting<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  return schema.meta({ ...meta }) as T;
}
/** A string setting; `undefined` (or blank) fails with "is required" unless made optional. */
const text = () => z.preprocess(unsetIfBlank, z.string({ error: 'is required' }));
const optionalText = () => z.preprocess(unsetIfBlank, z.string().optional());
const optionalUrl = () => z.preprocess(unsetIfBlank, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional());
function integer(min: number, max: number, fallback: number, meta: SettingMeta) {
  const range = `must be ${min}..${max}`;
  const schema = z
    .preprocess(
      unsetIfBlank,
      z
        .string()
        .regex(/^\d+$/, { error: 'must be a whole number' })
        .transform(Number)
        .pipe(z.number().min(min, { error: range }).max(max, { error: range }))
        .optional(),
    )
    .transform((v) => v ?? fallback);
  return setting(schema, { ...meta, description: `${meta.description} Default ${fallback}.` });
}
function flag(fallback: boolean, meta: SettingMeta) {
  const schema = z
    .preprocess(
      unsetIfBlank,
      z
        .string()
        .regex(/^(true|false|1|0)$/i, { error: 'must be true or false' })
        .transform((v) => /^(true|1)$/i.test(v))
        .optional(),
    )
    .transform((v) => v ?? fallback);
  return setting(schema, { ...meta, description: `${meta.description} Default ${String(fallback)}.` });
}
function cidr(value: string, ctx: z.RefinementCtx): Ipv4Prefix {
  const prefix = parseIpv4Cidr(value);
  if (!prefix) ctx.addIssue({ code: 'custom', message: `"${value}" is not an aligned IPv4 CIDR (e.g. 10.99.0.0/16)` });
  return prefix ?? { base: 0, length: 0 };
}

/** GUID as Azure prints it (subscription ids, app ids). */
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ASNs Route Server refuses from a peer (reference/azure/NOTES.md §4). */
const reservedPeerAsns = new Set([65515, 65517, 65518, 65519, 65520, 8074, 8075, 12076]);
/** The AKS AAD server application: the audience of Entra tokens for any AKS API server. */
export const AKS_ENTRA_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
const resourceGroup = /^[-\w._()]{1,90}$/;

const rgName = () => text().pipe(z.string().regex(resourceGroup, { error: 'is not a valid resource group name' }));

const shape = {
  AZURE_SUBSCRIPTION_ID: setting(text().pipe(z.string().regex(guid, { error: 'must be a GUID' })), {
    description: 'Subscription holding the Route Server, firewall policy and AKS clusters.',
  }),
  ARM_ENDPOINT: setting(
    optionalUrl().transform((v) => (v ?? 'https://management.azure.com').replace(/\/+$/, '')),
    { description: 'Azure Resource Manager endpoint (sovereign cloud or emulator). Default https://management.azure.com.' },
  ),
  ARM_AUDIENCE: setting(optionalUrl(), {
    description: 'Audience (token scope, with or without /.default) for ARM tokens. Default: the ARM endpoint.',
  }),
  ROUTE_SERVER_RESOURCE_GROUP: setting(rgName(), { description: 'Resource group of the Azure Route Server (virtual hub).' }),
  ROUTE_SERVER_NAME: setting(text(), { description: 'Name of the Azure Route Server (virtual hub).' }),
  FIREWALL_POLICY_RESOURCE_GROUP: setting(rgName(), { description: 'Resource group of the Azure Firewall Policy.' }),
  FIREWALL_POLICY_NAME: setting(text(), { description: 'Firewall Policy that receives the tenant rule collection groups.' }),
  AKS_RESOURCE_GROUP: setting(rgName(), { description: 'Resource group of the AKS clusters tenants live on.' }),
  KUBE_TOKEN_AUDIENCE: setting(
    optionalText().transform((v) => v ?? AKS_ENTRA_SERVER_APP_ID),
    { description: `Entra audience of Kubernetes API tokens. Default ${AKS_ENTRA_SERVER_APP_ID} (the AKS server app).` },
  ),
  REGISTRY_TABLE_ENDPOINT: setting(optionalUrl(), {
    description: 'Table endpoint of the registry storage account (identity auth). Exactly one of this or REGISTRY_CONNECTION_STRING.',
  }),
  REGISTRY_CONNECTION_STRING: setting(optionalText(), {
    description: 'Registry storage connection string (Azurite, local runs). Exactly one of this or REGISTRY_TABLE_ENDPOINT.',
    secret: true,
  }),
  REGISTRY_TABLE_PREFIX: setting(
    optionalText()
      .pipe(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/, { error: 'must be letters/digits starting with a letter, at most 40' }).optional())
      .transform((v) => v ?? 'egress'),
    { description: 'Prefix of the registry table names (letters/digits). Default "egress".' },
  ),
  EGRESS_SUPERNET: setting(
    optionalText().transform((v, ctx) => cidr(v ?? '10.99.0.0/16', ctx)),
    { description: 'IPv4 supernet tenant pools are carved from. Default 10.99.0.0/16.' },
  ),
  EGRESS_RESERVED_CIDRS: setting(
    optionalText().transform((v, ctx) =>
      (v ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => cidr(part, ctx)),
    ),
    { description: 'Comma-separated CIDRs inside the supernet never handed to tenants. Default empty.' },
  ),
  // 20..29: the spec's range (tenant-spec.ts SPEC_LIMITS), and a default pool must hold 2 replicas + 1 spare /31.
  DEFAULT_POOL_PREFIX_LENGTH: integer(SPEC_LIMITS.minPrefixLength, 29, 29, { description: 'Tenant pool prefix length when the spec gives none (20..29).' }),
  CALICO_ASN: integer(1, 4294967294, 63400, { description: 'BGP AS number of the Calico nodes.' }),
  ROUTE_SERVER_ASN: integer(1, 4294967294, 65515, { description: 'BGP AS number of Azure Route Server.' }),
  ROUTE_WAIT_DEADLINE_SECONDS: integer(1, 86400, 600, { description: 'How long onboarding waits for Route Server to learn routes.' }),
  ROUTE_POLL_INITIAL_SECONDS: integer(1, 3600, 5, { description: 'First poll interval for learned routes (it then backs off).' }),
  ROUTE_POLL_MAX_SECONDS: integer(1, 3600, 60, { description: 'Largest poll interval for learned routes.' }),
  ON_ROUTE_FAILURE: setting(
    z
      .preprocess(unsetIfBlank, z.enum(['rollback', 'keep'], { error: 'must be rollback or keep' }).optional())
      .transform((v) => v ?? 'rollback'),
    { description: 'What onboarding does when routes are not learned by the deadline: rollback or keep. Default rollback.' },
  ),
  ROUTE_BUDGET_PER_PEER: integer(1, 1000, 800, {
    description: 'Most routes one route reflector may advertise to Route Server (hard limit 1,000, over it the session drops).',
  }),
  FIREWALL_MAX_RULE_COLLECTION_GROUPS: integer(1, 100, 50, { description: 'Rule collection groups the firewall policy may hold.' }),
  FIREWALL_RCG_PRIORITY_BASE: integer(100, 65000, 10000, { description: 'Priority of the first egress-pilot rule collection group.' }),
  // Max 600: with the wait for the last write (≤ 10 min) and overhead (≤ 2 min), a round stays well under host.json's 30 min functionTimeout.
  FIREWALL_ROUND_BUDGET_SECONDS: integer(10, 600, 300, {
    description: 'Seconds after which a firewall write round starts no further rule collection group write; the next round carries the rest.',
  }),
  // Max 180: hold + budget (600) + the wait for the last write (10 min) + overhead (2 min) stays 5 min under the 30 min functionTimeout.
  FIREWALL_ROUND_HOLD_SECONDS: integer(0, 180, DEFAULT_ROUND_HOLD_SECONDS, {
    description: 'Longest a firewall write round waits, before planning, for other tenants about to need a write (so one write carries them too); 0: never. A lone tenant and a round that closes rules are never held.',
  }),
  LIFECYCLE_RESUME_GRACE_SECONDS: integer(5, 3600, 60, {
    description: 'A tenant left mid-lifecycle with no lifecycle running is resumed once its record is this old (a request may still be starting it).',
  }),
  ALLOW_BROAD_RULES: flag(false, { description: 'Permit a bare "*" FQDN, 0.0.0.0/0 or protocol Any to everything in tenant allowlists.' }),
  EVENT_GRID_TOPIC_ENDPOINT: setting(optionalUrl(), {
    description: 'Event Grid topic endpoint for lifecycle/drift events. Unset: events are not published.',
  }),
  DRIFT_REPAIR: flag(false, { description: 'Let the drift check repair what it finds instead of only reporting it.' }),
  EGRESS_VERIFY: flag(true, { description: 'Run the verifyEgress probe after the firewall opens (onboarding, updates of gateway or allowlist).' }),
  EGRESS_VERIFY_DEADLINE_SECONDS: integer(30, 86400, 300, { description: 'How long a failing egress verification is retried (backing off) before the tenant is Degraded.' }),
  EGRESS_PROBE_IMAGE: setting(optionalText().transform((v) => v ?? 'curlimages/curl:8.11.1'), { description: 'Image of the egress probe Job (default curlimages/curl:8.11.1).' }),
  EGRESS_PROBE_COMMAND: setting(optionalText(), { description: 'Shell script the probe runs (sh -c); default: the curl loop in lib/domain/egress-verification.ts.' }),
  EGRESS_PROBE_REFUSED_FQDN: setting(optionalText().transform((v) => v ?? 'www.example.com'), { description: 'A site no tenant may reach; the probe checks the firewall refuses it (default www.example.com).' }),
  EGRESS_PROBE_ECHO: setting(
    optionalText().pipe(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: 'must be host:port' }).optional()),
    { description: 'host:port of an in-network service answering the caller\'s address: the probe reports the source the network sees. Unset: no source check.' },
  ),
  DRIFT_VERIFY_EGRESS: flag(false, { description: 'Let every drift check re-verify the egress of Ready and Degraded tenants.' }),
};

type Env = { [K in keyof typeof shape]: z.output<(typeof shape)[K]> };
type Problem = { name: string; reason: string };

/**
 * Rules spanning several settings. Each runs only when the settings it reads parsed, so a single run
 * reports field errors and cross-field errors together.
 */
function crossCheck(env: Partial<Env>, raw: Record<string, string | undefined>): Problem[] {
  const problems: Problem[] = [];
  const bad = (name: string, reason: string) => problems.push({ name, reason });
  const isSet = (name: string) => unsetIfBlank(raw[name]) !== undefined;
  if (isSet('REGISTRY_TABLE_ENDPOINT') === isSet('REGISTRY_CONNECTION_STRING'))
    bad('REGISTRY_TABLE_ENDPOINT', 'exactly one of REGISTRY_TABLE_ENDPOINT or REGISTRY_CONNECTION_STRING must be set');
  const { ROUTE_POLL_INITIAL_SECONDS: first, ROUTE_POLL_MAX_SECONDS: max, ROUTE_WAIT_DEADLINE_SECONDS: deadline } = env;
  if (first !== undefined && max !== undefined && first > max) bad('ROUTE_POLL_INITIAL_SECONDS', `must be ≤ ROUTE_POLL_MAX_SECONDS (${max})`);
  if (max !== undefined && deadline !== undefined && max > deadline)
    bad('ROUTE_POLL_MAX_SECONDS', `must be ≤ ROUTE_WAIT_DEADLINE_SECONDS (${deadline})`);
  const supernet = env.EGRESS_SUPERNET;
  if (supernet && env.DEFAULT_POOL_PREFIX_LENGTH !== undefined && env.DEFAULT_POOL_PREFIX_LENGTH < supernet.length)
    bad('DEFAULT_POOL_PREFIX_LENGTH', `must be ≥ the EGRESS_SUPERNET prefix length (${supernet.length})`);
  for (const reserved of env.EGRESS_RESERVED_CIDRS ?? []) {
    if (supernet && !prefixContains(supernet, reserved))
      bad('EGRESS_RESERVED_CIDRS', `${formatPrefix(reserved)} is outside EGRESS_SUPERNET ${formatPrefix(supernet)}`);
  }
  // Groups take priorities base, base+1, ...; every one of them must stay inside Azure's 100..65000.
  const { FIREWALL_RCG_PRIORITY_BASE: base, FIREWALL_MAX_RULE_COLLECTION_GROUPS: groups } = env;
  if (base !== undefined && groups !== undefined && base + groups - 1 > 65000)
    bad('FIREWALL_RCG_PRIORITY_BASE', `plus FIREWALL_MAX_RULE_COLLECTION_GROUPS - 1 must be ≤ 65000 (got ${base + groups - 1})`);
  const { CALICO_ASN: calico, ROUTE_SERVER_ASN: routeServer } = env;
  if (calico !== undefined && reservedPeerAsns.has(calico))
    bad('CALICO_ASN', 'is reserved by Azure Route Server (65515, 65517-65520, 8074, 8075, 12076)');
  if (calico !== undefined && calico === routeServer) bad('CALICO_ASN', 'must differ from ROUTE_SERVER_ASN (the peering is eBGP)');
  return problems;
}

/** Where the tenant registry lives: identity-based endpoint in Azure, connection string locally. */
export type RegistryLocation = { kind: 'endpoint'; endpoint: string } | { kind: 'connectionString'; connectionString: string };

/** The verifyEgress step's settings (EGRESS_VERIFY*, EGRESS_PROBE_*). */
export interface EgressProbeConfig {
  enabled: boolean;
  deadlineSeconds: number;
  image: string;
  /** Shell script run with sh -c; absent = DEFAULT_PROBE_COMMAND. */
  command?: string;
  refusedFqdn: string;
  echo?: { host: string; port: number };
}

/** Typed configuration; field names are the camelCase of the environment variable names. */
export interface Config {
  azureSubscriptionId: string;
  armEndpoint: string;
  /** Audience of ARM tokens (no `/.default`). */
  armAudience: string;
  /** `${armAudience}/.default`: what to pass as credential scope to the ARM SDK clients. */
  armScope: string;
  routeServerResourceGroup: string;
  routeServerName: string;
  firewallPolicyResourceGroup: string;
  firewallPolicyName: string;
  aksResourceGroup: string;
  kubeTokenAudience: string;
  /** `${kubeTokenAudience}/.default`. */
  kubeTokenScope: string;
  registry: RegistryLocation;
  registryTablePrefix: string;
  egressSupernet: string;
  egressReservedCidrs: string[];
  defaultPoolPrefixLength: number;
  calicoAsn: number;
  routeServerAsn: number;
  routeWaitDeadlineSeconds: number;
  routePollInitialSeconds: number;
  routePollMaxSeconds: number;
  onRouteFailure: 'rollback' | 'keep';
  routeBudgetPerPeer: number;
  firewallMaxRuleCollectionGroups: number;
  firewallRcgPriorityBase: number;
  firewallRoundBudgetSeconds: number;
  firewallRoundHoldSeconds: number;
  lifecycleResumeGraceSeconds: number;
  allowBroadRules: boolean;
  eventGridTopicEndpoint: string | undefined;
  driftRepair: boolean;
  egressProbe: EgressProbeConfig;
  driftVerifyEgress: boolean;
}

/** One missing or bad setting. */
export type ConfigProblem = Problem;

/** Thrown by parseConfig; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration (${problems.length} problem(s)):\n${problems.map((p) => `  ${p.name}: ${p.reason}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const stripScope = (audience: string) => audience.replace(/\/+$/, '').replace(/\/\.default$/, '');

/** Validates the environment; throws ConfigError listing every problem. Never returns a partial config. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const values: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const result = schema.safeParse(env[name]);
    if (result.success) values[name] = result.data;
    else
      for (const issue of result.error.issues)
        problems.push({ name, reason: issue.code === 'invalid_type' && unsetIfBlank(env[name]) === undefined ? 'is required' : issue.message });
  }
  problems.push(...crossCheck(values as Partial<Env>, env));
  if (problems.length > 0) throw new ConfigError(problems);
  const e = values as Env;
  const armAudience = stripScope(e.ARM_AUDIENCE ?? e.ARM_ENDPOINT);
  const kubeTokenAudience = stripScope(e.KUBE_TOKEN_AUDIENCE);
  return {
    azureSubscriptionId: e.AZURE_SUBSCRIPTION_ID,
    armEndpoint: e.ARM_ENDPOINT,
    armAudience,
    armScope: `${armAudience}/.default`,
    routeServerResourceGroup: e.ROUTE_SERVER_RESOURCE_GROUP,
    routeServerName: e.ROUTE_SERVER_NAME,
    firewallPolicyResourceGroup: e.FIREWALL_POLICY_RESOURCE_GROUP,
    firewallPolicyName: e.FIREWALL_POLICY_NAME,
    aksResourceGroup: e.AKS_RESOURCE_GROUP,
    kubeTokenAudience,
    kubeTokenScope: `${kubeTokenAudience}/.default`,
    registry:
      e.REGISTRY_TABLE_ENDPOINT !== undefined
        ? { kind: 'endpoint', endpoint: e.REGISTRY_TABLE_ENDPOINT }
        : { kind: 'connectionString', connectionString: e.REGISTRY_CONNECTION_STRING ?? '' },
    registryTablePrefix: e.REGISTRY_TABLE_PREFIX,
    egressSupernet: formatPrefix(e.EGRESS_SUPERNET),
    egressReservedCidrs: e.EGRESS_RESERVED_CIDRS.map(formatPrefix),
    defaultPoolPrefixLength: e.DEFAULT_POOL_PREFIX_LENGTH,
    calicoAsn: e.CALICO_ASN,
    routeServerAsn: e.ROUTE_SERVER_ASN,
    routeWaitDeadlineSeconds: e.ROUTE_WAIT_DEADLINE_SECONDS,
    routePollInitialSeconds: e.ROUTE_POLL_INITIAL_SECONDS,
    routePollMaxSeconds: e.ROUTE_POLL_MAX_SECONDS,
    onRouteFailure: e.ON_ROUTE_FAILURE,
    routeBudgetPerPeer: e.ROUTE_BUDGET_PER_PEER,
    firewallMaxRuleCollectionGroups: e.FIREWALL_MAX_RULE_COLLECTION_GROUPS,
    firewallRcgPriorityBase: e.FIREWALL_RCG_PRIORITY_BASE,
    firewallRoundBudgetSeconds: e.FIREWALL_ROUND_BUDGET_SECONDS,
    firewallRoundHoldSeconds: e.FIREWALL_ROUND_HOLD_SECONDS,
    lifecycleResumeGraceSeconds: e.LIFECYCLE_RESUME_GRACE_SECONDS,
    allowBroadRules: e.ALLOW_BROAD_RULES,
    eventGridTopicEndpoint: e.EVENT_GRID_TOPIC_ENDPOINT,
    driftRepair: e.DRIFT_REPAIR,
    egressProbe: {
      enabled: e.EGRESS_VERIFY, deadlineSeconds: e.EGRESS_VERIFY_DEADLINE_SECONDS, image: e.EGRESS_PROBE_IMAGE,
      ...(e.EGRESS_PROBE_COMMAND !== undefined ? { command: e.EGRESS_PROBE_COMMAND } : {}), refusedFqdn: e.EGRESS_PROBE_REFUSED_FQDN,
      ...(e.EGRESS_PROBE_ECHO !== undefined ? { echo: { host: e.EGRESS_PROBE_ECHO.replace(/:\d+$/, ''), port: Number(e.EGRESS_PROBE_ECHO.replace(/^.*:/, '')) } } : {}),
    },
    driftVerifyEgress: e.DRIFT_VERIFY_EGRESS,
  };
}

/** One app setting as infra must provide it. `required`: the app refuses to start without it. */
export interface AppSetting {
  name: string;
  required: boolean;
  description: string;
  /** true only for values that must come from a secret store (never plain Terraform variables). */
  secret?: boolean;
}

/** Every setting the app reads, derived from the schema above (required = the schema refuses "unset"). */
export const appSettings: ReadonlyArray<AppSetting> = Object.entries(shape).map(([name, schema]) => {
  const meta = (schema.meta() ?? {}) as Partial<SettingMeta>;
  const setting: AppSetting = { name, required: !schema.safeParse(undefined).success, description: meta.description ?? '' };
  if (meta.secret) setting.secret = true;
  return setting;
});
