import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { randomUUID } from 'node:crypto';
import { appServices, type AppServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { FirewallWriter, type FirewallRound } from '../../lib/adapters/firewall-writer';
import { TableLease } from '../../lib/adapters/lease';
import type { TenantRecord } from '../../lib/adapters/registry/tenant-registry';
import { SupersededIntentError, type FirewallIntent, type WantedIntent } from '../../lib/adapters/status/firewall-intents';
import { firewallRoundTiming, planGatedFirewallRound, type IntentGateFacts, type OpenIntent } from '../../lib/domain/firewall-round';
import { tenantKey } from '../../lib/domain/names';
import type { TenantSpec } from '../../lib/domain/tenant-spec';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import type { FirewallAdvance, FirewallPlacement, FirewallRequest } from './contracts';
import { requireTenant } from './registry-steps';

/**
 * The lifecycle run that holds the tenant. Read through this one helper until TenantRecord declares
 * `lifecycleRun` (the lead adds it); then this becomes `record.lifecycleRun`.
 */
const lifecycleRunOf = (record: TenantRecord<TenantSpec>): number => (record as { lifecycleRun?: number }).lifecycleRun ?? 0;

/**
 * Gathers the gate facts (registry record and CIDR claim) of every open intent and plans the round purely.
 * Rows written before intents carried their rules are read from the registry record (one-off migration).
 */
async function planRound(services: AppServices, open: FirewallIntent[], deployed: FirewallPolicyRuleCollectionGroup[]): Promise<FirewallRound> {
  const facts = new Map<string, IntentGateFacts>();
  const intents: OpenIntent[] = [];
  await Promise.all(open.map(async (intent) => {
    const [record, claimedCidr] = await Promise.all([services.registry.tenants.get(intent), services.registry.claims.get(intent)]);
    facts.set(tenantKey(intent), { record: record ? { phase: record.phase, cidr: record.cidr } : undefined, claimedCidr });
    const cidr = intent.cidr ?? record?.cidr;
    const allow = intent.allow ?? record?.spec.allow;
    intents.push({ cluster: intent.cluster, name: intent.name, cidr: cidr ?? '(none)', allow: allow ?? { applications: [], networks: [] } });
  }));
  return planGatedFirewallRound(intents, facts, deployed, { maxGroups: services.config.firewallMaxRuleCollectionGroups, priorityBase: services.config.firewallRcgPriorityBase });
}

function writer(services: AppServices, holder: string, log: (m: string) => void): FirewallWriter {
  const policy = services.firewallPolicy;
  const timing = firewallRoundTiming(services.config.firewallRoundBudgetSeconds);
  return new FirewallWriter({
    intents: services.intents,
    policy,
    lease: () => new TableLease(services.leases, `firewall-policy-${policy.ref.resourceGroup}-${policy.ref.name}`, `${holder}#${randomUUID().slice(0, 8)}`, timing.leaseTtlMs),
    plan: (open, deployed) => planRound(services, open, deployed),
    roundBudgetMs: timing.budgetMs,
    writeWaitLimitMs: timing.writeWaitLimitMs,
    log,
  });
}

/** Records what lifecycle run `request.run` wants in the policy for the tenant. Short: no policy write here. */
async function requestFirewall(request: FirewallRequest): Promise<{ version: number }> {
  const services = await appServices();
  let wanted: WantedIntent = { state: 'closed', run: request.run };
  if (request.state === 'open') {
    const record = await requireTenant(request);
    if (lifecycleRunOf(record) !== request.run) throw new PermanentError(`firewall: superseded by lifecycle run ${lifecycleRunOf(record)} (this is run ${request.run})`);
    if (!record.cidr) throw new PermanentError(`tenant ${request.cluster}/${request.name} has no CIDR`);
    wanted = { state: 'open', run: request.run, cidr: record.cidr, allow: record.spec.allow };
  }
  try {
    const intent = await services.intents.want(request.cluster, request.name, wanted, { force: request.force === true });
    return { version: intent.version };
  } catch (error) {
    if (error instanceof SupersededIntentError) throw new PermanentError(`firewall: ${error.message}`);
    throw error;
  }
}

async function advanceFirewall(tenant: TenantRef, log: (m: string) => void): Promise<FirewallAdvance> {
  const services = await appServices();
  return writer(services, tenantKey(tenant), log).advance(tenant.cluster, tenant.name);
}

/**
 * Records the tenant's wanted firewall state (open: its CIDR and allowlist from the registry record) for one
 * lifecycle run. Refused (failed outcome) when a newer run set the intent, or, for open, when the record is held
 * by another run. The orchestrator then polls advanceTenantFirewall with durable timers.
 */
registerActivity('requestTenantFirewall', requestFirewall);

/** One bounded step: done, or one fenced write round (if the writer lease is free), or "queued". */
registerActivity('advanceTenantFirewall', (tenant: TenantRef, context) => advanceFirewall(tenant, (m) => context.info(m)));

// --- Deprecated: the blocking activities the orchestrators called before the request/advance split. ---
// Kept registered until tenant-lifecycle.ts and drift-check.ts call the two above; remove them then.
// They start no further advance after OLD_WAIT_MS: with one round (≤ 22 min) that stays inside host.json's 30 min.
const OLD_WAIT_MS = 5 * 60_000;

async function requestAndWait(request: FirewallRequest, log: (m: string) => void): Promise<FirewallAdvance> {
  await requestFirewall(request);
  const deadline = Date.now() + OLD_WAIT_MS;
  for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
    const progress = await advanceFirewall(request, log);
    if (progress.complete) return progress;
    if (Date.now() > deadline) throw new Error(`firewall change for ${request.cluster}/${request.name} not applied in time: ${progress.detail}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

async function currentRun(tenant: TenantRef): Promise<number> {
  const { registry } = await appServices();
  const record = await registry.tenants.get(tenant);
  return record ? lifecycleRunOf(record) : 0;
}

registerActivity('openTenantFirewall', async (tenant: TenantRef & { run?: number; force?: boolean }, context): Promise<FirewallPlacement> => {
  const progress = await requestAndWait({ ...tenant, run: tenant.run ?? await currentRun(tenant), state: 'open' }, (m) => context.info(m));
  if (progress.failure) throw new PermanentError(`firewall: ${progress.failure}`);
  return progress.placement ?? { ruleCollectionGroup: '', ruleCollections: [] };
});

registerActivity('closeTenantFirewall', async (tenant: TenantRef & { run?: number }, context) => {
  await requestAndWait({ cluster: tenant.cluster, name: tenant.name, run: tenant.run ?? await currentRun(tenant), state: 'closed' }, (m) => context.info(m));
});
