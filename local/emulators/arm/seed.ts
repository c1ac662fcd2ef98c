import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import referenceHub from './seed/reference-hub.json';

/**
 * The seed: the Azure state the emulator starts with (and returns to on reset). JSON, validated
 * here; `seed/reference-hub.json` is the reference hub-spoke network. Rule collection groups and
 * firewall policy properties are given in their ARM wire form (`properties: {...}`).
 */
const ipv4 = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}$/, 'must be an IPv4 address');
const cidr = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR');
const name = z.string().min(1).max(80).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only');

const bgpConnectionSeed = z.object({ name, peerIp: ipv4, peerAsn: z.number().int().positive() });
const routeServerSeed = z.object({
  name,
  virtualRouterIps: z.array(ipv4).min(1).max(2),
  virtualRouterAsn: z.number().int().positive().default(65515),
  /** Subnet of the ipconfig child (RouteServerSubnet). */
  subnetId: z.string().optional(),
  /** Prefixes Route Server advertises to its peers (the VNet and peered VNets). */
  advertisedPrefixes: z.array(cidr).default([]),
  bgpConnections: z.array(bgpConnectionSeed).default([]),
  tags: z.record(z.string(), z.string()).optional(),
});
const ruleCollectionGroupSeed = z.object({ name, properties: z.record(z.string(), z.unknown()) });
const firewallPolicySeed = z.object({
  name,
  tier: z.enum(['Basic', 'Standard', 'Premium']).default('Standard'),
  properties: z.record(z.string(), z.unknown()).default({}),
  ruleCollectionGroups: z.array(ruleCollectionGroupSeed).default([]),
});
const firewallSeed = z.object({
  name,
  /** Name of a firewall policy in the same resource group. */
  firewallPolicy: name.optional(),
  privateIpAddress: ipv4,
  subnetId: z.string().optional(),
  skuTier: z.enum(['Basic', 'Standard', 'Premium']).default('Standard'),
});
const ipGroupSeed = z.object({ name, ipAddresses: z.array(z.string()).default([]) });
const kubeEndpointSeed = z.object({ url: z.url(), caCertPem: z.string().min(1) });
const managedClusterSeed = z.object({
  name,
  kubernetesVersion: z.string().default('1.33.2'),
  provisioningState: z.string().default('Succeeded'),
  powerState: z.enum(['Running', 'Stopped']).default('Running'),
  nodeCount: z.number().int().positive().default(3),
  nodeResourceGroup: z.string().optional(),
  /** Kubernetes emulator endpoint; may instead be given at start (`clusters`) or later (`control.setCluster`). */
  kube: kubeEndpointSeed.optional(),
  /** The agent pool's subnet (BYO VNet): `/subscriptions/…/virtualNetworks/<vnet>/subnets/<subnet>`. */
  vnetSubnetId: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
const virtualNetworkSeed = z.object({
  name,
  subnets: z.array(z.object({ name, addressPrefix: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, 'must be an IPv4 CIDR') })).default([]),
});
const resourceGroupSeed = z.object({
  name,
  virtualNetworks: z.array(virtualNetworkSeed).default([]),
  location: z.string().optional(),
  routeServers: z.array(routeServerSeed).default([]),
  firewallPolicies: z.array(firewallPolicySeed).default([]),
  firewalls: z.array(firewallSeed).default([]),
  ipGroups: z.array(ipGroupSeed).default([]),
  managedClusters: z.array(managedClusterSeed).default([]),
});

export const seedSchema = z.object({
  subscriptionId: z.uuid(),
  tenantId: z.uuid(),
  location: z.string().default('westeurope'),
  /** The managed identity the token endpoint issues tokens for (the Function App's identity). */
  identity: z.object({ principalId: z.uuid(), clientId: z.uuid() }),
  resourceGroups: z.array(resourceGroupSeed).default([]),
});

export type ArmSeed = z.infer<typeof seedSchema>;
export type ArmSeedInput = z.input<typeof seedSchema>;
export type KubeEndpoint = z.infer<typeof kubeEndpointSeed>;

/** Validate a seed object; the error names the field and the reason. */
export function parseSeed(input: unknown): ArmSeed {
  const parsed = seedSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 5).map((i) => `seed.${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid ARM emulator seed: ${lines.join('; ')}`);
  }
  return parsed.data;
}

export function loadSeedFile(file: string): ArmSeed {
  return parseSeed(JSON.parse(readFileSync(file, 'utf8')));
}

/** The reference hub-spoke network of the design (see seed/reference-hub.json). */
export const REFERENCE_SEED_FILE = path.join(__dirname, 'seed', 'reference-hub.json');

export function referenceSeed(): ArmSeed {
  return parseSeed(referenceHub);
}
