/**
 * What GET /api/clusters shows of one AKS cluster: its bootstrap (the `cluster:<name>` orchestration),
 * route reflectors with their Route Server connection, the tenants on it and the route budget they use.
 * Pure: functions/clusters.ts reads AKS, the cluster, Route Server, the registry and the task hub.
 */
import { routesForTenant, tenantsThatMayAdvertise, type GatewayShape } from '../capacity';
import { clusterUsability } from './aks-state';
import { judgeClusterPeering, type ClusterReflectors, type RouteServerConnectionFacts } from './cluster-peering';

export type BootstrapState = 'NeverBootstrapped' | 'Running' | 'Ready' | 'Failed' | 'Terminated';

/** The bootstrap orchestration as the task hub reports it (undefined: no instance). */
export interface BootstrapInstance {
  runtimeStatus: string;
  customStatus?: { step?: string; error?: string; reason?: string };
  output?: { phase?: string; error?: string };
  lastUpdatedTime?: string;
}

export interface ClusterTenant {
  name: string;
  phase: string;
  cidr?: string;
  gateway: GatewayShape;
}

export interface ClusterView {
  name: string;
  provisioningState: string;
  powerState?: string;
  bootstrap: { state: BootstrapState; step?: string; reason?: string; error?: string; lastUpdated?: string };
  routeReflectors: Array<{ name: string; ip: string; ready: boolean; routeServerConnection: { name: string; state: string } | null }>;
  /** This cluster's Route Server connections to peers that are no longer route reflectors. */
  staleConnections: RouteServerConnectionFacts[];
  peering: { inSync: boolean; problems: string[] };
  tenants: Array<{ name: string; phase: string; cidr: string | null }>;
  routeBudget: { routesPerPeer: number; budgetPerPeer: number; tenantsCounted: number };
  /** Why the cluster's API could not be read (its reflectors are then unknown). */
  unreachable?: string;
}

export function bootstrapState(instance: BootstrapInstance | undefined): ClusterView['bootstrap'] {
  if (!instance) return { state: 'NeverBootstrapped' };
  const at = instance.lastUpdatedTime ? { lastUpdated: instance.lastUpdatedTime } : {};
  const reason = instance.customStatus?.reason ? { reason: instance.customStatus.reason } : {};
  if (['Running', 'Pending', 'ContinuedAsNew', 'Suspended'].includes(instance.runtimeStatus)) {
    return { state: 'Running', ...(instance.customStatus?.step ? { step: instance.customStatus.step } : {}), ...reason, ...at };
  }
  if (instance.runtimeStatus === 'Terminated') return { state: 'Terminated', ...reason, ...at };
  const error = instance.output?.error ?? instance.customStatus?.error;
  const ready = instance.runtimeStatus === 'Completed' && instance.output?.phase === 'Ready';
  return { state: ready ? 'Ready' : 'Failed', ...reason, ...(!ready && error ? { error } : {}), ...at };
}

export function clusterView(input: {
  aks: { name: string; provisioningState: string; powerState?: string };
  /** Undefined when AKS says the cluster cannot be talked to now (then not read). */
  reflectors: ClusterReflectors | undefined;
  connections: readonly RouteServerConnectionFacts[];
  bootstrap: BootstrapInstance | undefined;
  tenants: readonly ClusterTenant[];
  routeBudgetPerPeer: number;
}): ClusterView {
  const { aks } = input;
  const usability = clusterUsability(aks.name, aks.provisioningState, aks.powerState);
  const read: ClusterReflectors = input.reflectors ?? { cluster: aks.name, reflectors: [], readyNodes: 0, unreachable: usability.kind === 'usable' ? 'not read' : usability.reason };
  const peering = judgeClusterPeering(read, input.connections);
  const counted = tenantsThatMayAdvertise(input.tenants, '');
  return {
    name: aks.name, provisioningState: aks.provisioningState, ...(aks.powerState ? { powerState: aks.powerState } : {}),
    bootstrap: bootstrapState(input.bootstrap),
    routeReflectors: peering.reflectors.map((r) => ({ name: r.name, ip: r.ip, ready: r.ready, routeServerConnection: r.connection ?? null })),
    staleConnections: peering.stale,
    peering: { inSync: peering.problems.length === 0, problems: peering.problems },
    tenants: [...input.tenants].sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({ name: t.name, phase: t.phase, cidr: t.cidr ?? null })),
    routeBudget: { routesPerPeer: counted.reduce((n, t) => n + routesForTenant(t.gateway), 0), budgetPerPeer: input.routeBudgetPerPeer, tenantsCounted: counted.length },
    ...(peering.unreachable !== undefined ? { unreachable: peering.unreachable } : {}),
  };
}
