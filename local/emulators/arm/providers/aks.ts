import { stringify } from 'yaml';
import { AKS_ENTRA_CLIENT_APP_ID, AKS_ENTRA_SERVER_APP_ID } from '../config';
import { type EmulatorContext, requireResourceGroup, requireSubscription, listPage } from '../context';
import { conflict, notFound } from '../errors';
import { ids, TYPES } from '../ids';
import type { ArmRequest, ArmResponse, Route } from '../router';
import type { KubeEndpoint } from '../seed';
import { type StoredResource, toWire } from '../store';

/**
 * AKS managed clusters, read side: get / list / listByResourceGroup and the two credential POSTs.
 * A cluster's kubeconfig points at its Kubernetes emulator (URL + CA from the seed, the start
 * options or `control.setCluster`). Clusters use AKS-managed Microsoft Entra ID with Azure RBAC:
 * the token audience for the API server is the AKS server app `6dae42f8-…` (in `aadProfile.serverAppID`).
 */
const CLUSTER = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`;

export interface ClusterChange {
  kube?: KubeEndpoint | null;
  provisioningState?: string;
  powerState?: 'Running' | 'Stopped';
  then?: { afterMs: number; provisioningState?: string; powerState?: 'Running' | 'Stopped' };
}

export interface ClusterSeedFacts {
  name: string;
  kubernetesVersion: string;
  provisioningState: string;
  powerState: 'Running' | 'Stopped';
  nodeCount: number;
  nodeResourceGroup?: string;
  vnetSubnetId?: string;
  tags?: Record<string, string>;
}

export class AksProvider {
  /** Kubernetes emulator endpoint per cluster id (lower-cased). */
  readonly endpoints = new Map<string, KubeEndpoint>();
  /** The local admin's client certificate per cluster id: issued once, like AKS's cluster certificate. */
  private readonly adminCerts = new Map<string, { certPem: string; keyPem: string }>();

  constructor(private readonly ctx: EmulatorContext) {}

  clusterId(rg: string, name: string): string {
    return ids.provider(this.ctx.subscriptionId, rg, 'Microsoft.ContainerService/managedClusters', name);
  }

  putCluster(rg: string, seed: ClusterSeedFacts): StoredResource {
    const dnsPrefix = `${seed.name}-dns`;
    return this.ctx.store.put({
      id: this.clusterId(rg, seed.name), name: seed.name, type: TYPES.managedCluster, resourceGroup: rg,
      body: {
        location: this.ctx.location,
        ...(seed.tags ? { tags: seed.tags } : {}),
        identity: { type: 'SystemAssigned', principalId: '00000000-0000-0000-0000-000000000001', tenantId: this.ctx.tenantId },
        sku: { name: 'Base', tier: 'Standard' },
        properties: {
          provisioningState: seed.provisioningState,
          powerState: { code: seed.powerState },
          kubernetesVersion: seed.kubernetesVersion,
          currentKubernetesVersion: seed.kubernetesVersion,
          dnsPrefix,
          fqdn: `${dnsPrefix}.hcp.${this.ctx.location}.azmk8s.io`,
          azurePortalFQDN: `${dnsPrefix}.portal.hcp.${this.ctx.location}.azmk8s.io`,
          agentPoolProfiles: [{
            name: 'nodepool1', count: seed.nodeCount, vmSize: 'Standard_D4s_v5', osType: 'Linux', mode: 'System', type: 'VirtualMachineScaleSets',
            availabilityZones: ['1', '2', '3'], maxPods: 110, provisioningState: 'Succeeded', powerState: { code: seed.powerState },
            orchestratorVersion: seed.kubernetesVersion, currentOrchestratorVersion: seed.kubernetesVersion,
            nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202511.01.0', upgradeSettings: { maxSurge: '10%' }, eTag: 'emulated-pool-etag',
            ...(seed.vnetSubnetId ? { vnetSubnetID: seed.vnetSubnetId } : {}),
          }],
          maxAgentPools: 100,
          servicePrincipalProfile: { clientId: 'msi' },
          nodeResourceGroup: seed.nodeResourceGroup ?? `MC_${rg}_${seed.name}_${this.ctx.location}`,
          enableRBAC: true,
          aadProfile: { managed: true, enableAzureRBAC: true, tenantID: this.ctx.tenantId, serverAppID: AKS_ENTRA_SERVER_APP_ID, clientAppID: AKS_ENTRA_CLIENT_APP_ID },
          disableLocalAccounts: false,
          networkProfile: {
            networkPlugin: 'none', outboundType: 'userDefinedRouting', loadBalancerSku: 'standard',
            podCidr: '192.168.0.0/16', podCidrs: ['192.168.0.0/16'], serviceCidr: '10.96.0.0/16', serviceCidrs: ['10.96.0.0/16'],
            dnsServiceIP: '10.96.0.10', ipFamilies: ['IPv4'],
          },
        },
      },
    }).resource;
  }

  /**
   * Point a cluster at its Kubernetes emulator, and optionally change its states (test control);
   * `then` schedules a later state, e.g. Creating now and Succeeded after 500 ms.
   */
  setCluster(rg: string, name: string, change: ClusterChange): void {
    const id = this.clusterId(rg, name);
    const cluster = this.ctx.store.get(id);
    if (cluster === undefined) throw notFound(TYPES.managedCluster, name, rg);
    if (change.kube === null) this.endpoints.delete(id.toLowerCase());
    else if (change.kube !== undefined) this.endpoints.set(id.toLowerCase(), change.kube);
    if (change.provisioningState !== undefined || change.powerState !== undefined) {
      this.ctx.store.update(id, (b) => {
        const props = { ...(b.properties as Record<string, unknown>) };
        if (change.provisioningState !== undefined) props.provisioningState = change.provisioningState;
        if (change.powerState !== undefined) props.powerState = { code: change.powerState };
        return { ...b, properties: props };
      });
    }
    if (change.then !== undefined) {
      const { afterMs, ...next } = change.then;
      this.ctx.operations.start({ resourceId: id, durationMs: afterMs, doneStatus: 200, locks: [], complete: () => { this.setCluster(rg, name, next); } });
    }
  }

  /**
   * The cluster is deleted (test control): ARM forgets it, and its nodes stop speaking BGP, so Route Server
   * loses every route they advertised. Its BGP connection resources stay on Route Server, as in Azure.
   */
  deleteCluster(rg: string, name: string): void {
    const id = this.clusterId(rg, name);
    if (!this.ctx.store.delete(id)) throw notFound(TYPES.managedCluster, name, rg);
    this.endpoints.delete(id.toLowerCase());
    this.adminCerts.delete(id.toLowerCase());
  }

  /** Kubernetes emulator URLs of all clusters (for the HTTP route feed). */
  kubeUrls(): string[] {
    return [...this.endpoints.values()].map((e) => e.url);
  }

  private wire(cluster: StoredResource): Record<string, unknown> {
    const wire = toWire(cluster, 'eTag');
    const endpoint = this.endpoints.get(cluster.id.toLowerCase());
    if (endpoint === undefined) return wire;
    // The fqdn is the host the kubeconfig points at, as in AKS.
    const props = { ...(wire.properties as Record<string, unknown>), fqdn: new URL(endpoint.url).hostname };
    return { ...wire, properties: props };
  }

  private requireCluster(req: ArmRequest): { rg: string; cluster: StoredResource } {
    const rg = requireResourceGroup(this.ctx, req);
    const name = req.params.resourceName ?? '';
    const cluster = this.ctx.store.get(this.clusterId(rg, name));
    if (cluster === undefined) throw notFound(TYPES.managedCluster, name, rg);
    return { rg, cluster };
  }

  private kubeconfig(cluster: StoredResource, rg: string, role: 'user' | 'admin', format: string | null): string {
    const endpoint = this.endpoints.get(cluster.id.toLowerCase());
    if (endpoint === undefined) {
      throw conflict('KubernetesEndpointUnknown', `Managed cluster ${cluster.name} has no Kubernetes emulator endpoint: give one in the seed (clusters[].kube), in startArmEmulator({ clusters }) or with control.setCluster.`);
    }
    const userName = role === 'admin' ? `clusterAdmin_${rg}_${cluster.name}` : `clusterUser_${rg}_${cluster.name}`;
    const contextName = role === 'admin' ? `${cluster.name}-admin` : cluster.name;
    let user: Record<string, unknown>;
    if (role === 'admin') {
      // Local admin account: a client certificate signed by the emulators' CA, as AKS issues.
      const key = cluster.id.toLowerCase();
      const cert = this.adminCerts.get(key) ?? this.ctx.ca.issue([`clusterAdmin_${rg}_${cluster.name}`]);
      this.adminCerts.set(key, cert);
      user = { 'client-certificate-data': Buffer.from(cert.certPem).toString('base64'), 'client-key-data': Buffer.from(cert.keyPem).toString('base64') };
    } else if (format === 'azure') {
      user = { 'auth-provider': { name: 'azure', config: { 'apiserver-id': AKS_ENTRA_SERVER_APP_ID, 'client-id': AKS_ENTRA_CLIENT_APP_ID, 'config-mode': '1', environment: 'AzurePublicCloud', 'tenant-id': this.ctx.tenantId } } };
    } else {
      // The exec stub kubelogin would run; the app ignores it and sends its own Entra token.
      user = {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin',
          args: ['get-token', '--login', 'devicecode', '--server-id', AKS_ENTRA_SERVER_APP_ID, '--client-id', AKS_ENTRA_CLIENT_APP_ID, '--tenant-id', this.ctx.tenantId, '--environment', 'AzurePublicCloud'],
          env: null, provideClusterInfo: false, interactiveMode: 'IfAvailable',
          installHint: 'kubelogin is not installed; the egress-pilot app authenticates with its managed identity token instead.',
        },
      };
    }
    return stringify({
      apiVersion: 'v1', kind: 'Config', preferences: {},
      clusters: [{ name: cluster.name, cluster: { server: endpoint.url, 'certificate-authority-data': Buffer.from(endpoint.caCertPem).toString('base64') } }],
      contexts: [{ name: contextName, context: { cluster: cluster.name, user: userName } }],
      'current-context': contextName,
      users: [{ name: userName, user }],
    });
  }

  routes(): Route[] {
    const r = (method: Route['method'], pattern: string, operation: string, handler: Route['handler']): Route =>
      ({ method, pattern, operation, handler, api: 'containerService', resourceType: 'managedClusters' });
    const credentials = (role: 'user' | 'admin') => (req: ArmRequest): ArmResponse => {
      const { rg, cluster } = this.requireCluster(req);
      const value = Buffer.from(this.kubeconfig(cluster, rg, role, req.query.get('format'))).toString('base64');
      return { status: 200, body: { kubeconfigs: [{ name: role === 'admin' ? 'clusterAdmin' : 'clusterUser', value }] } };
    };
    return [
      r('GET', `/subscriptions/{subscriptionId}/providers/Microsoft.ContainerService/managedClusters`, 'managedClusters.list', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.managedCluster }).map((c) => this.wire(c)));
      }),
      r('GET', `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters`, 'managedClusters.listByResourceGroup', (req) => {
        const rg = requireResourceGroup(this.ctx, req);
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.managedCluster, resourceGroup: rg }).map((c) => this.wire(c)));
      }),
      r('GET', CLUSTER, 'managedClusters.get', (req) => ({ status: 200, body: this.wire(this.requireCluster(req).cluster) })),
      r('POST', `${CLUSTER}/listClusterUserCredential`, 'managedClusters.listClusterUserCredentials', credentials('user')),
      r('POST', `${CLUSTER}/listClusterAdminCredential`, 'managedClusters.listClusterAdminCredentials', credentials('admin')),
    ];
  }
}
