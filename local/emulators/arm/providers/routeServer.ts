import { z } from 'zod';
import { accepted, acceptedPut, checkPreconditions, type EmulatorContext, parseBody, requireResourceGroup, requireSubscription, subResources, listPage } from '../context';
import { badRequest, limitExceeded, notFound } from '../errors';
import { ids, TYPES } from '../ids';
import type { Operation } from '../operations';
import type { AdvertisedRoute } from '../routeFeed';
import type { ArmRequest, ArmResponse, Route } from '../router';
import { ResourceStore, type StoredResource, toWire } from '../store';

/**
 * Azure Route Server as ARM shows it: a `Microsoft.Network/virtualHubs` resource (no virtualWan)
 * with `ipConfigurations` and `bgpConnections` children, and the learnedRoutes / advertisedRoutes
 * POST actions whose results are keyed by Route Server instance (`RouteServiceRole_IN_<i>`).
 */
const NS = 'Microsoft.Network';
const HUB = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualHubs/{virtualHubName}`;
const ROUTE_SERVER_ASN = 65515;
/** Azure-reserved and public ASNs Route Server refuses as peers (route-server FAQ). */
const RESERVED_PEER_ASNS = new Set([65515, 65517, 65518, 65519, 65520, 8074, 8075, 12076, 0, 23456]);

const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'must be an IPv4 address');
const subResource = z.object({ id: z.string().min(1) });

const hubBody = z.looseObject({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({
    sku: z.string().optional(),
    virtualRouterIps: z.array(ipv4).max(2).optional(),
    virtualRouterAsn: z.number().int().optional(),
    hubRoutingPreference: z.enum(['ExpressRoute', 'VpnGateway', 'ASPath']).optional(),
    allowBranchToBranchTraffic: z.boolean().optional(),
    addressPrefix: z.string().optional(),
    virtualWan: subResource.optional(),
  }).default({}),
});
const ipConfigBody = z.looseObject({
  name: z.string().optional(),
  properties: z.looseObject({
    subnet: subResource,
    privateIPAddress: ipv4.optional(),
    privateIPAllocationMethod: z.enum(['Static', 'Dynamic']).optional(),
    publicIPAddress: subResource.optional(),
  }),
});
const bgpConnectionBody = z.looseObject({
  name: z.string().optional(),
  properties: z.looseObject({
    peerIp: ipv4,
    peerAsn: z.number().int().min(1).max(4_294_967_295),
    hubVirtualNetworkConnection: subResource.optional(),
  }),
});

interface HubFacts { ips: string[]; asn: number; advertisedPrefixes: string[] }

export function hubFacts(hub: StoredResource): HubFacts {
  const props = (hub.body.properties ?? {}) as { virtualRouterIps?: string[]; virtualRouterAsn?: number };
  const prefixes = hub.meta?.advertisedPrefixes;
  return {
    ips: props.virtualRouterIps ?? [],
    asn: props.virtualRouterAsn ?? ROUTE_SERVER_ASN,
    advertisedPrefixes: Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === 'string') : [],
  };
}

export const instanceKey = (index: number): string => `RouteServiceRole_IN_${index}`;

export class RouteServerProvider {
  constructor(private readonly ctx: EmulatorContext) {}

  private hubId(rg: string, name: string): string {
    return ids.provider(this.ctx.subscriptionId, rg, `${NS}/virtualHubs`, name);
  }

  private requireHub(req: ArmRequest): { rg: string; hub: StoredResource } {
    const rg = requireResourceGroup(this.ctx, req);
    const name = req.params.virtualHubName ?? req.params.hubName ?? '';
    const hub = this.ctx.store.get(this.hubId(rg, name));
    if (hub === undefined) throw notFound(TYPES.virtualHub, name, rg);
    return { rg, hub };
  }

  private requireChild(req: ArmRequest, hub: StoredResource, rg: string, segment: 'ipConfigurations' | 'bgpConnections', name: string): StoredResource {
    const child = this.ctx.store.get(`${hub.id}/${segment}/${name}`);
    if (child === undefined) throw notFound(`${TYPES.virtualHub}/${hub.name}/${segment}`, name, rg);
    return child;
  }

  /** Seed or PUT: virtualRouterAsn is fixed at 65515; instance IPs come from the body or stay as they were. */
  putHub(rg: string, name: string, input: z.infer<typeof hubBody>, meta: Record<string, unknown> | undefined, provisioningState: string): { resource: StoredResource; created: boolean } {
    const id = this.hubId(rg, name);
    const existing = this.ctx.store.get(id);
    const before = (existing?.body.properties ?? {}) as Record<string, unknown>;
    const { virtualWan: _ignoredWan, ...props } = input.properties;
    return this.ctx.store.put({
      id, name, type: TYPES.virtualHub, resourceGroup: rg,
      meta: meta ?? existing?.meta,
      body: {
        location: input.location,
        ...(input.tags ? { tags: input.tags } : {}),
        kind: 'RouteServer',
        properties: {
          ...props,
          sku: props.sku ?? 'Standard',
          virtualRouterAsn: ROUTE_SERVER_ASN,
          virtualRouterIps: props.virtualRouterIps ?? before.virtualRouterIps ?? [],
          hubRoutingPreference: props.hubRoutingPreference ?? 'ExpressRoute',
          preferredRoutingGateway: 'ExpressRoute',
          allowBranchToBranchTraffic: props.allowBranchToBranchTraffic ?? false,
          virtualRouterAutoScaleConfiguration: { minCapacity: 2 },
          routingState: 'Provisioned',
          virtualHubRouteTableV2s: [],
          provisioningState,
        },
      },
    });
  }

  putBgpConnection(hub: StoredResource, name: string, props: { peerIp: string; peerAsn: number; hubVirtualNetworkConnection?: { id: string } }, provisioningState: string): { resource: StoredResource; created: boolean } {
    return this.ctx.store.put({
      id: `${hub.id}/bgpConnections/${name}`, name, type: TYPES.bgpConnection, resourceGroup: hub.resourceGroup,
      parentKey: ResourceStore.key(hub.id),
      body: { properties: { ...props, provisioningState } },
    });
  }

  putIpConfiguration(hub: StoredResource, name: string, props: Record<string, unknown>, provisioningState: string): { resource: StoredResource; created: boolean } {
    return this.ctx.store.put({
      id: `${hub.id}/ipConfigurations/${name}`, name, type: TYPES.hubIpConfiguration, resourceGroup: hub.resourceGroup,
      parentKey: ResourceStore.key(hub.id),
      body: { properties: { privateIPAllocationMethod: 'Dynamic', ...props, provisioningState } },
    });
  }

  private hubWire(hub: StoredResource): Record<string, unknown> {
    const wire = toWire(hub);
    const props = { ...(wire.properties as Record<string, unknown>) };
    props.ipConfigurations = subResources(this.ctx.store.list({ type: TYPES.hubIpConfiguration, parentId: hub.id }));
    props.bgpConnections = subResources(this.ctx.store.list({ type: TYPES.bgpConnection, parentId: hub.id }));
    return { ...wire, properties: props };
  }

  private async bgpWire(conn: StoredResource, hub: StoredResource): Promise<Record<string, unknown>> {
    await this.ctx.bgp.refresh();
    const { ips, asn } = hubFacts(hub);
    const props = conn.body.properties as { peerIp: string; peerAsn: number };
    const connectionState = this.ctx.bgp.twin.connectionState(props.peerIp, props.peerAsn, ips, asn, this.ctx.now(), this.ctx.timings);
    const wire = toWire(conn);
    return { ...wire, properties: { ...(wire.properties as Record<string, unknown>), connectionState } };
  }

  /** Starts the timed provisioning of a network PUT (Updating → Succeeded). */
  private provision(resourceId: string, req: ArmRequest): Operation {
    const fault = this.ctx.knobs.takeFault(req.operation, ['lroFailure']);
    const setState = (state: string): void => {
      this.ctx.store.update(resourceId, (b) => ({ ...b, properties: { ...(b.properties as Record<string, unknown>), provisioningState: state } }));
    };
    return this.ctx.operations.start({
      resourceId, durationMs: this.ctx.timings.networkProvisionMs, doneStatus: 200, locks: [], startedBy: req.operation,
      complete: () => { setState('Succeeded'); },
      ...(fault ? { failWith: badRequest('ProvisioningFailed', `Provisioning of ${resourceId} failed (emulator fault injection).`), onFail: () => { setState('Failed'); } } : {}),
    });
  }

  private deletion(resourceId: string, req: ArmRequest): ArmResponse {
    const op = this.ctx.operations.start({
      resourceId, durationMs: this.ctx.timings.networkProvisionMs, doneStatus: 204, locks: [], startedBy: req.operation,
      complete: () => { this.ctx.store.delete(resourceId); },
    });
    this.ctx.store.update(resourceId, (b) => ({ ...b, properties: { ...(b.properties as Record<string, unknown>), provisioningState: 'Deleting' } }));
    return accepted(this.ctx, req, NS, op, false);
  }

  private async routesResult(conn: StoredResource, hub: StoredResource, kind: 'learned' | 'advertised'): Promise<Record<string, unknown[]>> {
    await this.ctx.bgp.refresh();
    const now = this.ctx.now();
    const { ips, asn, advertisedPrefixes } = hubFacts(hub);
    const peer = conn.body.properties as { peerIp: string; peerAsn: number };
    const twin = this.ctx.bgp.twin;
    const result: Record<string, unknown[]> = {};
    ips.forEach((ip, index) => {
      if (kind === 'learned') {
        result[instanceKey(index)] = twin.learned(peer.peerIp, peer.peerAsn, ip, asn, now, this.ctx.timings).map((r) => ({
          localAddress: ip, network: r.prefix, nextHop: r.nextHop, sourcePeer: peer.peerIp, origin: 'EBgp', asPath: r.asPath, weight: 32768,
        }));
        return;
      }
      // Advertised to this peer: the VNet prefixes, and what this instance learned from the other peers.
      const state = twin.connectionState(peer.peerIp, peer.peerAsn, [ip], asn, now, this.ctx.timings);
      if (state !== 'Connected') { result[instanceKey(index)] = []; return; }
      const own = advertisedPrefixes.map((network) => ({ localAddress: ip, network, nextHop: ip, sourcePeer: ip, origin: 'Igp', asPath: String(asn), weight: 0 }));
      const fromOthers: AdvertisedRoute[] = [];
      for (const other of this.ctx.store.list({ type: TYPES.bgpConnection, parentId: hub.id })) {
        const o = other.body.properties as { peerIp: string; peerAsn: number };
        if (o.peerIp === peer.peerIp) continue;
        fromOthers.push(...twin.learned(o.peerIp, o.peerAsn, ip, asn, now, this.ctx.timings));
      }
      result[instanceKey(index)] = [
        ...own,
        ...fromOthers.map((r) => ({ localAddress: ip, network: r.prefix, nextHop: r.nextHop, sourcePeer: ip, origin: 'EBgp', asPath: `${asn}-${r.asPath}`, weight: 0 })),
      ];
    });
    return result;
  }

  routes(): Route[] {
    const r = (method: Route['method'], pattern: string, operation: string, handler: Route['handler']): Route =>
      ({ method, pattern, operation, handler, api: 'network', resourceType: 'virtualHubs' });
    return [
      r('GET', `/subscriptions/{subscriptionId}/providers/Microsoft.Network/virtualHubs`, 'virtualHubs.list', (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.virtualHub }).map((h) => this.hubWire(h)));
      }),
      r('GET', `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualHubs`, 'virtualHubs.listByResourceGroup', (req) => {
        const rg = requireResourceGroup(this.ctx, req);
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.virtualHub, resourceGroup: rg }).map((h) => this.hubWire(h)));
      }),
      r('GET', HUB, 'virtualHubs.get', (req) => ({ status: 200, body: this.hubWire(this.requireHub(req).hub) })),
      r('PUT', HUB, 'virtualHubs.createOrUpdate', (req) => {
        const rg = requireResourceGroup(this.ctx, req);
        const name = req.params.virtualHubName ?? '';
        checkPreconditions(req, this.ctx.store.get(this.hubId(rg, name)));
        const input = parseBody(hubBody, req.body);
        if (input.properties.virtualWan !== undefined) {
          throw badRequest('VirtualWanNotSupported', 'properties.virtualWan: the emulator models Route Server (a virtual hub without virtualWan) only.');
        }
        const { resource, created } = this.putHub(rg, name, input, undefined, 'Updating');
        const op = this.provision(resource.id, req);
        return acceptedPut(this.ctx, req, NS, op, created, this.hubWire(resource));
      }),
      r('DELETE', HUB, 'virtualHubs.delete', (req) => {
        const { hub } = this.requireHub(req);
        checkPreconditions(req, hub);
        return this.deletion(hub.id, req);
      }),

      // ipConfigurations
      r('GET', `${HUB}/ipConfigurations`, 'virtualHubIpConfiguration.list', (req) => {
        const { hub } = this.requireHub(req);
        return listPage(this.ctx, req, this.ctx.store.list({ type: TYPES.hubIpConfiguration, parentId: hub.id }).map((c) => toWire(c)));
      }),
      r('GET', `${HUB}/ipConfigurations/{ipConfigName}`, 'virtualHubIpConfiguration.get', (req) => {
        const { hub, rg } = this.requireHub(req);
        return { status: 200, body: toWire(this.requireChild(req, hub, rg, 'ipConfigurations', req.params.ipConfigName ?? '')) };
      }),
      r('PUT', `${HUB}/ipConfigurations/{ipConfigName}`, 'virtualHubIpConfiguration.createOrUpdate', (req) => {
        const { hub } = this.requireHub(req);
        const name = req.params.ipConfigName ?? '';
        checkPreconditions(req, this.ctx.store.get(`${hub.id}/ipConfigurations/${name}`));
        const input = parseBody(ipConfigBody, req.body);
        const { resource, created } = this.putIpConfiguration(hub, name, input.properties, 'Updating');
        const op = this.provision(resource.id, req);
        return acceptedPut(this.ctx, req, NS, op, created, toWire(resource));
      }),
      r('DELETE', `${HUB}/ipConfigurations/{ipConfigName}`, 'virtualHubIpConfiguration.delete', (req) => {
        const { hub, rg } = this.requireHub(req);
        const child = this.requireChild(req, hub, rg, 'ipConfigurations', req.params.ipConfigName ?? '');
        checkPreconditions(req, child);
        return this.deletion(child.id, req);
      }),

      // bgpConnections
      r('GET', `${HUB}/bgpConnections`, 'virtualHubBgpConnections.list', async (req) => {
        const { hub } = this.requireHub(req);
        const conns = this.ctx.store.list({ type: TYPES.bgpConnection, parentId: hub.id });
        return listPage(this.ctx, req, await Promise.all(conns.map((c) => this.bgpWire(c, hub))));
      }),
      r('GET', `${HUB}/bgpConnections/{connectionName}`, 'virtualHubBgpConnection.get', async (req) => {
        const { hub, rg } = this.requireHub(req);
        return { status: 200, body: await this.bgpWire(this.requireChild(req, hub, rg, 'bgpConnections', req.params.connectionName ?? ''), hub) };
      }),
      r('PUT', `${HUB}/bgpConnections/{connectionName}`, 'virtualHubBgpConnection.createOrUpdate', async (req) => {
        const { hub } = this.requireHub(req);
        const name = req.params.connectionName ?? '';
        const existing = this.ctx.store.get(`${hub.id}/bgpConnections/${name}`);
        checkPreconditions(req, existing);
        const input = parseBody(bgpConnectionBody, req.body);
        if (RESERVED_PEER_ASNS.has(input.properties.peerAsn) || (input.properties.peerAsn >= 64496 && input.properties.peerAsn <= 64511)) {
          throw badRequest('InvalidBgpPeerAsn', `properties.peerAsn: ${input.properties.peerAsn} is reserved (Azure reserves 65515, 65517-65520; 8074, 8075, 12076 are public Microsoft ASNs; 0, 23456 and 64496-64511 are IANA-reserved).`);
        }
        const siblings = this.ctx.store.list({ type: TYPES.bgpConnection, parentId: hub.id }).filter((c) => c.name.toLowerCase() !== name.toLowerCase());
        if (siblings.length + 1 > this.ctx.limits.bgpPeersPerRouteServer) {
          throw limitExceeded('BgpConnectionLimitExceeded', `Route Server ${hub.name} already has ${siblings.length} BGP peers; the limit is ${this.ctx.limits.bgpPeersPerRouteServer}.`);
        }
        const clash = siblings.find((c) => (c.body.properties as { peerIp: string }).peerIp === input.properties.peerIp);
        if (clash !== undefined) {
          throw badRequest('BgpConnectionPeerIpAlreadyInUse', `properties.peerIp: ${input.properties.peerIp} is already the peer of bgpConnection ${clash.name}.`);
        }
        const { resource, created } = this.putBgpConnection(hub, name, input.properties, 'Updating');
        const op = this.provision(resource.id, req);
        return acceptedPut(this.ctx, req, NS, op, created, await this.bgpWire(resource, hub));
      }),
      r('DELETE', `${HUB}/bgpConnections/{connectionName}`, 'virtualHubBgpConnection.delete', (req) => {
        const { hub, rg } = this.requireHub(req);
        const child = this.requireChild(req, hub, rg, 'bgpConnections', req.params.connectionName ?? '');
        checkPreconditions(req, child);
        return this.deletion(child.id, req);
      }),
      ...(['learned', 'advertised'] as const).map((kind) => r('POST', `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualHubs/{hubName}/bgpConnections/{connectionName}/${kind}Routes`,
        `virtualHubBgpConnections.list${kind === 'learned' ? 'Learned' : 'Advertised'}Routes`, (req) => {
          const { hub, rg } = this.requireHub(req);
          const conn = this.requireChild(req, hub, rg, 'bgpConnections', req.params.connectionName ?? '');
          const op = this.ctx.operations.start({
            resourceId: conn.id, durationMs: this.ctx.timings.routeQueryMs, doneStatus: 200, locks: [], startedBy: req.operation,
            complete: () => this.routesResult(conn, hub, kind),
          });
          return accepted(this.ctx, req, NS, op, false);
        })),
    ];
  }
}
