import { z } from 'zod';
import type { ArmLimits } from '../config';
import { badRequest, invalidRequest, limitExceeded } from '../errors';

/**
 * Validation of a rule collection group body against Azure's documented rules and limits. Pure:
 * input is the wire `properties`, output is the normalized properties or a thrown ArmError.
 */
const port = /^(\*|\d{1,5}(-\d{1,5})?)$/;
const stringList = z.array(z.string()).optional();

const networkRule = z.looseObject({
  ruleType: z.literal('NetworkRule'), name: z.string().min(1),
  ipProtocols: z.array(z.enum(['TCP', 'UDP', 'Any', 'ICMP'])).optional(),
  sourceAddresses: stringList, sourceIpGroups: stringList,
  destinationAddresses: stringList, destinationIpGroups: stringList, destinationFqdns: stringList,
  destinationPorts: z.array(z.string().regex(port, 'ports are "*", "n" or "n-m"')).optional(),
});
const applicationRule = z.looseObject({
  ruleType: z.literal('ApplicationRule'), name: z.string().min(1),
  protocols: z.array(z.object({ protocolType: z.enum(['Http', 'Https', 'Mssql']), port: z.number().int().min(1).max(65535).optional() })).optional(),
  sourceAddresses: stringList, sourceIpGroups: stringList, targetFqdns: stringList, targetUrls: stringList, fqdnTags: stringList, webCategories: stringList,
  terminateTLS: z.boolean().optional(),
});
const natRule = z.looseObject({
  ruleType: z.literal('NatRule'), name: z.string().min(1),
  ipProtocols: z.array(z.enum(['TCP', 'UDP', 'Any', 'ICMP'])).optional(),
  sourceAddresses: stringList, sourceIpGroups: stringList, destinationAddresses: stringList,
  destinationPorts: z.array(z.string().regex(port, 'ports are "*", "n" or "n-m"')).optional(),
  translatedAddress: z.string().optional(), translatedFqdn: z.string().optional(), translatedPort: z.string().optional(),
});
const rule = z.discriminatedUnion('ruleType', [networkRule, applicationRule, natRule]);

const filterCollection = z.looseObject({
  ruleCollectionType: z.literal('FirewallPolicyFilterRuleCollection'), name: z.string().min(1), priority: z.number().int().optional(),
  action: z.object({ type: z.enum(['Allow', 'Deny']) }), rules: z.array(rule).default([]),
});
const natCollection = z.looseObject({
  ruleCollectionType: z.literal('FirewallPolicyNatRuleCollection'), name: z.string().min(1), priority: z.number().int().optional(),
  action: z.object({ type: z.literal('DNAT') }), rules: z.array(rule).default([]),
});

export const ruleCollectionGroupProperties = z.looseObject({
  priority: z.number({ error: 'priority is required (an integer)' }).int(),
  ruleCollections: z.array(z.discriminatedUnion('ruleCollectionType', [filterCollection, natCollection])).default([]),
});
export type RuleCollectionGroupProperties = z.infer<typeof ruleCollectionGroupProperties>;

type AnyRule = z.infer<typeof rule>;

/** Sources x destinations of the network rules (an IP Group counts as one address). */
export function networkRulePairs(props: { ruleCollections?: unknown }): number {
  const collections = Array.isArray(props.ruleCollections) ? props.ruleCollections as { rules?: AnyRule[] }[] : [];
  let pairs = 0;
  for (const c of collections) {
    for (const r of c.rules ?? []) {
      if (r.ruleType !== 'NetworkRule') continue;
      const sources = (r.sourceAddresses?.length ?? 0) + (r.sourceIpGroups?.length ?? 0);
      const destinations = (r.destinationAddresses?.length ?? 0) + (r.destinationIpGroups?.length ?? 0) + (r.destinationFqdns?.length ?? 0);
      pairs += sources * destinations;
    }
  }
  return pairs;
}

/** Azure reports sizes like "0.5MB", "1.2MB"; a non-empty group shows at least 0.001MB. */
export function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${bytes > 0 ? Math.max(0.001, Number(mb.toFixed(3))) : 0}MB`;
}

export function propertiesBytes(props: unknown): number {
  return Buffer.byteLength(JSON.stringify(props), 'utf8');
}

function checkPriority(field: string, value: number | undefined, limits: ArmLimits): void {
  if (value === undefined) return;
  if (value < limits.minPriority || value > limits.maxPriority) {
    throw badRequest('FirewallPolicyRuleCollectionGroupInvalidPriority', `${field}: priority ${value} is out of range; it must be between ${limits.minPriority} and ${limits.maxPriority}.`);
  }
}

/** Validate one group on its own (shape, priorities, one rule type per collection, size). */
export function validateRuleCollectionGroup(body: unknown, limits: ArmLimits): RuleCollectionGroupProperties {
  const parsed = ruleCollectionGroupProperties.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(`properties.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  const props = parsed.data;
  checkPriority('properties.priority', props.priority, limits);
  const names = new Set<string>();
  props.ruleCollections.forEach((c, i) => {
    const field = `properties.ruleCollections[${i}]`;
    checkPriority(`${field}.priority`, c.priority, limits);
    if (names.has(c.name.toLowerCase())) throw badRequest('FirewallPolicyRuleCollectionNameNotUnique', `${field}.name: rule collection name '${c.name}' is used twice in the group.`);
    names.add(c.name.toLowerCase());
    const types = new Set(c.rules.map((r) => r.ruleType));
    if (c.ruleCollectionType === 'FirewallPolicyNatRuleCollection' && [...types].some((t) => t !== 'NatRule')) {
      throw badRequest('FirewallPolicyRuleCollectionRuleTypeMismatch', `${field}.rules: a NAT rule collection holds NatRule rules only.`);
    }
    if (c.ruleCollectionType === 'FirewallPolicyFilterRuleCollection') {
      if (types.has('NatRule')) throw badRequest('FirewallPolicyRuleCollectionRuleTypeMismatch', `${field}.rules: a filter rule collection cannot hold NatRule rules.`);
      if (types.size > 1) {
        throw badRequest('FirewallPolicyRuleCollectionRuleTypeMismatch', `${field}.rules: all of rules should be the same type; found ${[...types].sort().join(' and ')} in collection '${c.name}'.`);
      }
    }
  });
  const bytes = propertiesBytes(body);
  if (bytes > limits.ruleCollectionGroupMaxBytes) {
    throw limitExceeded('FirewallPolicyRuleCollectionGroupSizeLimitExceeded', `properties: the rule collection group is ${formatSize(bytes)}; the limit is ${formatSize(limits.ruleCollectionGroupMaxBytes)}.`);
  }
  return props;
}
