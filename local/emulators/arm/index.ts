import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type CertificateAuthority, createCertificateAuthority } from '../shared/tls';
import { createTokenIssuer, type ManagedIdentity, type TokenIssuer, type TokenVerification, verifyToken as verifyWithKey } from '../shared/token';
import type { ArmAuthorization } from './authorization';
import { type ArmLimits, type ArmTimings, DEFAULT_LIMITS, DEFAULT_TIMINGS } from './config';
import type { EmulatorContext } from './context';
import { type ArmControl, controlHttp, createControl } from './control';
import { startIdentityEndpoint } from './identity';
import { Knobs } from './knobs';
import { Operations } from './operations';
import { createRequestListener } from './pipeline';
import { VirtualNetworksProvider } from './providers/virtualNetworks';
import { AksProvider } from './providers/aks';
import { BgpService } from './providers/bgpService';
import { FirewallProvider } from './providers/firewall';
import { IpGroupsProvider } from './providers/ipGroups';
import { validateRuleCollectionGroup } from './providers/firewallRules';
import { ResourcesProvider } from './providers/resources';
import { RouteServerProvider } from './providers/routeServer';
import { createHttpRouteFeed, type RouteFeed } from './routeFeed';
import { Router } from './router';
import { type ArmSeed, type KubeEndpoint, parseSeed, referenceSeed } from './seed';
import { ResourceStore } from './store';
import { armStateFile, armStateWriter, readArmState, restoreArmState } from './persistence';
import { restoreReport, type RestoreReport, type StateOptions, type StateWriter } from '../shared/state-file';

export type { ArmTimings, ArmLimits } from './config';
export { DEFAULT_TIMINGS, DEFAULT_LIMITS, AKS_ENTRA_SERVER_APP_ID, KNOWN_API_VERSIONS } from './config';
export type { ArmControl } from './control';
export { ArmAuthorization, authorizeArm, armActionOf, type ArmGrant } from './authorization';
export type { Counters, FaultSpec, FaultSpecInput } from './knobs';
export type { AdvertisedRoute, BgpSession, RouteFeed, MemoryRouteFeed, HttpRouteFeedOptions } from './routeFeed';
export { createMemoryRouteFeed, createHttpRouteFeed, parseSessionsResponse } from './routeFeed';
export type { ArmSeed, ArmSeedInput, KubeEndpoint } from './seed';
export { parseSeed, loadSeedFile, referenceSeed, REFERENCE_SEED_FILE } from './seed';
export type { SessionView } from './providers/bgpTwin';
export type { RestoreReport } from '../shared/state-file';

export interface StartArmEmulatorOptions {
  /** Seed object (validated); default: the reference hub (seed/reference-hub.json). */
  seed?: unknown;
  /** HTTPS port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Port of the plain-HTTP managed-identity endpoint; default 0. */
  identityPort?: number;
  /** Where BGP sessions come from; default: HTTP polling of every cluster's `<kubeUrl>/_emulator/bgp/sessions`. */
  routeFeed?: RouteFeed;
  timings?: Partial<ArmTimings>;
  limits?: Partial<ArmLimits>;
  /** Token audiences ARM accepts; default [emulator url, https://management.azure.com, https://management.core.windows.net]. */
  acceptedAudiences?: string[];
  /** Kubernetes emulator endpoint per managed cluster, keyed by `name` or `resourceGroup/name`. */
  clusters?: Record<string, KubeEndpoint>;
  /** Share one CA between emulators; default: a new throwaway CA. */
  ca?: CertificateAuthority;
  /** The IDENTITY_HEADER secret; default random. */
  identityHeader?: string;
  /** Refuse api-versions other than the installed SDKs' (400 NoRegisteredProviderFound); default false (lenient). */
  strictApiVersions?: boolean;
  /** Lifetime of issued tokens; default 3600 s (ignored when `tokenIssuer` is given). */
  tokenLifetimeSeconds?: number;
  /**
   * Share one signing key between emulator instances in one process: MSAL caches managed-identity
   * tokens per process, so a second instance with its own key would see the first one's tokens.
   */
  tokenIssuer?: TokenIssuer;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  /**
   * Azure RBAC (authorization.ts): every call is checked against these role assignments and refused with
   * 403 AuthorizationFailed as ARM does; absent = any valid token may do anything.
   */
  authorization?: ArmAuthorization;
  /**
   * Keep the emulator's state in `<dir>/arm.json` (see persistence.ts): restored at start instead of the
   * seed when the file is there and usable (else the seed, and `restore` says why), written atomically
   * `debounceMs` (100) after changes, and once more on stop.
   */
  state?: StateOptions;
}

export interface ArmEmulator {
  /** `https://127.0.0.1:<port>`: the ARM endpoint (SDK option `endpoint`). */
  url: string;
  /** CA of the HTTPS certificate (SDK option `tlsOptions: { ca }`, or a file for NODE_EXTRA_CA_CERTS). */
  caCertPem: string;
  ca: CertificateAuthority;
  /** `http://127.0.0.1:<port>/msi/token` → IDENTITY_ENDPOINT. */
  identityEndpoint: string;
  /** → IDENTITY_HEADER. */
  identityHeader: string;
  /** IDENTITY_ENDPOINT / IDENTITY_HEADER, ready to merge into an environment. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  subscriptionId: string;
  tenantId: string;
  identity: ManagedIdentity;
  /** Audiences ARM accepts. */
  acceptedAudiences: string[];
  /** Public key (SPKI PEM) that verifies every token the identity endpoint issues. */
  tokenPublicKeyPem: string;
  /** The signing key; pass it as `tokenIssuer` to a second emulator in the same process. */
  tokenIssuer: TokenIssuer;
  /** Verify a token issued by this emulator's identity endpoint (for the Kubernetes emulator's `authenticate`). */
  verifyToken(token: string, options: { audiences: readonly string[] }): TokenVerification;
  control: ArmControl;
  /** With `state`: what happened to the state file at start (restored, missing or unusable + reason). */
  restore: RestoreReport[];
  /** Writes pending state now (tests). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

function seedInto(seed: ArmSeed, limits: ArmLimits, providers: { resources: ResourcesProvider; routeServer: RouteServerProvider; firewall: FirewallProvider; ipGroups: IpGroupsProvider; aks: AksProvider; virtualNetworks: VirtualNetworksProvider }): void {
  for (const group of seed.resourceGroups) {
    const location = group.location ?? seed.location;
    providers.resources.putGroup(group.name, location);
    for (const vnet of group.virtualNetworks) for (const subnet of vnet.subnets) providers.virtualNetworks.putSubnet(group.name, vnet.name, subnet.name, subnet.addressPrefix);
    for (const rs of group.routeServers) {
      const { resource: hub } = providers.routeServer.putHub(group.name, rs.name, {
        location, ...(rs.tags ? { tags: rs.tags } : {}),
        properties: { virtualRouterIps: rs.virtualRouterIps, virtualRouterAsn: rs.virtualRouterAsn, sku: 'Standard', hubRoutingPreference: 'ExpressRoute', allowBranchToBranchTraffic: false },
      }, { advertisedPrefixes: rs.advertisedPrefixes }, 'Succeeded');
      if (rs.subnetId !== undefined) providers.routeServer.putIpConfiguration(hub, 'ipconfig1', { subnet: { id: rs.subnetId } }, 'Succeeded');
      for (const c of rs.bgpConnections) providers.routeServer.putBgpConnection(hub, c.name, { peerIp: c.peerIp, peerAsn: c.peerAsn }, 'Succeeded');
    }
    for (const p of group.firewallPolicies) {
      const { resource: policy } = providers.firewall.putPolicy(group.name, p.name, { location, properties: { ...p.properties, sku: { tier: p.tier } } }, 'Succeeded');
      for (const [i, g] of p.ruleCollectionGroups.entries()) {
        try {
          validateRuleCollectionGroup(g.properties, limits);
        } catch (e) {
          throw new Error(`invalid ARM emulator seed: resourceGroups[${group.name}].firewallPolicies[${p.name}].ruleCollectionGroups[${i}] (${g.name}): ${(e as Error).message}`);
        }
        providers.firewall.putGroup(policy, g.name, g.properties, 'Succeeded');
      }
    }
    for (const f of group.firewalls) providers.firewall.putFirewall(group.name, f.name, location, f);
    for (const g of group.ipGroups) providers.ipGroups.putSeeded(group.name, g.name, location, g.ipAddresses);
    for (const c of group.managedClusters) {
      providers.aks.putCluster(group.name, c);
      if (c.kube !== undefined) providers.aks.setCluster(group.name, c.name, { kube: c.kube });
    }
  }
}

/** Start the ARM emulator (HTTPS) and its managed-identity endpoint (HTTP), seeded. */
export async function startArmEmulator(options: StartArmEmulatorOptions = {}): Promise<ArmEmulator> {
  const seed = options.seed === undefined ? referenceSeed() : parseSeed(options.seed);
  const now = options.now ?? Date.now;
  const ca = options.ca ?? createCertificateAuthority();
  const issuer = options.tokenIssuer ?? createTokenIssuer({ now, ...(options.tokenLifetimeSeconds !== undefined ? { lifetimeSeconds: options.tokenLifetimeSeconds } : {}) });
  const identity: ManagedIdentity = { tenantId: seed.tenantId, principalId: seed.identity.principalId, clientId: seed.identity.clientId };
  const initialTimings: ArmTimings = { ...DEFAULT_TIMINGS, ...options.timings };
  const initialLimits: ArmLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const timings = { ...initialTimings };
  const limits = { ...initialLimits };
  const knobs = new Knobs();

  // The HTTP feed polls the clusters the AKS provider knows; that provider is created below.
  let kubeUrls: () => string[] = () => [];
  const feedErrors = new Map<string, string>();
  const feed = options.routeFeed ?? createHttpRouteFeed({
    clusterUrls: () => { feedErrors.clear(); return kubeUrls(); },
    caCertPem: ca.caCertPem,
    onError: (clusterUrl, error) => { feedErrors.set(clusterUrl, error.message); },
  });
  const bgp = new BgpService(feed, now, () => timings, () => limits);
  const ctx: EmulatorContext = {
    subscriptionId: seed.subscriptionId, tenantId: seed.tenantId, location: seed.location,
    store: new ResourceStore(), operations: new Operations(now), knobs, timings, limits, now, ca, bgp,
  };
  const resources = new ResourcesProvider(ctx);
  const routeServer = new RouteServerProvider(ctx);
  const firewall = new FirewallProvider(ctx);
  const ipGroups = new IpGroupsProvider(ctx);
  const aks = new AksProvider(ctx);
  kubeUrls = () => aks.kubeUrls();
  const virtualNetworks = new VirtualNetworksProvider(ctx);
  const providers = { resources, routeServer, firewall, ipGroups, aks, virtualNetworks };
  const router = new Router();
  router.add(...resources.routes(), ...routeServer.routes(), ...firewall.routes(), ...ipGroups.routes(), ...aks.routes(), ...virtualNetworks.routes());

  const applyClusterOptions = (): void => {
    for (const [key, endpoint] of Object.entries(options.clusters ?? {})) {
      const [rgOrName, maybeName] = key.split('/');
      const name = maybeName ?? rgOrName ?? '';
      const owner = seed.resourceGroups.find((g) => (maybeName === undefined || g.name === rgOrName) && g.managedClusters.some((c) => c.name === name));
      if (owner === undefined) throw new Error(`startArmEmulator: clusters.${key}: no managed cluster ${key} in the seed`);
      aks.setCluster(owner.name, name, { kube: endpoint });
    }
  };
  const reseed = (): void => { seedInto(seed, limits, providers); applyClusterOptions(); };
  const stateFile = options.state ? armStateFile(options.state.dir) : undefined;
  const saved = stateFile ? readArmState(stateFile) : undefined;
  const restore: RestoreReport[] = stateFile && saved ? [restoreReport('ARM emulator', stateFile, saved)] : [];
  if (saved?.kind === 'restored') {
    restoreArmState(ctx, saved.state);
    // The propagation in force is this start's: what was on its way at the stop arrives by then at the latest
    // (the timings are not saved, so a slow spell set before the stop does not outlive it).
    bgp.twin.retime(ctx.now(), ctx.timings.routePropagationMs, ctx.timings);
    applyClusterOptions();
  } else {
    reseed();
  }
  let writer: StateWriter | undefined;
  if (stateFile && options.state) {
    const w = armStateWriter(stateFile, ctx, options.state, saved?.kind === 'restored');
    ctx.store.onChange(() => w.markDirty());
    ctx.operations.onChange(() => w.markDirty());
    bgp.onSample(() => w.markDirty());
    writer = w;
  }

  const tls = ca.issue(['localhost'], ['127.0.0.1']);
  let url = '';
  let acceptedAudiences: string[] = [];
  let propagationInForce = ctx.timings.routePropagationMs;
  const control = createControl({
    ctx, aks, issuer, identity: () => identity, initialTimings, initialLimits, reseed,
    onTimingsChanged: () => {
      // Only a change of the propagation itself speeds up what is on its way (not a change of another timing).
      if (ctx.timings.routePropagationMs !== propagationInForce) bgp.twin.retime(ctx.now(), ctx.timings.routePropagationMs, ctx.timings);
      propagationInForce = ctx.timings.routePropagationMs;
      bgp.startPolling();
    },
  });
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, createRequestListener({
    router, ctx,
    verify: (token) => issuer.verify(token, { audiences: acceptedAudiences }),
    baseUrl: () => url,
    strictApiVersions: options.strictApiVersions ?? false,
    ...(options.authorization ? { authorization: options.authorization } : {}),
    control: (method, path, query, body) => controlHttp(control, () => ({
      url, subscriptionId: seed.subscriptionId, operations: router.operations(),
      routeFeedErrors: { ...Object.fromEntries(feedErrors), ...(bgp.lastError ? { feed: bgp.lastError } : {}) },
    }), issuer.publicKeyPem)(method, path, query, body),
  }));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  acceptedAudiences = options.acceptedAudiences ?? [url, 'https://management.azure.com', 'https://management.core.windows.net'];

  const identityHeader = options.identityHeader ?? randomBytes(16).toString('hex');
  let identityEndpoint;
  try {
    identityEndpoint = await startIdentityEndpoint({ issuer, identity: () => identity, header: identityHeader, knobs, ...(options.identityPort !== undefined ? { port: options.identityPort } : {}) });
  } catch (e) {
    server.close();
    throw e;
  }
  bgp.startPolling();

  return {
    url,
    caCertPem: ca.caCertPem,
    ca,
    identityEndpoint: identityEndpoint.url,
    identityHeader,
    env: { IDENTITY_ENDPOINT: identityEndpoint.url, IDENTITY_HEADER: identityHeader },
    subscriptionId: seed.subscriptionId,
    tenantId: seed.tenantId,
    identity,
    acceptedAudiences,
    tokenPublicKeyPem: issuer.publicKeyPem,
    tokenIssuer: issuer,
    verifyToken: (token, verifyOptions) => verifyWithKey(token, { audiences: verifyOptions.audiences, publicKeyPem: issuer.publicKeyPem, now: now() }),
    control,
    restore,
    flush: async () => { await writer?.flush(); },
    async stop() {
      bgp.stopPolling();
      await writer?.close();
      await identityEndpoint.stop();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    },
  };
}
