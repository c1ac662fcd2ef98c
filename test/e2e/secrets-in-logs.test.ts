import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterWrittenEvent } from '../../local/sandbox/cluster-event';
import { startSandbox, type Sandbox } from '../../local/sandbox/sandbox';
import { apiClient, deliverClusterEvents, pollUntil, tenantSpec, waitForPhase } from './support';

/**
 * Keys and secrets: both function keys work at once (rotation without downtime), admin routes take only
 * the master key, and a short flow (onboard, drift run, a cluster event carrying claims, delete) leaves
 * no key, token or connection string in any line the Functions host printed (its own and the app's).
 */
describe('keys, and no secret in the host log', () => {
  let sandbox: Sandbox;
  let dir: string;
  const captured: string[] = [];
  const realWrite = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    // The host's lines arrive on this process's stderr as "[host] …" (echoHostLogs): keep them, print nothing.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('[host] ')) {
        captured.push(text);
        return true;
      }
      return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    dir = mkdtempSync(path.join(tmpdir(), 'egress-secrets-'));
    sandbox = await startSandbox({
      dir, reset: true, reusePorts: false, echoHostLogs: true,
      armTimings: { firewallUpdateMs: 150, routePropagationMs: 300, routeFeedPollMs: 100, lroRetryAfterSeconds: 0 },
      kubeTimings: { gatewayPodReadyMs: 100 },
      appSettings: { ROUTE_POLL_INITIAL_SECONDS: '1', ROUTE_POLL_MAX_SECONDS: '2', ROUTE_WAIT_DEADLINE_SECONDS: '60' },
    });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
    process.stderr.write = realWrite;
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts both function keys at once; admin routes refuse them and take the master key', async () => {
    const { info } = sandbox;
    expect(info.nextFunctionKey).not.toBe(info.functionKey);
    for (const key of [info.functionKey, info.nextFunctionKey]) expect((await apiClient(sandbox, key)('GET', '/tenants')).status).toBe(200);
    expect((await apiClient(sandbox, 'not-a-key')('GET', '/tenants')).status).toBe(401);
    for (const key of [info.functionKey, info.nextFunctionKey]) {
      expect((await apiClient(sandbox, key)('POST', '/drift')).status).toBe(401);
      expect((await apiClient(sandbox, key)('POST', '/clusters/spoke1-aks/bootstrap')).status).toBe(401);
    }
    expect((await apiClient(sandbox, info.functionKey)('GET', '/drift')).status).toBe(404); // function level: no report yet
  });

  it('a short flow (onboard, drift run, cluster event, delete) prints no secret the sandbox issued', async () => {
    const { info } = sandbox;
    const api = apiClient(sandbox, info.nextFunctionKey);
    const admin = apiClient(sandbox, info.masterKey);
    expect((await api('POST', '/tenants', tenantSpec('quiet', { namespaces: [] }))).status).toBe(202);
    expect((await waitForPhase(api, 'spoke1-aks', 'quiet', ['Ready', 'Failed'])).phase).toBe('Ready');
    expect((await admin('POST', '/drift')).status).toBe(202);
    expect((await pollUntil(() => api('GET', '/drift'), (r) => r.status === 200, 50_000)).status).toBe(200);
    // A write event as Azure sends it carries the caller's claims: a token-shaped value there must not be echoed.
    const planted = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJl';
    const event = clusterWrittenEvent(sandbox.arm.subscriptionId, 'demo-spoke-networks', 'spoke1-aks');
    const withClaims = { ...event, data: { ...event.data, claims: { aio: planted }, authorization: { ...event.data.authorization, evidence: { role: planted } } } };
    const delivered = await deliverClusterEvents(sandbox, [withClaims, { ...withClaims, id: 42 }]);
    expect(delivered.status).toBe(202);
    expect((await api('DELETE', '/tenants/spoke1-aks/quiet')).status).toBe(202);
    expect((await waitForPhase(api, 'spoke1-aks', 'quiet', ['Deleted', 'Failed'])).phase).toBe('Deleted');
    await new Promise((r) => setTimeout(r, 500));

    const accountKey = /AccountKey=([^;]+)/.exec(info.storageConnectionString)?.[1];
    const secrets: Record<string, string | undefined> = {
      'function key (default)': info.functionKey,
      'function key (next)': info.nextFunctionKey,
      'master key': info.masterKey,
      'storage connection string': info.storageConnectionString,
      'storage account key': accountKey,
      'identity header': info.identityHeader,
      'planted claim token': planted,
    };
    const log = captured.join('');
    const found = Object.entries(secrets).filter(([, value]) => value !== undefined && value.length >= 8 && log.includes(value)).map(([name]) => name);
    // Bearer tokens the identity endpoint issued are not listed by the emulator: any JWT shape counts.
    const jwts = log.match(/eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g) ?? [];
    const tokensIssued = Object.values(sandbox.arm.control.counters().tokensIssued).reduce((a, b) => a + b, 0);
    console.log(`secrets in logs: ${found.length + jwts.length} found (${found.join(', ') || 'none'}; ${jwts.length} JWT-shaped) in ${captured.length} host log lines, scanning for ${Object.keys(secrets).length} secrets and the ${tokensIssued} tokens the identity endpoint issued`);
    expect(captured.length).toBeGreaterThan(20);
    expect(log).toMatch(/clusterEvents: dropped a malformed event: id:/);
    expect(tokensIssued).toBeGreaterThan(0);
    expect(found).toEqual([]);
    expect(jwts).toEqual([]);
  }, 150_000);
});
