import { appServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { clusterUsability } from '../../lib/domain/bootstrap/aks-state';
import { ENTERPRISE_KINDS, FELIX_EGRESS_FIELD, judgeCalicoPrerequisites, schemaHasField, TIGERA_STATUS, type ComponentCondition } from '../../lib/domain/bootstrap/calico-prerequisites';
import { chooseRouteReflectors, planRouteServerPeering, subnetGateway } from '../../lib/domain/bootstrap/route-reflectors';
import { ROUTE_SERVER_MAX_PEERS } from '../../lib/domain/capacity';
import { clusterObjectsInApplyOrder, renderClusterManifests } from '../../lib/domain/calico-manifests';
import { clusterObjectNames } from '../../lib/domain/names';
import { registerActivity } from '../activity-outcome';
import type { CalicoReadiness, ClusterReadiness, RouteReflector, RouteServerPeering, SessionProgress } from '../bootstrap-input';

const reflectorLabel = clusterObjectNames.routeReflectorLabel;

/** AKS says whether the cluster can be talked to: only Succeeded and not stopped (NOTES.md §4). */
registerActivity('readClusterReadiness', async (cluster: string): Promise<ClusterReadiness> => {
  const state = await (await appServices()).aksCluster(cluster);
  const usability = clusterUsability(cluster, state.provisioningState, state.powerState);
  if (usability.kind === 'unusable') throw new PermanentError(usability.reason);
  return usability.kind === 'usable' ? { complete: true, detail: `provisioningState ${state.provisioningState}` } : { complete: false, detail: usability.reason };
});

/**
 * Calico Enterprise / Calico Cloud before anything is applied: the kinds egress gateways need, by
 * discovery; tigerastatus calico and apiserver Available; Felix's egressIPSupport in the served
 * FelixConfiguration schema. Still installing = not complete (polled); the wrong edition = permanent.
 */
registerActivity('readCalicoPrerequisites', async (cluster: string): Promise<CalicoReadiness> => {
  const client = await (await appServices()).cluster(cluster);
  const { egressGateway, egressGatewayPolicy, felixConfiguration } = ENTERPRISE_KINDS;
  const serves = (k: { apiVersion: string; kind: string }): Promise<boolean> => client.servesKind(k.apiVersion, k.kind);
  const [tigeraStatus, gateway, policy, felix] = await Promise.all([serves(TIGERA_STATUS), serves(egressGateway), serves(egressGatewayPolicy), serves(felixConfiguration)]);
  const statuses = tigeraStatus ? await client.listObjects(TIGERA_STATUS.apiVersion, TIGERA_STATUS.kind) : [];
  const components = statuses.map((o) => ({
    name: o.metadata?.name ?? '',
    conditions: ((o as { status?: { conditions?: ComponentCondition[] } }).status?.conditions ?? []).map((c) => ({ type: String(c.type), status: String(c.status), reason: c.reason, message: c.message })),
  }));
  const felixEgressIpSupport = felix ? schemaHasField(await client.openApiDocument(felixConfiguration.apiVersion), felixConfiguration, FELIX_EGRESS_FIELD) : undefined;
  const verdict = judgeCalicoPrerequisites({
    cluster, served: { tigeraStatus, egressGateway: gateway, egressGatewayPolicy: policy, felixConfiguration: felix }, components, felixEgressIpSupport,
  });
  if (verdict.kind === 'missing') throw new PermanentError(verdict.reason);
  return verdict.kind === 'met' ? { complete: true, detail: verdict.detail } : { complete: false, detail: verdict.reason };
});

/**
 * Labels the route reflectors, then applies BGPConfiguration, the route-reflector and Route Server
 * peers, the export filter and Felix egress IP support by server-side apply, and stops the default
 * pool's export. Node labels and the default pool are patched: those objects belong to AKS/Calico.
 */
registerActivity('applyClusterBgp', async (cluster: string): Promise<{ routeReflectors: RouteReflector[] }> => {
  const services = await appServices();
  const aks = await services.aksCluster(cluster);
  if (!aks.subnetId) throw new PermanentError(`cluster ${cluster} has no agent pool subnet (vnetSubnetID): egress-pilot needs a BYO VNet to peer with Route Server`);
  const gateway = subnetGateway(await services.subnetPrefix(aks.subnetId));
  const { instanceIps: ips, asn } = await services.routeServer.identity();
  if (ips.length !== 2) throw new PermanentError(`Route Server has ${ips.length} instance IPs; expected 2`);
  const client = await services.cluster(cluster);
  const nodes = await client.listNodes();
  const chosen = chooseRouteReflectors(nodes.filter((n) => n.ip).map((n) => ({
    name: n.name, ip: n.ip!, zone: n.zone, ready: n.ready, reflector: n.labels[reflectorLabel.key] === reflectorLabel.value,
  })));
  if (chosen.length === 0) throw new Error(`cluster ${cluster} has no ready node to act as route reflector`);
  for (const node of nodes) {
    const wanted = chosen.some((c) => c.name === node.name);
    const has = node.labels[reflectorLabel.key] === reflectorLabel.value;
    if (wanted !== has) {
      await client.mergePatch({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.name } }, { metadata: { labels: { [reflectorLabel.key]: wanted ? reflectorLabel.value : null } } });
    }
  }
  const manifests = renderClusterManifests({
    calicoAsn: services.config.calicoAsn, routeServerAsn: asn ?? services.config.routeServerAsn, routeServerIps: [ips[0]!, ips[1]!],
    subnetGateway: gateway, egressSupernet: services.config.egressSupernet,
  });
  await client.apply(clusterObjectsInApplyOrder(manifests));
  const { target, patch } = manifests.defaultPoolPatch;
  await client.mergePatch({ apiVersion: target.apiVersion, kind: target.kind, metadata: { name: target.name } }, patch);
  return { routeReflectors: chosen.map((n) => ({ name: n.name, ip: n.ip })) };
});

/**
 * Route Server peers with exactly the route reflectors: missing connections made, stale ones
 * removed, in the order lib/domain planned so the 8-peer limit is never crossed. `complete: false`
 * means the rest waits until the new sessions are Connected (the orchestrator waits, then calls again).
 */
registerActivity('connectRouteServer', async (input: { cluster: string; reflectorIps: string[] }): Promise<RouteServerPeering> => {
  const services = await appServices();
  const existing = await services.routeServer.connections();
  const plan = planRouteServerPeering(input.cluster, input.reflectorIps,
    existing.map((c) => ({ name: c.name, peerIp: c.peerIp, connected: c.connectionState === 'Connected' })), ROUTE_SERVER_MAX_PEERS);
  if (!plan.ok) throw new PermanentError(plan.reason);
  for (const step of plan.steps) {
    if (step.kind === 'create') await services.routeServer.ensureConnection(step.name, step.peerIp, services.config.calicoAsn);
    else await services.routeServer.deleteConnection(step.name);
  }
  const connections = (await services.routeServer.connections())
    .filter((c) => input.reflectorIps.includes(c.peerIp)).map((c) => c.name).sort();
  return {
    connections, complete: !plan.waitForNewSessions,
    created: plan.steps.flatMap((s) => (s.kind === 'create' ? [s.name] : [])),
    removed: plan.steps.flatMap((s) => (s.kind === 'remove' ? [s.name] : [])),
  };
});

registerActivity('readBgpSessions', async (input: { connections: string[] }): Promise<SessionProgress> => {
  const services = await appServices();
  const states = await Promise.all(input.connections.map(async (name) => [name, await services.routeServer.connectionState(name)] as const));
  const waiting = states.filter(([, s]) => s !== 'Connected');
  return {
    complete: waiting.length === 0 && states.length > 0,
    detail: waiting.length === 0 ? `${states.length} BGP sessions Connected` : `waiting for ${waiting.map(([n, s]) => `${n} (${s})`).join(', ')}`,
  };
});
