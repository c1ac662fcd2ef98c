import { TableClient } from '@azure/data-tables';
import type { Config } from '../domain/config';
import type { TenantSpec } from '../domain/tenant-spec';
import { loadConfig } from './config';
import { azureCredential, containerServiceClient, networkClient, type ArmTarget } from './azure/clients';
import { createRegistry, type Registry } from './registry';
import { TenantProgressStore } from './status/tenant-progress-store';
import { FirewallIntentStore } from './status/firewall-intents';
import { DriftReportStore } from './status/drift-report-store';
import { RouteSnapshotStore } from './status/route-snapshots';
import type { ClusterAccess } from './cluster-routes';
import { RouteServer } from './network/route-server';
import { FirewallPolicy } from './network/firewall-policy';
import { resolveClusterEndpoint } from './kubernetes/cluster-access';
import { connectCluster, type ClusterClient } from './kubernetes/cluster-client';
import { subnetPrefix } from './network/subnets';
import { withRetries } from './retry';
import { armPageErrors } from './errors';
import { eventGridPublisher, noTopicPublisher, type EventPublisher } from './event-publisher';

/**
 * The composition root: every adapter built once per process from the validated configuration.
 * Functions and activities ask here; nothing else reads the environment or builds clients.
 */
export interface AppServices {
  config: Config;
  registry: Registry<TenantSpec>;
  progress: TenantProgressStore;
  intents: FirewallIntentStore;
  drift: DriftReportStore;
  /** The table that holds leases (one writer per firewall policy). */
  leases: TableClient;
  routeServer: RouteServer;
  firewallPolicy: FirewallPolicy;
  cluster(name: string): Promise<ClusterClient>;
  /** The two halves of `cluster`, for readers that keep an endpoint (the route snapshots). */
  clusterAccess: ClusterAccess;
  /** Shared, time-stamped snapshots of learned routes per cluster and over all of Route Server. */
  routeSnapshots: RouteSnapshotStore;
  /** The AKS view of a cluster: is it usable, and which subnet do its nodes live in. */
  aksCluster(name: string): Promise<{ provisioningState: string; powerState?: string; subnetId?: string }>;
  /** Every AKS cluster in AKS_RESOURCE_GROUP (GET /api/clusters, the drift check), by name. */
  aksClusters(): Promise<Array<{ name: string; provisioningState: string; powerState?: string }>>;
  subnetPrefix(subnetId: string): Promise<string>;
  events: EventPublisher;
}

let services: Promise<AppServices> | undefined;

export function appServices(): Promise<AppServices> {
  services ??= build(loadConfig()).catch((error: unknown) => {
    services = undefined; // let the next call try again (e.g. storage was not up yet)
    throw error;
  });
  return services;
}

function table(config: Config, name: string): TableClient {
  if (config.registry.kind === 'connectionString') {
    const insecure = /DefaultEndpointsProtocol=http(;|$)|TableEndpoint=http:\/\//i.test(config.registry.connectionString);
    return TableClient.fromConnectionString(config.registry.connectionString, name, { allowInsecureConnection: insecure });
  }
  return new TableClient(config.registry.endpoint, name, azureCredential());
}

async function build(config: Config): Promise<AppServices> {
  const credential = azureCredential();
  const connection = config.registry.kind === 'connectionString'
    ? { connectionString: config.registry.connectionString }
    : { endpoint: config.registry.endpoint, credential };
  const registry = await createRegistry<TenantSpec>(connection, {
    tablePrefix: config.registryTablePrefix,
    pool: { supernet: config.egressSupernet, reserved: config.egressReservedCidrs },
  });
  const progressTable = table(config, `${config.registryTablePrefix}Progress`);
  const intentTable = table(config, `${config.registryTablePrefix}FirewallIntents`);
  const leaseTable = table(config, `${config.registryTablePrefix}Leases`);
  const driftTable = table(config, `${config.registryTablePrefix}Drift`);
  const snapshotTable = table(config, `${config.registryTablePrefix}RouteSnapshots`);
  await Promise.all([progressTable.createTable(), intentTable.createTable(), leaseTable.createTable(), driftTable.createTable(), snapshotTable.createTable()]);

  const arm: ArmTarget = { subscriptionId: config.azureSubscriptionId, endpoint: config.armEndpoint, audience: config.armScope };
  const network = networkClient(arm, credential);
  const aks = containerServiceClient(arm, credential);
  const clusterAccess: ClusterAccess = {
    endpoint: (name) => resolveClusterEndpoint(aks, config.aksResourceGroup, name),
    connect: (endpoint) => connectCluster(endpoint, credential, config.kubeTokenScope),
  };
  return {
    config,
    registry,
    progress: new TenantProgressStore(progressTable),
    intents: new FirewallIntentStore(intentTable),
    drift: new DriftReportStore(driftTable),
    leases: leaseTable,
    routeServer: new RouteServer(network, { resourceGroup: config.routeServerResourceGroup, name: config.routeServerName }),
    firewallPolicy: new FirewallPolicy(network, { resourceGroup: config.firewallPolicyResourceGroup, name: config.firewallPolicyName }),
    async cluster(name) {
      return clusterAccess.connect(await clusterAccess.endpoint(name));
    },
    clusterAccess,
    // A snapshot is as old as the shortest route poll interval at most.
    routeSnapshots: new RouteSnapshotStore(snapshotTable, { maxAgeMs: config.routePollInitialSeconds * 1000 }),
    async aksCluster(name) {
      const c = await withRetries(`get AKS cluster ${name}`, () => aks.managedClusters.get(config.aksResourceGroup, name));
      return { provisioningState: c.provisioningState ?? 'Unknown', powerState: c.powerState?.code, subnetId: c.agentPoolProfiles?.find((p) => p.vnetSubnetID)?.vnetSubnetID };
    },
    async aksClusters() {
      return withRetries(`list AKS clusters in ${config.aksResourceGroup}`, async () => {
        const found: Array<{ name: string; provisioningState: string; powerState?: string }> = [];
        const page = armPageErrors();
        try {
          for await (const c of aks.managedClusters.listByResourceGroup(config.aksResourceGroup, { onResponse: page.onResponse })) {
            if (c.name) found.push({ name: c.name, provisioningState: c.provisioningState ?? 'Unknown', ...(c.powerState?.code ? { powerState: c.powerState.code } : {}) });
          }
        } catch (error) {
          throw page.restore(error);
        }
        return found.sort((a, b) => a.name.localeCompare(b.name));
      });
    },
    subnetPrefix: (subnetId) => subnetPrefix(network, subnetId),
    events: config.eventGridTopicEndpoint ? eventGridPublisher(config.eventGridTopicEndpoint, credential) : noTopicPublisher,
  };
}
