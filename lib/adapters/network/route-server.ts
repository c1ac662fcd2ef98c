import type { NetworkManagementClient, PeerRoute } from '@azure/arm-network';
import { withRetries, defaultRetry, type RetryOptions } from '../retry';

export interface RouteServerRef {
  resourceGroup: string;
  name: string;
}

export interface BgpConnectionInfo {
  name: string;
  peerIp: string;
  peerAsn: number;
  connectionState: string;
}

/** Learned routes of one BGP connection, keyed by Route Server instance (RouteServiceRole_IN_0/_IN_1). */
export type LearnedRoutesByInstance = Record<string, PeerRoute[]>;

/** Read side and BGP-connection side of Azure Route Server (a `virtualHubs` resource). */
export class RouteServer {
  constructor(
    private readonly network: NetworkManagementClient,
    private readonly ref: RouteServerRef,
    private readonly retry: RetryOptions = defaultRetry,
    /** LRO poll interval; ARM's Retry-After still applies when it asks for longer. */
    private readonly pollIntervalMs = 1000,
  ) {}

  /** The Route Server's two instance IPs and its ASN (65515), from one read of the virtual hub. */
  async identity(): Promise<{ instanceIps: string[]; asn: number | undefined }> {
    const hub = await withRetries(`get Route Server ${this.ref.name}`, () => this.network.virtualHubs.get(this.ref.resourceGroup, this.ref.name), this.retry);
    return { instanceIps: hub.virtualRouterIps ?? [], asn: hub.virtualRouterAsn };
  }

  async connections(): Promise<BgpConnectionInfo[]> {
    return withRetries(`list BGP connections of ${this.ref.name}`, async () => {
      const found: BgpConnectionInfo[] = [];
      for await (const c of this.network.virtualHubBgpConnections.list(this.ref.resourceGroup, this.ref.name)) {
        found.push({ name: c.name ?? '', peerIp: c.peerIp ?? '', peerAsn: c.peerAsn ?? 0, connectionState: c.connectionState ?? 'Unknown' });
      }
      return found;
    }, this.retry);
  }

  async learnedRoutes(connectionName: string): Promise<LearnedRoutesByInstance> {
    return withRetries(`learned routes of ${connectionName}`,
      () => this.network.virtualHubBgpConnections.beginListLearnedRoutesAndWait(this.ref.resourceGroup, this.ref.name, connectionName, { updateIntervalInMs: this.pollIntervalMs }),
      this.retry);
  }

  /** Creates or keeps a BGP connection to a peer; a no-op when it already exists with the same peer. */
  async ensureConnection(name: string, peerIp: string, peerAsn: number): Promise<void> {
    const existing = (await this.connections()).find((c) => c.name === name);
    if (existing && existing.peerIp === peerIp && existing.peerAsn === peerAsn) return;
    await withRetries(`create BGP connection ${name}`,
      () => this.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(this.ref.resourceGroup, this.ref.name, name, { peerIp, peerAsn }, { updateIntervalInMs: this.pollIntervalMs }),
      this.retry);
  }

  /** Removes a BGP connection (a route reflector that is gone); one already removed counts as removed. */
  async deleteConnection(name: string): Promise<void> {
    await withRetries(`delete BGP connection ${name}`,
      () => this.network.virtualHubBgpConnection.beginDeleteAndWait(this.ref.resourceGroup, this.ref.name, name, { updateIntervalInMs: this.pollIntervalMs }),
      this.retry);
  }

  async connectionState(name: string): Promise<string> {
    const c = await withRetries(`get BGP connection ${name}`, () => this.network.virtualHubBgpConnection.get(this.ref.resourceGroup, this.ref.name, name), this.retry);
    return c.connectionState ?? 'Unknown';
  }
}
