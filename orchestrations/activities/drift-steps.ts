import { appServices } from '../../lib/adapters/app-services';
import { clusterRouteSnapshot, readReflectorsThroughKnownEndpoint } from '../../lib/adapters/cluster-routes';
import { describeFailure } from '../../lib/adapters/errors';
import { everyItem } from '../../lib/adapters/registry';
import { takeTenant } from './tenant-record';
import { whyNotRepair } from '../../lib/domain/lifecycle/admission';
import { steeringTenant } from '../../lib/domain/lifecycle/namespace-claims';
import { parseTenantKey } from '../../lib/domain/names';
import type { ClusterActual, RegistryTenant } from '../../lib/domain/drift';
import type { StoredDriftReport } from '../../lib/adapters/status/drift-report-store';
import { MANAGED_BY } from '../../lib/domain/kube-objects';
import { registerActivity } from '../activity-outcome';
import { clusterUsability } from '../../lib/domain/bootstrap/aks-state';
import type { ClusterReflectors, RouteServerConnectionFacts } from '../../lib/domain/bootstrap/cluster-peering';
import { bootstrapTiming, type BootstrapTiming } from '../bootstrap-input';

export interface DriftInputs {
  registry: RegistryTenant[];
  clusters: string[];
  firewallGroups: Array<Record<string, unknown>>;
  /** Route Server peering of every usable AKS cluster in AKS_RESOURCE_GROUP (absent: not checked). */
  peering?: ClusterPeeringInputs;
}

export interface ClusterPeeringInputs {
  /** Usable AKS clusters (Succeeded, running): the ones whose peering is judged. */
  aksClusters: string[];
  /** Every Route Server connection, read once. */
  connections: RouteServerConnectionFacts[];
  /** The waits of a re-sync the drift check starts (the same as an Event Grid bootstrap's). */
  bootstrapTiming: BootstrapTiming;
}

const managedBy = Object.entries(MANAGED_BY).map(([k, v]) => `${k}=${v}`).join(',');

/** Desired state (every tenant in the registry) and the firewall policy's groups: one pass each. */
registerActivity('readDriftInputs', async (): Promise<DriftInputs> => {
  const services = await appServices();
  const registry: RegistryTenant[] = (await everyItem((page) => services.registry.tenants.listAll(page)))
    .map((r) => ({ spec: r.spec, servingSpec: r.servingSpec, cidr: r.cidr, phase: r.phase }));
  const firewallGroups = (await services.firewallPolicy.listGroups('')).map((g) => ({ ...g.group, name: g.name }) as Record<string, unknown>);
  const clusters = [...new Set(registry.map((t) => t.spec.cluster))].sort();
  const aksClusters = (await services.aksClusters())
    .filter((c) => clusterUsability(c.name, c.provisioningState, c.powerState).kind === 'usable').map((c) => c.name);
  const connections = (await services.routeServer.connections()).map((c) => ({ name: c.name, peerIp: c.peerIp, state: c.connectionState }));
  const peering: ClusterPeeringInputs = { aksClusters, connections, bootstrapTiming: bootstrapTiming(services.config) };
  return { registry, clusters, firewallGroups, peering };
});

/**
 * One AKS cluster's route reflector nodes (clusters never bootstrapped, reflectors the autoscaler removed), read
 * afresh through the endpoint the same check's route snapshot used (AKS is asked only when that is unknown or fails).
 */
registerActivity('readClusterReflectors', async (cluster: string): Promise<ClusterReflectors> => {
  const services = await appServices();
  return readReflectorsThroughKnownEndpoint(services.clusterAccess, cluster);
});

/**
 * One cluster's actual state: managed pools and gateways, and what Route Server learned from it (the
 * same shared snapshot the waiting tenants read, taken afresh for the check; its endpoint reaches
 * the cluster, so AKS is not asked again).
 */
registerActivity('readClusterActual', async (cluster: string): Promise<ClusterActual> => {
  const services = await appServices();
  // A report says what is, not what was: the snapshot is read afresh (and left for the waiting tenants).
  const since = Date.now();
  try {
    // The check is not urgent: it waits out another refresher rather than failing.
    const read = await clusterRouteSnapshot(services.routeSnapshots, services.routeServer, services.clusterAccess, cluster, since, { patient: true });
    if (read.kind === 'waiting') throw new Error(`route snapshot of ${cluster}: ${read.reason}`);
    const { learned, endpoint } = read.value;
    const client = await services.clusterAccess.connect(endpoint);
    const pools = await client.listObjects('projectcalico.org/v3', 'IPPool', managedBy);
    const gateways = await client.listObjects('operator.tigera.io/v1', 'EgressGateway', managedBy);
    const namespaces = await client.listObjects('v1', 'Namespace');
    return {
      cluster,
      ipPools: pools.map((p) => ({ name: p.metadata?.name ?? '', cidr: String((p as { spec?: { cidr?: unknown } }).spec?.cidr ?? '') })),
      egressGateways: gateways.map((g) => ({ namespace: g.metadata?.namespace ?? '', name: g.metadata?.name ?? '', replicas: Number((g as { spec?: { replicas?: unknown } }).spec?.replicas ?? 0) })),
      learned,
      namespaces: namespaces.map((n) => {
        const steeredBy = steeringTenant(n.metadata?.annotations);
        return { name: n.metadata?.name ?? '', ...(steeredBy !== undefined ? { steeredBy } : {}) };
      }),
    };
  } catch (error) {
    const failure = describeFailure(error);
    if (failure.kind === 'transient') throw error;
    return { cluster, ipPools: [], egressGateways: [], learned: [], unreachable: failure.message };
  }
});

/**
 * Takes a drifted tenant for repair, the way a lifecycle does (a new run), but only if it is Ready
 * on the spec that serves, read fresh and written under its ETag: a tenant an offboarding, update
 * or failure has moved on meanwhile is skipped, and a lifecycle started after this claim makes the
 * repair's activities refuse. So repair never resurrects what is being removed.
 */
registerActivity('claimTenantForRepair', (key: string): Promise<{ run: number } | { skipped: string }> =>
  takeTenant(parseTenantKey(key), whyNotRepair));

/** Keeps the report for GET /api/drift and tells the topic when something drifted. */
registerActivity('recordDriftReport', async (input: StoredDriftReport) => {
  const services = await appServices();
  await services.drift.put(input);
  if (!input.report.clean) {
    await services.events.publish({
      id: `drift/${input.instanceId}/${input.checkedAt}`,
      eventType: 'EgressPilot.DriftDetected',
      subject: 'drift',
      data: { checkedAt: input.checkedAt, tenants: input.report.tenants, orphans: input.report.orphans, repaired: input.repaired, ...(input.report.clusters ? { clusters: input.report.clusters, resyncs: input.resyncs ?? [] } : {}) },
    });
  }
});
