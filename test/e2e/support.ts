import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../local/sandbox/sandbox';
import { learnedRoutes, ruleCollectionGroups, sandboxClients } from '../support/cloud-state';

/** A sandbox with fast emulated timings, in a fresh folder, on free ports. */
export async function fastSandbox(over: Partial<SandboxOptions> = {}): Promise<Sandbox & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'egress-e2e-'));
  const sandbox = await startSandbox({
    dir, reset: true, reusePorts: false, echoHostLogs: process.env.E2E_VERBOSE === '1',
    armTimings: { firewallUpdateMs: 150, routePropagationMs: 300, routeFeedPollMs: 100, lroRetryAfterSeconds: 0, ...over.armTimings },
    kubeTimings: { gatewayPodReadyMs: 100, ...over.kubeTimings },
    appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '2', ROUTE_WAIT_DEADLINE_SECONDS: '60', ...over.appSettings },
    ...(over.openSourceCalicoClusters ? { openSourceCalicoClusters: over.openSourceCalicoClusters } : {}),
  });
  return Object.assign(sandbox, {
    async cleanup() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the egress-pilot API with the function key, or `key` (the master key for admin routes such as POST /drift). */
export function apiClient(sandbox: Pick<Sandbox, 'info'>, key: string = sandbox.info.functionKey) {
  return async function api<T = Record<string, unknown>>(method: string, route: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await fetch(`${sandbox.info.apiBaseUrl}${route}`, {
      method,
      headers: { 'x-functions-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** Posts `events` (an Event Grid array, or one CloudEvent) to the host's Event Grid webhook for clusterEvents, as Event Grid does. */
export function deliverClusterEvents(sandbox: Pick<Sandbox, 'host'>, events: unknown, contentType = 'application/json'): Promise<Response> {
  return fetch(`${sandbox.host.baseUrl}/runtime/webhooks/eventgrid?functionName=clusterEvents`, {
    method: 'POST', headers: { 'content-type': contentType, 'aeg-event-type': 'Notification' }, body: JSON.stringify(events),
  });
}

export interface TenantView {
  name: string;
  cluster: string;
  cidr: string | null;
  phase: string;
  steps: Array<{ name: string; state: string; detail?: string }>;
  routes: { expected: string[]; learned: Record<string, number> };
  firewall: { ruleCollectionGroup: string; ruleCollection: string; ruleCollections: string[] } | null;
  error?: string;
}

/** Reads every 250 ms until `done` holds or `timeoutMs` passed; returns the last read (the caller asserts on it). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

/** Polls GET until the tenant reaches one of `phases` (fails with the last status otherwise). */
export async function waitForPhase(api: ReturnType<typeof apiClient>, cluster: string, name: string, phases: string[], timeoutMs = 90000): Promise<TenantView> {
  const reached = (r: ApiResponse<TenantView>): boolean => r.status === 200 && phases.includes(r.body.phase);
  const last = await pollUntil(() => api<TenantView>('GET', `/tenants/${cluster}/${name}`), reached, timeoutMs);
  if (reached(last)) return last.body;
  throw new Error(`${cluster}/${name} did not reach ${phases.join('|')} in ${timeoutMs} ms; last: ${JSON.stringify(last.body)}`);
}

export const tenantSpec = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  cluster: 'spoke1-aks',
  namespaces: ['default'],
  gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'tigera', fqdns: ['www.tigera.io'], protocols: ['Http:80', 'Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
  ...over,
});


/** Real SDK clients on the sandbox's emulated cloud (test/support/cloud-state.ts), to check what the app did from the outside. */
export function cloudClients(sandbox: Pick<Sandbox, 'info'>) {
  const { network, clusters } = sandboxClients(sandbox.info);
  // The first cluster (spoke1-aks) is the one most tests use; `cluster(name)` reaches the others.
  const { objects: kube, core } = clusters[0]!;
  const cluster = (name: string) => {
    const found = clusters.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no cluster ${name} in sandbox info`);
    return found;
  };

  return {
    network, kube, core, cluster,
    ruleCollectionGroups: () => ruleCollectionGroups(network),
    /** Learned routes of every BGP connection, merged per Route Server instance. */
    learnedRoutes: () => learnedRoutes(network),
    async exists(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
      try {
        await kube.read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 404) return false;
        throw error;
      }
    },
  };
}

/** Every rule of the collections named for a tenant. */
export function tenantRules(groups: FirewallPolicyRuleCollectionGroup[], cluster: string, name: string) {
  const prefix = `tenant-${cluster}.${name}-`;
  const collections = groups.flatMap((g) => g.ruleCollections ?? []).filter((c) => c.name?.startsWith(prefix));
  const rules = collections.flatMap((c) => ('rules' in c ? ((c as { rules?: Array<{ sourceAddresses?: string[]; ruleType?: string }> }).rules ?? []) : []));
  return { collections, rules };
}

export interface SandboxHandles {
  sandbox: Awaited<ReturnType<typeof fastSandbox>>;
  api: ReturnType<typeof apiClient>;
  cloud: ReturnType<typeof cloudClients>;
}

/**
 * One fast sandbox for the enclosing describe block: started in beforeAll, cleaned up in afterAll.
 * The returned object's fields are filled once beforeAll has run.
 */
export function useSandbox(over: Partial<SandboxOptions> = {}): SandboxHandles {
  const handles = {} as SandboxHandles;
  beforeAll(async () => {
    handles.sandbox = await fastSandbox(over);
    handles.api = apiClient(handles.sandbox);
    handles.cloud = cloudClients(handles.sandbox);
  }, 120_000);
  afterAll(async () => { await handles.sandbox?.cleanup(); });
  return handles;
}
