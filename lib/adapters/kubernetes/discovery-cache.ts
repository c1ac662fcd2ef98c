import { createHash } from 'node:crypto';
import type { V1APIResourceList } from '@kubernetes/client-node';
import type { ClusterEndpoint } from './cluster-access';

/**
 * How long a cluster's discovery answer (`GET /api/v1`, `GET /apis/<group>/<version>`: which kinds it
 * serves, their plural names and scope) is reused by later clients of the same endpoint. An hour, longer
 * than the drift check's 15-minute schedule, so a scheduled check does not re-discover what its previous run
 * learned. Safe because what it holds changes only when a CRD is installed or removed: a kind missing from
 * a cached list is asked for again at once (client-node re-reads the group-version), and a 404 drops the
 * group-version (`forget`), so a removed or re-created CRD is re-discovered on the next call.
 */
export const DISCOVERY_MAX_AGE_MS = 60 * 60_000;

/** Clusters are few; the bound only keeps a long-lived host from growing on endpoints that went away. */
const MAX_ENDPOINTS = 64;

interface Discovered { list: V1APIResourceList; at: number }

/** Discovery answers per cluster endpoint (URL and CA: a recreated cluster or rotated CA starts empty). No credentials are kept. */
export class DiscoveryCache {
  private readonly byEndpoint = new Map<string, Map<string, Discovered>>();

  constructor(private readonly maxAgeMs = DISCOVERY_MAX_AGE_MS, private readonly now: () => number = Date.now) {}

  get(endpoint: string, apiVersion: string): V1APIResourceList | undefined {
    const entry = this.byEndpoint.get(endpoint)?.get(apiVersion);
    if (entry === undefined) return undefined;
    if (this.now() - entry.at > this.maxAgeMs) {
      this.forget(endpoint, apiVersion);
      return undefined;
    }
    return entry.list;
  }

  put(endpoint: string, apiVersion: string, list: V1APIResourceList): void {
    let lists = this.byEndpoint.get(endpoint);
    if (lists === undefined) {
      if (this.byEndpoint.size >= MAX_ENDPOINTS) this.byEndpoint.delete(this.byEndpoint.keys().next().value!);
      lists = new Map();
      this.byEndpoint.set(endpoint, lists);
    }
    lists.set(apiVersion, { list, at: this.now() });
  }

  forget(endpoint: string, apiVersion: string): void {
    this.byEndpoint.get(endpoint)?.delete(apiVersion);
  }

  /** Forgets every endpoint: a process that just started knows nothing (the drift bench's first check). */
  clear(): void {
    this.byEndpoint.clear();
  }
}

/** The key of an endpoint: its URL and a digest of its CA (the CA itself is long, and not a secret either way). */
export function endpointKey(endpoint: ClusterEndpoint): string {
  const ca = createHash('sha256').update(endpoint.certificateAuthorityData ?? '').digest('hex');
  return `${endpoint.server} ${ca}`;
}

/** The host process's cache: every client of an endpoint shares it, whichever activity connected. */
export const processDiscovery = new DiscoveryCache();
