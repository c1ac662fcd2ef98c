import { z } from 'zod';
import type { ManagedIdentity, TokenIssuer } from '../shared/token';
import type { ArmLimits, ArmTimings } from './config';
import type { EmulatorContext } from './context';
import { invalidRequest, notImplemented } from './errors';
import { decideForFirewall, type FirewallVerdict } from './firewall-probe';
import { type Counters, type FaultSpec, type FaultSpecInput, faultSpecSchema } from './knobs';
import type { SessionView } from './providers/bgpTwin';
import type { AksProvider, ClusterChange } from './providers/aks';
import { hubFacts } from './providers/routeServer';
import { TYPES } from './ids';
import type { ArmResponse } from './router';
import { toWire } from './store';

/**
 * Test and benchmark control of the ARM emulator, in-process (`emulator.control`) and over HTTP
 * under `/_emulator/...` on the same server (no token needed: the real ARM API never uses that prefix).
 */
export interface ArmControl {
  timings(): ArmTimings;
  setTimings(change: Partial<ArmTimings>): ArmTimings;
  limits(): ArmLimits;
  setLimits(change: Partial<ArmLimits>): ArmLimits;
  /** Latency per operation name (`firewallPolicyRuleCollectionGroups.createOrUpdate`), group (`virtualHubs.*`) or `*`. */
  setLatency(operation: string, ms: number): void;
  clearLatency(): void;
  injectFault(fault: FaultSpecInput): FaultSpec;
  pendingFaults(): FaultSpec[];
  clearFaults(): void;
  counters(): Counters;
  resetCounters(): void;
  /** Back to the seed: resources, operations, BGP state, counters, faults, latency, timings and limits. Cluster endpoints are kept. */
  reset(): Promise<void>;
  /** `kube: null` forgets the cluster's Kubernetes endpoint; `then: { afterMs, provisioningState?, powerState? }` schedules the next state. */
  setCluster(resourceGroup: string, name: string, change: ClusterChange): void;
  /** The AKS cluster is deleted: gone from ARM, its BGP speakers silent (its BGP connections stay). */
  deleteCluster(resourceGroup: string, name: string): void;
  /** Sample the route feed now and show Route Server's view of every BGP session. */
  bgpSessions(): Promise<SessionView[]>;
  /** A token signed by the emulator's issuer (tests: wrong audience, negative lifetime = expired). */
  issueToken(audience: string, options?: { lifetimeSeconds?: number }): string;
  /** Every stored resource in wire form. */
  resources(): Record<string, unknown>[];
  /** The firewall's data plane: decide one connection `{ firewall?, connection }` (firewall-probe.ts). */
  decideConnection(body: unknown): FirewallVerdict;
}

const timingsSchema = z.object({
  firewallUpdateMs: z.number().int().nonnegative(),
  firewallUpdatePerRuleMs: z.number().nonnegative(),
  networkProvisionMs: z.number().int().nonnegative(),
  routeQueryMs: z.number().int().nonnegative(),
  routePropagationMs: z.number().int().nonnegative(),
  routePropagationP95Ms: z.number().int().nonnegative(),
  randomSeed: z.number().int(),
  sessionEstablishMs: z.number().int().nonnegative(),
  routeFeedPollMs: z.number().int().nonnegative(),
  lroRetryAfterSeconds: z.number().int().nonnegative(),
  busyPolicyResponse: z.enum(['conflict409', 'retryable429']),
  busyRetryAfterSeconds: z.number().int().nonnegative(),
}).partial().strict();
const limitsSchema = z.object({
  ruleCollectionGroupsPerPolicy: z.number().int().positive(),
  ruleCollectionGroupMaxBytes: z.number().int().positive(),
  networkRuleSourceDestinationPairs: z.number().int().positive(),
  routesPerBgpPeer: z.number().int().positive(),
  bgpPeersPerRouteServer: z.number().int().positive(),
  minPriority: z.number().int(),
  maxPriority: z.number().int(),
  ipAddressesPerIpGroup: z.number().int().positive(),
  writeBucketSize: z.number().int().nonnegative(),
  writeRefillPerSecond: z.number().positive(),
  readBucketSize: z.number().int().nonnegative(),
  readRefillPerSecond: z.number().positive(),
  listPageSize: z.number().int().nonnegative(),
}).partial().strict();
const clusterChangeSchema = z.object({
  kube: z.object({ url: z.url(), caCertPem: z.string().min(1) }).nullable().optional(),
  provisioningState: z.string().min(1).optional(),
  powerState: z.enum(['Running', 'Stopped']).optional(),
  then: z.object({ afterMs: z.number().int().nonnegative(), provisioningState: z.string().min(1).optional(), powerState: z.enum(['Running', 'Stopped']).optional() }).strict().optional(),
}).strict();

function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(`${what}.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  return parsed.data;
}

export function createControl(deps: {
  ctx: EmulatorContext;
  aks: AksProvider;
  issuer: TokenIssuer;
  identity: () => ManagedIdentity;
  initialTimings: ArmTimings;
  initialLimits: ArmLimits;
  reseed: () => void;
  onTimingsChanged: () => void;
}): ArmControl {
  const { ctx } = deps;
  return {
    timings: () => ({ ...ctx.timings }),
    setTimings(change) {
      Object.assign(ctx.timings, parse(timingsSchema, change, 'timings'));
      deps.onTimingsChanged();
      return { ...ctx.timings };
    },
    limits: () => ({ ...ctx.limits }),
    setLimits(change) {
      Object.assign(ctx.limits, parse(limitsSchema, change, 'limits'));
      return { ...ctx.limits };
    },
    setLatency(operation, ms) {
      if (!Number.isFinite(ms) || ms < 0) throw invalidRequest(`latency.${operation}`, 'must be a non-negative number of milliseconds');
      ctx.knobs.latencyMs[operation] = ms;
    },
    clearLatency() { ctx.knobs.latencyMs = {}; },
    injectFault: (fault) => ctx.knobs.addFault(parse(faultSpecSchema, fault, 'fault')),
    pendingFaults: () => ctx.knobs.pendingFaults(),
    clearFaults() { ctx.knobs.clearFaults(); },
    counters: () => structuredClone(ctx.knobs.counters),
    resetCounters() { ctx.knobs.resetCounters(); },
    async reset() {
      await ctx.operations.settle();
      ctx.operations.clear();
      ctx.store.clear();
      ctx.bgp.reset();
      ctx.knobs.clearFaults();
      ctx.knobs.latencyMs = {};
      ctx.knobs.resetCounters();
      Object.assign(ctx.timings, deps.initialTimings);
      Object.assign(ctx.limits, deps.initialLimits);
      deps.onTimingsChanged();
      deps.reseed();
    },
    setCluster(resourceGroup, name, change) {
      deps.aks.setCluster(resourceGroup, name, parse(clusterChangeSchema, change, 'cluster'));
    },
    deleteCluster(resourceGroup, name) {
      deps.aks.deleteCluster(resourceGroup, name);
    },
    bgpSessions: () => ctx.bgp.view((instanceIp) => {
      const hub = ctx.store.list({ type: TYPES.virtualHub }).find((h) => hubFacts(h).ips.includes(instanceIp));
      return hub === undefined ? undefined : hubFacts(hub).asn;
    }),
    issueToken: (audience, options) => deps.issuer.issue(audience, deps.identity(), options).token,
    resources: () => [TYPES.resourceGroup, TYPES.virtualHub, TYPES.hubIpConfiguration, TYPES.bgpConnection, TYPES.firewallPolicy, TYPES.ruleCollectionGroup, TYPES.ipGroup, TYPES.azureFirewall, TYPES.managedCluster]
      .flatMap((type) => ctx.store.list({ type }).map((r) => toWire(r))),
    decideConnection: (body) => decideForFirewall(ctx, body),
  };
}

/** `/_emulator/...` over HTTP, mapped onto the same control functions. */
export function controlHttp(control: ArmControl, info: () => Record<string, unknown>, publicKeyPem: string) {
  return async (method: string, path: string, _query: URLSearchParams, body: unknown): Promise<ArmResponse> => {
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    const cluster = /^(PUT|DELETE) \/_emulator\/clusters\/([^/]+)\/([^/]+)$/.exec(route);
    if (cluster?.[2] !== undefined && cluster[3] !== undefined) {
      const [rg, name] = [decodeURIComponent(cluster[2]), decodeURIComponent(cluster[3])];
      if (cluster[1] === 'DELETE') control.deleteCluster(rg, name);
      else control.setCluster(rg, name, body as never);
      return { status: 204 };
    }
    switch (route) {
      case 'GET /_emulator/health': return { status: 200, body: { ok: true, ...info() } };
      case 'GET /_emulator/counters': return { status: 200, body: control.counters() };
      case 'DELETE /_emulator/counters': control.resetCounters(); return { status: 204 };
      case 'GET /_emulator/timings': return { status: 200, body: control.timings() };
      case 'PUT /_emulator/timings': return { status: 200, body: control.setTimings(body as Partial<ArmTimings>) };
      case 'GET /_emulator/limits': return { status: 200, body: control.limits() };
      case 'PUT /_emulator/limits': return { status: 200, body: control.setLimits(body as Partial<ArmLimits>) };
      case 'PUT /_emulator/latency': {
        const latency = parse(z.record(z.string(), z.number().nonnegative()), body, 'latency');
        control.clearLatency();
        for (const [op, ms] of Object.entries(latency)) control.setLatency(op, ms);
        return { status: 204 };
      }
      case 'DELETE /_emulator/latency': control.clearLatency(); return { status: 204 };
      case 'GET /_emulator/faults': return { status: 200, body: control.pendingFaults() };
      case 'POST /_emulator/faults': return { status: 201, body: control.injectFault(body as FaultSpecInput) };
      case 'DELETE /_emulator/faults': control.clearFaults(); return { status: 204 };
      case 'POST /_emulator/reset': await control.reset(); return { status: 204 };
      case 'GET /_emulator/bgp/sessions': return { status: 200, body: await control.bgpSessions() };
      case 'GET /_emulator/identity/public-key': return { status: 200, body: publicKeyPem };
      case 'GET /_emulator/resources': return { status: 200, body: control.resources() };
      case 'POST /_emulator/firewall/decide': return { status: 200, body: control.decideConnection(body) };
      default: throw notImplemented(method, path, 'unknown control path (see local/emulators/arm/README.md)');
    }
  };
}

