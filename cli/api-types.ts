/**
 * What the CLI reads from the API, checked at the boundary: only the fields it shows or decides on are
 * required; the rest passes through untouched (json / yaml output print the API's answer as it came).
 */
import { z } from 'zod';

export const stepSchema = z.object({
  name: z.string(),
  state: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  detail: z.string().optional(),
});
export type StepView = z.infer<typeof stepSchema>;

export const tenantSchema = z.looseObject({
  name: z.string(),
  cluster: z.string(),
  cidr: z.string().nullable(),
  phase: z.string(),
  operation: z.string().optional(),
  steps: z.array(stepSchema),
  routes: z.object({ expected: z.array(z.string()), learned: z.record(z.string(), z.number()) }),
  firewall: z.object({ ruleCollectionGroup: z.string(), ruleCollections: z.array(z.string()) }).partial().nullable(),
  error: z.string().optional(),
  lastAttempt: z.object({ step: z.string().optional(), error: z.string(), at: z.string() }).partial().optional(),
  /** Egress verification (issue 14), where the API has it: shown as it came. */
  egress: z.looseObject({ ok: z.boolean().optional() }).optional(),
});
export type TenantView = z.infer<typeof tenantSchema>;

export const tenantPageSchema = z.looseObject({ items: z.array(tenantSchema), continuationToken: z.string().optional() });

export const acceptedSchema = z.looseObject({ id: z.string(), phase: z.string(), statusUrl: z.string().optional() });

export const problemSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  }),
});
export type Problem = z.infer<typeof problemSchema>['error'];

export const clusterSchema = z.looseObject({
  name: z.string(),
  provisioningState: z.string(),
  bootstrap: z.looseObject({ state: z.string(), step: z.string().optional(), error: z.string().optional() }),
  routeReflectors: z.array(z.looseObject({ name: z.string(), ip: z.string(), routeServerConnection: z.object({ name: z.string(), state: z.string() }).nullable() })),
  peering: z.object({ inSync: z.boolean(), problems: z.array(z.string()) }),
  tenants: z.array(z.looseObject({ name: z.string(), phase: z.string() })),
  routeBudget: z.object({ routesPerPeer: z.number(), budgetPerPeer: z.number(), tenantsCounted: z.number() }),
  unreachable: z.string().optional(),
});
export type ClusterInfo = z.infer<typeof clusterSchema>;
export const clustersSchema = z.looseObject({ clusters: z.array(clusterSchema) });

export const driftSchema = z.looseObject({
  checkedAt: z.string(),
  report: z.looseObject({
    clean: z.boolean(),
    checkedTenants: z.number(),
    tenants: z.array(z.object({ tenant: z.string(), problems: z.array(z.string()) })),
    clusters: z.array(z.object({ cluster: z.string(), problems: z.array(z.string()) })).optional(),
  }),
  repairs: z.array(z.looseObject({ tenant: z.string(), outcome: z.string(), detail: z.string().optional() })).optional(),
  resyncs: z.array(z.looseObject({ cluster: z.string(), outcome: z.string(), detail: z.string().optional() })).optional(),
});
export type DriftInfo = z.infer<typeof driftSchema>;

export const capacitySchema = z.looseObject({
  generatedAt: z.string(),
  clusters: z.array(z.looseObject({
    cluster: z.string(),
    egressPool: z.looseObject({ supernet: z.string(), blockPrefixLength: z.number(), usedBlocks: z.number(), freeBlocks: z.number(), totalBlocks: z.number(), tenants: z.array(z.object({ tenant: z.string(), cidr: z.string() })) }),
    routeReflectors: z.array(z.looseObject({ peer: z.string(), state: z.string().optional(), routesAdvertised: z.number(), routesReserved: z.number().optional(), routeBudget: z.number(), limit: z.number() })),
  })),
  firewallPolicies: z.array(z.looseObject({
    policy: z.string(),
    ruleCollectionGroups: z.array(z.looseObject({ name: z.string(), priority: z.number(), tenants: z.array(z.string()), rules: z.number(), sourceDestinationPairs: z.number(), estimatedBytes: z.number().optional(), limitBytes: z.number().optional() })),
  })),
  nextTenant: z.looseObject({ prefixLength: z.number(), replicas: z.number(), fits: z.boolean(), perCluster: z.array(z.object({ cluster: z.string(), fits: z.boolean(), reasons: z.array(z.string()) })) }),
  gauges: z.array(z.looseObject({ scope: z.string(), name: z.string(), used: z.number(), limit: z.number(), unit: z.string() })),
});
export type CapacityInfo = z.infer<typeof capacitySchema>;
