import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { randomUUID } from 'node:crypto';
import { appServices, type AppServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { FirewallPlacementError, FirewallWriter, type FirewallRound } from '../../lib/adapters/firewall-writer';
import { TableLease } from '../../lib/adapters/lease';
import type { FirewallIntent } from '../../lib/adapters/status/firewall-intents';
import { planFirewallRound } from '../../lib/domain/firewall-round';
import { renderTenantRuleCollections, type TenantFirewallInput } from '../../lib/domain/firewall-rules';
import { tenantKey } from '../../lib/domain/names';
import { stableStringify } from '../../lib/domain/spec-fingerprint';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import type { FirewallPlacement } from './contracts';
import { requireTenant } from './registry-steps';

/** How long a tenant waits for a writer round to carry its change (rounds take minutes in Azure). */
const CONVERGE_TIMEOUT_MS = 15 * 60_000;
/** A writer that crashed mid-round blocks the others at most this long. */
const LEASE_TTL_MS = 5 * 60_000;

/** Gathers every open tenant's spec and CIDR from the registry and plans the round (pure). */
async function planRound(services: AppServices, open: FirewallIntent[], deployed: FirewallPolicyRuleCollectionGroup[]): Promise<FirewallRound> {
  const inputs: TenantFirewallInput[] = [];
  const missing = new Map<string, string>();
  for (const intent of open) {
    const record = await services.registry.tenants.get(intent);
    if (record?.cidr) inputs.push({ spec: record.spec, cidr: record.cidr });
    else missing.set(tenantKey(intent), 'tenant has no CIDR');
  }
  const plan = planFirewallRound(inputs, deployed, { maxGroups: services.config.firewallMaxRuleCollectionGroups, priorityBase: services.config.firewallRcgPriorityBase });
  return { ...plan, failures: new Map([...missing, ...plan.failures]) };
}

function writer(services: AppServices, log: (m: string) => void): FirewallWriter {
  const policy = services.firewallPolicy;
  return new FirewallWriter({
    intents: services.intents,
    policy,
    lease: () => new TableLease(services.leases, `firewall-policy-${policy.ref.resourceGroup}-${policy.ref.name}`, randomUUID(), LEASE_TTL_MS),
    plan: (open, deployed) => planRound(services, open, deployed),
    log,
  });
}

async function converge(tenant: TenantRef, state: 'open' | 'closed', fingerprint: string, log: (m: string) => void, force = false): Promise<FirewallIntent> {
  const services = await appServices();
  await services.intents.want(tenant.cluster, tenant.name, state, fingerprint, { force });
  try {
    return await writer(services, log).converge(tenant.cluster, tenant.name, CONVERGE_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof FirewallPlacementError) throw new PermanentError(`firewall: ${error.message}`);
    throw error;
  }
}

/** Puts the tenant's allow rules (source = its CIDR) into the policy, through the single writer. */
registerActivity('openTenantFirewall', async (tenant: TenantRef & { force?: boolean }, context): Promise<FirewallPlacement> => {
  const record = await requireTenant(tenant);
  if (!record.cidr) throw new PermanentError(`tenant ${tenant.cluster}/${tenant.name} has no CIDR`);
  // The intent changes only when the rendered rules change, so a replay writes nothing.
  const fingerprint = stableStringify(renderTenantRuleCollections({ spec: record.spec, cidr: record.cidr }));
  const intent = await converge(tenant, 'open', fingerprint, (m) => context.info(m), tenant.force === true);
  return { ruleCollectionGroup: intent.ruleCollectionGroup ?? '', ruleCollections: intent.ruleCollections ?? [] };
});

registerActivity('closeTenantFirewall', async (tenant: TenantRef, context) => {
  await converge(tenant, 'closed', 'closed', (m) => context.info(m));
});
