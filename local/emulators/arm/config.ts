/**
 * Simulated behaviour as data (kwok-style): every delay and limit of the emulator lives here, with
 * named defaults. Change them at start (`startArmEmulator({ timings, limits })`) or at run time
 * (`control.setTimings`, `PUT /_emulator/timings`).
 */
export interface ArmTimings {
  /** A firewall policy / rule collection group write stays `Updating` this long (Azure: 3-5 min), plus the per-rule cost. */
  firewallUpdateMs: number;
  /** Added to a write's time per rule in the group written, so packing many tenants into one group has a price. */
  firewallUpdatePerRuleMs: number;
  /** Other network PUT/DELETE (virtual hub, ipConfiguration, bgpConnection) take this long. */
  networkProvisionMs: number;
  /** Time a learnedRoutes/advertisedRoutes query runs before its result is ready. */
  routeQueryMs: number;
  /**
   * A route advertised (or withdrawn) by a BGP speaker shows up in (or leaves) learnedRoutes after this delay:
   * fixed, or the median of a log-normal spread when `routePropagationP95Ms` is larger.
   */
  routePropagationMs: number;
  /** 95th percentile of route propagation; ≤ routePropagationMs = no spread (every route takes the median). */
  routePropagationP95Ms: number;
  /** Seed of the emulator's random draws (route propagation), so a run is reproducible. */
  randomSeed: number;
  /** A BGP session that appears in the route feed counts as established after this delay. */
  sessionEstablishMs: number;
  /** How often the route feed is sampled in the background (it is also sampled on every BGP read). */
  routeFeedPollMs: number;
  /** `Retry-After` (seconds) on long-running operation responses; 0 lets the client's own interval rule. */
  lroRetryAfterSeconds: number;
  /** How a write to a firewall policy that is already being updated fails. */
  busyPolicyResponse: 'conflict409' | 'retryable429';
  /** `Retry-After` (seconds) on the 429 `RetryableErrorDueToAnotherOperation`. */
  busyRetryAfterSeconds: number;
}

export interface ArmLimits {
  /** Rule collection groups per firewall policy (docs say 50, 60, 90 or 100 depending on age). */
  ruleCollectionGroupsPerPolicy: number;
  /** Serialized size of one rule collection group's properties, in bytes (2 MB). */
  ruleCollectionGroupMaxBytes: number;
  /** Sum over network rules of sources x destinations, per policy (an IP Group counts as 1). */
  networkRuleSourceDestinationPairs: number;
  /** Routes one BGP peer may advertise to Route Server; more resets the session. */
  routesPerBgpPeer: number;
  /** BGP connections (peers) per Route Server. */
  bgpPeersPerRouteServer: number;
  /** Priority range of rule collection groups and rule collections. */
  minPriority: number;
  maxPriority: number;
  /** Addresses or prefixes in one IP Group (5,000). */
  ipAddressesPerIpGroup: number;
  /**
   * ARM's token bucket for writes (PUT/PATCH/DELETE/POST) per subscription: capacity (0 = off; Azure: 200)
   * and refill per second (Azure: 10). Empty bucket → 429 SubscriptionRequestsThrottled + Retry-After.
   */
  writeBucketSize: number;
  writeRefillPerSecond: number;
  /**
   * The same for reads (GET/HEAD): capacity (0 = off; Azure: 250) and refill per second (25: the
   * throttling page's figure; NOTES marks the refill rates other than writes' UNVERIFIED).
   */
  readBucketSize: number;
  readRefillPerSecond: number;
  /** Not an Azure limit: items per list page (with `nextLink`); 0 = one page. */
  listPageSize: number;
}

export const DEFAULT_TIMINGS: ArmTimings = {
  firewallUpdateMs: 2000,
  firewallUpdatePerRuleMs: 0,
  networkProvisionMs: 0,
  routeQueryMs: 0,
  routePropagationMs: 1000,
  routePropagationP95Ms: 0,
  randomSeed: 1,
  sessionEstablishMs: 0,
  routeFeedPollMs: 500,
  lroRetryAfterSeconds: 1,
  busyPolicyResponse: 'conflict409',
  busyRetryAfterSeconds: 1,
};

export const DEFAULT_LIMITS: ArmLimits = {
  ruleCollectionGroupsPerPolicy: 50,
  ruleCollectionGroupMaxBytes: 2 * 1024 * 1024,
  networkRuleSourceDestinationPairs: 20_000,
  routesPerBgpPeer: 1000,
  bgpPeersPerRouteServer: 8,
  minPriority: 100,
  maxPriority: 65_000,
  ipAddressesPerIpGroup: 5000,
  writeBucketSize: 0,
  writeRefillPerSecond: 10,
  readBucketSize: 0,
  readRefillPerSecond: 25,
  listPageSize: 0,
};

/** api-versions the installed SDKs send; others are accepted unless `strictApiVersions` is on. */
export const KNOWN_API_VERSIONS = {
  network: ['2025-05-01'],
  containerService: ['2026-04-01'],
  resources: ['2021-04-01', '2022-09-01', '2024-03-01'],
} as const;

/** The Microsoft Entra server application of AKS: the audience of tokens for AKS-managed Entra clusters. */
export const AKS_ENTRA_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The public client (kubectl/kubelogin) AKS puts into user kubeconfigs. */
export const AKS_ENTRA_CLIENT_APP_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';
