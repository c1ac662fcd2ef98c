import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { randomUUID } from 'node:crypto';
import { appServices, type AppServices } from '../../lib/adapters/app-services';
import { everyItem, TENANT_PHASES } from '../../lib/adapters/registry';
import { PermanentError } from '../../lib/adapters/errors';
import { FirewallWriter, type FirewallRound } from '../../lib/adapters/firewall-writer';
import { TableLease } from '../../lib/adapters/lease';
import { SupersededIntentError, type FirewallIntent, type WantedIntent } from '../../lib/adapters/status/firewall-intents';
import { holdPollMs, PHASES_BEFORE_FIREWALL, type ApproachingTenant } from '../../lib/domain/firewall-hold';
import { firewallRoundTiming, planGatedFirewallRound, type IntentGateFacts, type OpenIntent } from '../../lib/domain/firewall-round';
import { lifecycleInstanceId } from '../../lib/domain/lifecycle/progress';
import { tenantKey } from '../../lib/domain/names';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import { FIREWALL_ROUND_CARRIED, type FirewallAdvance, type FirewallRequest } from './contracts';
import { requireTenant } from './registry-steps';

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

/** At most this many events raised at once when a round tells the lifecycles it carried. */
const NOTIFY_CONCURRENCY = 16;

/**
 * Raises FIREWALL_ROUND_CARRIED on each carried tenant's lifecycle, so its firewall wait ends now rather than at
 * its next backed-off timer (up to ROUTE_POLL_MAX_SECONDS later). A lifecycle that is not running (or a drift
 * repair, which runs under the drift check's instance) simply polls as before.
 */
function tellLifecycles(context: InvocationContext): (tenants: Array<{ cluster: string; name: string }>) => Promise<void> {
  const client = df.getClient(context);
  return async (tenants) => {
    for (let i = 0; i < tenants.length; i += NOTIFY_CONCURRENCY) {
      await Promise.all(tenants.slice(i, i + NOTIFY_CONCURRENCY).map((t) =>
        client.raiseEvent(lifecycleInstanceId(t.cluster, t.name), FIREWALL_ROUND_CARRIED, null).catch(() => undefined)));
    }
  };
}

/** Phases the hold never needs to read (a server-side filter: the settled majority is not listed). */
const NOT_ON_THE_WAY = TENANT_PHASES.filter((phase) => !PHASES_BEFORE_FIREWALL.has(phase));

/** The tenants still before their firewall step, with when they entered their phase, for the round's hold. */
async function tenantsBeforeFirewall(services: AppServices): Promise<ApproachingTenant[]> {
  const records = await everyItem((page) => services.registry.tenants.listExceptPhases(NOT_ON_THE_WAY, page));
  return records.map((r) => ({ phase: r.phase, sinceMs: Date.parse(r.updatedAt) }));
}

function writer(services: AppServices, holder: string, log: (m: string) => void, onRoundCarried?: (tenants: Array<{ cluster: string; name: string }>) => Promise<void>): FirewallWriter {
  const policy = services.firewallPolicy;
  const timing = firewallRoundTiming(services.config.firewallRoundBudgetSeconds, services.config.firewallRoundHoldSeconds);
  return new FirewallWriter({
    intents: services.intents,
    policy,
    lease: () => new TableLease(services.leases, `firewall-policy-${policy.ref.resourceGroup}-${policy.ref.name}`, `${holder}#${randomUUID().slice(0, 8)}`, timing.leaseTtlMs),
    plan: (open, deployed) => planRound(services, open, deployed),
    roundBudgetMs: timing.budgetMs,
    writeWaitLimitMs: timing.writeWaitLimitMs,
    heartbeatMs: timing.heartbeatMs,
    hold: { limitMs: timing.holdMs, pollMs: holdPollMs(timing.holdMs), tenants: () => tenantsBeforeFirewall(services) },
    log,
    ...(onRoundCarried ? { onRoundCarried } : {}),
  });
}

/** Records what lifecycle run `request.run` wants in the policy for the tenant. Short: no policy write here. */
async function requestFirewall(request: FirewallRequest): Promise<{ version: number }> {
  const services = await appServices();
  let wanted: WantedIntent = { state: 'closed', run: request.run };
  if (request.state === 'open') {
    const record = await requireTenant(request);
    if (record.lifecycleRun !== request.run) throw new PermanentError(`firewall: superseded by lifecycle run ${record.lifecycleRun} (this is run ${request.run})`);
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

async function advanceFirewall(tenant: TenantRef, context: InvocationContext): Promise<FirewallAdvance> {
  const services = await appServices();
  return writer(services, tenantKey(tenant), (m) => context.info(m), tellLifecycles(context)).advance(tenant.cluster, tenant.name);
}

/**
 * Records the tenant's wanted firewall state (open: its CIDR and allowlist from the registry record) for one
 * lifecycle run. Refused (failed outcome) when a newer run set the intent, or, for open, when the record is held
 * by another run. The orchestrator then polls advanceTenantFirewall with durable timers.
 */
registerActivity('requestTenantFirewall', requestFirewall);

/** One bounded step: done, or one fenced write round (if the writer lease is free), or "queued". */
registerActivity('advanceTenantFirewall', (tenant: TenantRef, context) => advanceFirewall(tenant, context), { durableClient: true });
