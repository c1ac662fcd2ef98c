import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';

/**
 * Where the ARM emulator learns what the Kubernetes twin's BGP speakers advertise. The contract with
 * the Kubernetes emulator: each cluster answers `GET <clusterUrl>/_emulator/bgp/sessions` (no auth)
 * with `{ cluster, localAsn, sessions: [{ nodeName, nodeIp, peerIp, peerAsn, routes: [{ prefix, nextHop, asPath }] }] }`.
 * The ARM emulator never imports the Kubernetes emulator: it only reads this feed.
 */
export interface AdvertisedRoute {
  prefix: string;
  nextHop: string;
  /** AS path as Route Server shows it, ASNs joined by '-' (e.g. "63400"). */
  asPath: string;
}

export interface BgpSession {
  cluster: string;
  /** The speaker's (node's) ASN: must equal the bgpConnection's peerAsn. */
  localAsn: number;
  nodeName: string;
  /** The speaker's address: must equal the bgpConnection's peerIp. */
  nodeIp: string;
  /** The Route Server instance address the speaker peers with. */
  peerIp: string;
  /** The ASN the speaker expects on the Route Server side: must equal virtualRouterAsn (65515). */
  peerAsn: number;
  routes: AdvertisedRoute[];
}

export interface RouteFeed {
  sessions(): Promise<BgpSession[]>;
}

const sessionsResponse = z.object({
  cluster: z.string().min(1),
  localAsn: z.number().int().positive(),
  sessions: z.array(z.object({
    nodeName: z.string(),
    nodeIp: z.string().min(1),
    peerIp: z.string().min(1),
    peerAsn: z.number().int().positive(),
    routes: z.array(z.object({ prefix: z.string().min(1), nextHop: z.string().min(1), asPath: z.string() })),
  })),
});

/** Parse one cluster's `/_emulator/bgp/sessions` answer; throws naming the field. */
export function parseSessionsResponse(body: unknown): BgpSession[] {
  const parsed = sessionsResponse.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`bgp sessions feed: ${issue?.path.join('.') ?? '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.sessions.map((s) => ({ ...s, cluster: parsed.data.cluster, localAsn: parsed.data.localAsn }));
}

/** An in-memory feed for tests and benchmarks: set what the speakers advertise, directly. */
export interface MemoryRouteFeed extends RouteFeed {
  set(sessions: BgpSession[]): void;
  /** Add or replace the session (nodeIp, peerIp). */
  upsert(session: BgpSession): void;
  remove(nodeIp: string, peerIp: string): void;
  current(): BgpSession[];
}

export function createMemoryRouteFeed(initial: BgpSession[] = []): MemoryRouteFeed {
  let sessions = structuredClone(initial);
  return {
    sessions: () => Promise.resolve(structuredClone(sessions)),
    set(next) { sessions = structuredClone(next); },
    upsert(session) {
      sessions = [...sessions.filter((s) => !(s.nodeIp === session.nodeIp && s.peerIp === session.peerIp)), structuredClone(session)];
    },
    remove(nodeIp, peerIp) { sessions = sessions.filter((s) => !(s.nodeIp === nodeIp && s.peerIp === peerIp)); },
    current: () => structuredClone(sessions),
  };
}

export interface HttpRouteFeedOptions {
  /** Cluster base URLs to poll (a function, so clusters registered later are picked up). */
  clusterUrls: () => string[];
  /** CA that signed the clusters' certificates (https URLs). */
  caCertPem?: string;
  timeoutMs?: number;
  /** Called when a cluster cannot be read; its sessions then count as down. */
  onError?: (url: string, error: Error) => void;
}

function getJson(url: URL, caCertPem: string | undefined, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { ca: caCertPem, timeout: timeoutMs, agent: false, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) !== 200) {
          reject(new Error(`GET ${url.href}: HTTP ${res.statusCode ?? '?'}`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(new Error(`GET ${url.href}: invalid JSON (${(e as Error).message})`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Polls every cluster's `/_emulator/bgp/sessions`; a cluster that fails contributes no sessions. */
export function createHttpRouteFeed(options: HttpRouteFeedOptions): RouteFeed {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async sessions() {
      const urls = options.clusterUrls();
      const results = await Promise.all(urls.map(async (base) => {
        const url = new URL('_emulator/bgp/sessions', base.endsWith('/') ? base : `${base}/`);
        try {
          return parseSessionsResponse(await getJson(url, options.caCertPem, timeoutMs));
        } catch (e) {
          options.onError?.(base, e instanceof Error ? e : new Error(String(e)));
          return [];
        }
      }));
      return results.flat();
    },
  };
}
