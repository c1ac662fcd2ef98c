import { z } from 'zod';
import type { EmulatorContext } from './context';
import { invalidRequest, notFound } from './errors';
import { TYPES } from './ids';
import { decideConnection, type FirewallDecision, type RuleCollectionGroupView } from './providers/firewall-decision';

/**
 * The data plane of the emulated Azure Firewalls, for whoever emulates the traffic (the Kubernetes emulator's
 * probe Jobs): `POST /_emulator/firewall/decide` with `{ firewall?, connection }` decides one connection with the
 * rule collection groups of the firewall's policy as they are stored now (providers/firewall-decision.ts).
 * `firewall` names an Azure Firewall; it may be left out when there is exactly one.
 */
export const decideRequestSchema = z.strictObject({
  firewall: z.string().min(1).optional(),
  connection: z.strictObject({
    source: z.string().min(1),
    destinationIp: z.string().min(1),
    fqdn: z.string().min(1).optional(),
    protocol: z.enum(['TCP', 'UDP', 'ICMP']),
    port: z.number().int().min(0).max(65535),
    application: z.enum(['http', 'tls']).optional(),
  }),
});
export type DecideRequest = z.infer<typeof decideRequestSchema>;

export interface FirewallVerdict extends FirewallDecision {
  firewall: string;
  /** The firewall's private address: the next hop the spoke's route table sends egress to. */
  firewallIp: string;
  policy: string;
}

export function decideForFirewall(ctx: EmulatorContext, body: unknown): FirewallVerdict {
  const parsed = decideRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(`decide.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  const { firewall: wanted, connection } = parsed.data;
  const firewalls = ctx.store.list({ type: TYPES.azureFirewall });
  const firewall = wanted === undefined ? (firewalls.length === 1 ? firewalls[0] : undefined) : firewalls.find((f) => f.name.toLowerCase() === wanted.toLowerCase());
  if (!firewall) throw wanted === undefined ? invalidRequest('decide.firewall', `name one of ${firewalls.length} firewalls`) : notFound(TYPES.azureFirewall, wanted, '*');
  const properties = (firewall.body.properties ?? {}) as { firewallPolicy?: { id?: string }; hubIPAddresses?: { privateIPAddress?: string } };
  const policyId = properties.firewallPolicy?.id;
  const policy = policyId ? ctx.store.get(policyId) : undefined;
  // A firewall without a policy has no rules: everything is denied by default.
  const groups: RuleCollectionGroupView[] = policy
    ? ctx.store.list({ type: TYPES.ruleCollectionGroup, parentId: policy.id }).map((g) => ({ name: g.name, properties: (g.body.properties ?? {}) as RuleCollectionGroupView['properties'] }))
    : [];
  return { ...decideConnection(groups, connection), firewall: firewall.name, firewallIp: properties.hubIPAddresses?.privateIPAddress ?? '', policy: policy?.name ?? '' };
}
