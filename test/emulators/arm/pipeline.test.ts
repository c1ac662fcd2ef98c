import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NetworkManagementClient } from '@azure/arm-network';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { AKS_ENTRA_SERVER_APP_ID, startArmEmulator } from '../../../local/emulators/arm';
import { createTokenIssuer } from '../../../local/emulators/shared/token';
import { type Harness, HUB_RG, startHarness } from './support';

const execFileAsync = promisify(execFile);

describe('ARM emulator: identity, authentication, pipeline and knobs', () => {
  let h: Harness;
  const fast = { retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } };
  const clientWith = (credential: ConstructorParameters<typeof NetworkManagementClient>[0], extra: Record<string, unknown> = {}): NetworkManagementClient =>
    new NetworkManagementClient(credential, h.arm.subscriptionId, { endpoint: h.arm.url, tlsOptions: { ca: h.arm.caCertPem }, ...fast, ...extra });
  const staticToken = (token: string): ConstructorParameters<typeof NetworkManagementClient>[0] => ({ getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) });
  const raw = async (method: 'GET' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<{ status: number; code?: string; message?: string; json?: unknown }> => {
    const res = await h.network.sendRequest(createPipelineRequest({ url: `${h.arm.url}${path}`, method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    const json = res.bodyAsText ? JSON.parse(res.bodyAsText) as { error?: { code: string; message: string } } : undefined;
    return { status: res.status, json, ...(json?.error ? { code: json.error.code, message: json.error.message } : {}) };
  };
  const control = (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> => new Promise((resolve, reject) => {
    const req = https.request(`${h.arm.url}${path}`, { method, ca: h.arm.caCertPem, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });

  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => { await h.arm.control.reset(); h.arm.control.setTimings({ lroRetryAfterSeconds: 0, firewallUpdateMs: 50 }); });

  it('DefaultAzureCredential gets tokens from the App Service identity endpoint for both SDK audiences', async () => {
    await h.network.virtualHubs.get(HUB_RG, 'hub-rs');
    await h.aks.managedClusters.get('demo-spoke-networks', 'spoke1-aks');
    const tokens = h.arm.control.counters().tokensIssued;
    expect(Object.keys(tokens).sort()).toEqual([h.arm.url, 'https://management.azure.com'].sort());
    const token = await h.credential.getToken(`${AKS_ENTRA_SERVER_APP_ID}/.default`);
    expect(h.arm.verifyToken(token?.token ?? '', { audiences: [AKS_ENTRA_SERVER_APP_ID] })).toMatchObject({
      ok: true, claims: { aud: AKS_ENTRA_SERVER_APP_ID, oid: h.arm.identity.principalId, appid: h.arm.identity.clientId, tid: h.arm.tenantId },
    });
    expect(h.arm.verifyToken(token?.token ?? '', { audiences: h.arm.acceptedAudiences })).toMatchObject({ ok: false, code: 'InvalidAuthenticationTokenAudience' });
  });

  describe('a child process (the sandbox case: NODE_EXTRA_CA_CERTS + IDENTITY_* env, no emulator code)', () => {
    // MSAL keeps the managed-identity source (endpoint + header) and its token cache per process,
    // so these variations need their own processes.
    let caFile = '';
    beforeAll(() => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'arm-ca-'));
      caFile = path.join(dir, 'ca.pem');
      writeFileSync(caFile, h.arm.caCertPem);
    });
    const runChild = async (env: Record<string, string>): Promise<{ ok: boolean; name?: string; ips?: string[]; message?: string }> => {
      const { stdout } = await execFileAsync(process.execPath, [path.join(__dirname, 'fixtures', 'child-client.cjs')], {
        cwd: path.resolve(__dirname, '..', '..', '..'),
        env: { PATH: process.env.PATH ?? '', ARM_ENDPOINT: h.arm.url, ARM_SUBSCRIPTION_ID: h.arm.subscriptionId, ...h.arm.env, ...env },
        timeout: 30_000,
      });
      return JSON.parse(stdout) as { ok: boolean; name?: string; ips?: string[]; message?: string };
    };

    it('trusts the CA through NODE_EXTRA_CA_CERTS and authenticates with DefaultAzureCredential', async () => {
      expect(await runChild({ NODE_EXTRA_CA_CERTS: caFile })).toEqual({ ok: true, name: 'hub-rs', ips: ['10.0.1.4', '10.0.1.5'] });
    });

    it('fails TLS verification without the CA (verification is never turned off)', async () => {
      expect(await runChild({})).toMatchObject({ ok: false, message: expect.stringMatching(/certificate|self-signed|issuer/i) });
    });

    it('gets no token with a wrong IDENTITY_HEADER', async () => {
      expect(await runChild({ NODE_EXTRA_CA_CERTS: caFile, IDENTITY_HEADER: 'not-the-secret' })).toMatchObject({ ok: false, name: expect.stringMatching(/CredentialUnavailableError|AuthenticationError|AggregateAuthenticationError/) });
    });
  });

  it('rejects a missing token with 401 AuthenticationFailed', async () => {
    const client = clientWith(h.credential);
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    await expect(client.virtualHubs.get(HUB_RG, 'hub-rs')).rejects.toMatchObject({ statusCode: 401, code: 'AuthenticationFailed' });
  });

  it('rejects an expired token, a token for another audience and a token signed by another key with 401', async () => {
    await expect(clientWith(staticToken(h.arm.control.issueToken(h.arm.url, { lifetimeSeconds: -60 }))).virtualHubs.get(HUB_RG, 'hub-rs'))
      .rejects.toMatchObject({ statusCode: 401, code: 'ExpiredAuthenticationToken' });
    await expect(clientWith(h.credential, { credentialScopes: ['https://storage.azure.com/.default'] }).virtualHubs.get(HUB_RG, 'hub-rs'))
      .rejects.toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationTokenAudience' });
    const forged = createTokenIssuer().issue(h.arm.url, h.arm.identity).token;
    await expect(clientWith(staticToken(forged)).virtualHubs.get(HUB_RG, 'hub-rs')).rejects.toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationToken' });
    expect(h.arm.control.counters().unauthorized).toBe(3);
  });

  it('answers 501 for operations it does not emulate, naming them, and 400 for a missing or malformed api-version', async () => {
    await expect(h.network.virtualHubs.beginGetEffectiveVirtualHubRoutesAndWait(HUB_RG, 'hub-rs', { updateIntervalInMs: 10 }))
      .rejects.toMatchObject({ statusCode: 501, code: 'NotImplemented', message: expect.stringContaining('POST /subscriptions/') });
    const vnet = await raw('GET', `/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualNetworks/hub-vnet?api-version=2025-05-01`);
    expect(vnet).toMatchObject({ status: 501, code: 'NotImplemented', message: expect.stringContaining('virtualNetworks/hub-vnet') });
    const patch = await raw('PATCH', `/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs?api-version=2025-05-01`, { tags: {} });
    expect(patch).toMatchObject({ status: 501, message: expect.stringContaining('emulated: GET, PUT, DELETE') });
    expect(await raw('GET', `/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs`))
      .toMatchObject({ status: 400, code: 'MissingApiVersionParameter' });
    expect(await raw('GET', `/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs?api-version=latest`))
      .toMatchObject({ status: 400, code: 'InvalidApiVersionParameter' });
    expect(await raw('GET', `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs?api-version=2025-05-01`))
      .toMatchObject({ status: 404, code: 'SubscriptionNotFound' });
  });

  it('in strict mode refuses api-versions the installed SDKs do not send (400 NoRegisteredProviderFound)', async () => {
    // Same signing key: MSAL keeps one identity endpoint and token cache per process.
    const strict = await startArmEmulator({ strictApiVersions: true, tokenIssuer: h.arm.tokenIssuer, routeFeed: h.feed });
    try {
      const client = new NetworkManagementClient(h.credential, strict.subscriptionId, { endpoint: strict.url, tlsOptions: { ca: strict.caCertPem }, ...fast });
      expect((await client.virtualHubs.get(HUB_RG, 'hub-rs')).name).toBe('hub-rs');
      const res = await client.sendRequest(createPipelineRequest({
        url: `${strict.url}/subscriptions/${strict.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs?api-version=2024-01-01`, method: 'GET',
      }));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.bodyAsText ?? '{}')).toMatchObject({ error: { code: 'NoRegisteredProviderFound', message: expect.stringContaining("'2024-01-01'") } });
    } finally {
      await strict.stop();
    }
  });

  it('serves resource groups: get, list, create', async () => {
    const base = `/subscriptions/${h.arm.subscriptionId}/resourcegroups`;
    expect(await raw('GET', `${base}/${HUB_RG}?api-version=2021-04-01`)).toMatchObject({ status: 200, json: { name: HUB_RG, location: 'westeurope', properties: { provisioningState: 'Succeeded' } } });
    expect(await raw('PUT', `${base}/new-rg?api-version=2021-04-01`, { location: 'northeurope' })).toMatchObject({ status: 201, json: { name: 'new-rg' } });
    const list = await raw('GET', `${base}?api-version=2021-04-01`);
    expect((list.json as { value: { name: string }[] }).value.map((g) => g.name)).toEqual(['demo-hub-network', 'demo-spoke-networks', 'new-rg']);
    expect(await raw('GET', `${base}/missing?api-version=2021-04-01`)).toMatchObject({ status: 404, code: 'ResourceGroupNotFound' });
  });

  it('injected 429 (Retry-After), 500 and dropped connections are retried by the SDK; an injected 409 surfaces', async () => {
    h.arm.control.injectFault({ operation: 'virtualHubs.get', kind: 'throttle', count: 1, retryAfterSeconds: 0 });
    h.arm.control.injectFault({ operation: 'virtualHubs.*', kind: 'serverError', count: 1 });
    h.arm.control.injectFault({ operation: '*', kind: 'drop', count: 1 });
    const client = clientWith(h.credential);
    expect((await client.virtualHubs.get(HUB_RG, 'hub-rs')).name).toBe('hub-rs');
    const counters = h.arm.control.counters();
    expect(counters.faultsInjected).toEqual({ throttle: 1, serverError: 1, drop: 1 });
    expect(counters.responses).toMatchObject({ 'virtualHubs.get 429': 1, 'virtualHubs.get 500': 1, 'virtualHubs.get 200': 1 });
    expect(counters.requests['virtualHubs.get']).toBe(4);
    expect(h.arm.control.pendingFaults()).toEqual([]);
    h.arm.control.injectFault({ operation: 'firewallPolicies.get', kind: 'conflict', count: 2 });
    await expect(client.firewallPolicies.get(HUB_RG, 'hub-fw-policy')).rejects.toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    expect(h.arm.control.pendingFaults()).toMatchObject([{ operation: 'firewallPolicies.get', kind: 'conflict', count: 1 }]);
  });

  it('throttles writes with a token bucket when enabled: 429 SubscriptionRequestsThrottled + Retry-After, retried by the SDK', async () => {
    h.arm.control.setLimits({ writeBucketSize: 2, writeRefillPerSecond: 2 });
    const subnet = { id: '/subscriptions/x/resourceGroups/demo-hub-network/providers/Microsoft.Network/virtualNetworks/hub-vnet/subnets/RouteServerSubnet' };
    for (const name of ['a', 'b', 'c']) {
      await h.network.virtualHubIpConfiguration.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', name, { subnet }, { updateIntervalInMs: 10 });
    }
    const responses = h.arm.control.counters().responses;
    expect(responses['virtualHubIpConfiguration.createOrUpdate 429']).toBe(1);
    expect(responses['virtualHubIpConfiguration.createOrUpdate 201']).toBe(3);
    const res = await h.network.sendRequest(createPipelineRequest({
      url: `${h.arm.url}/subscriptions/${h.arm.subscriptionId}/resourceGroups/${HUB_RG}/providers/Microsoft.Network/virtualHubs/hub-rs/ipConfigurations/d?api-version=2025-05-01`,
      method: 'PUT', body: JSON.stringify({ properties: { subnet } }),
    }));
    expect([201, 429]).toContain(res.status);
    expect(res.headers.get(res.status === 201 ? 'x-ms-ratelimit-remaining-subscription-writes' : 'retry-after')).toMatch(/^\d+$/);
  });

  it('applies per-operation latency', async () => {
    h.arm.control.setLatency('virtualHubs.get', 150);
    const started = Date.now();
    await h.network.virtualHubs.get(HUB_RG, 'hub-rs');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('is controllable over HTTP under /_emulator/ (timings, faults, counters, public key, reset)', async () => {
    expect(JSON.parse((await control('GET', '/_emulator/health')).text)).toMatchObject({ ok: true, url: h.arm.url, operations: expect.arrayContaining(['firewallPolicyRuleCollectionGroups.createOrUpdate']) });
    const timings = await control('PUT', '/_emulator/timings', { firewallUpdateMs: 5 });
    expect(JSON.parse(timings.text)).toMatchObject({ firewallUpdateMs: 5 });
    expect(await control('PUT', '/_emulator/timings', { firewallUpdateMs: -1 })).toMatchObject({ status: 400, text: expect.stringContaining('timings.firewallUpdateMs') });
    expect(await control('PUT', '/_emulator/timings', { bogus: 1 })).toMatchObject({ status: 400 });
    expect((await control('POST', '/_emulator/faults', { operation: 'virtualHubs.get', kind: 'serverError', count: 3 })).status).toBe(201);
    expect(JSON.parse((await control('GET', '/_emulator/faults')).text)).toMatchObject([{ operation: 'virtualHubs.get', count: 3 }]);
    expect((await control('DELETE', '/_emulator/faults')).status).toBe(204);
    expect((await control('PUT', '/_emulator/latency', { '*': 0 })).status).toBe(204);
    expect((await control('GET', '/_emulator/identity/public-key')).text).toBe(h.arm.tokenPublicKeyPem);
    expect((await control('PUT', `/_emulator/clusters/demo-spoke-networks/spoke1-aks`, { provisioningState: 'Updating' })).status).toBe(204);
    expect((await h.aks.managedClusters.get('demo-spoke-networks', 'spoke1-aks')).provisioningState).toBe('Updating');
    await h.network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(HUB_RG, 'hub-fw-policy', 'g', { priority: 900, ruleCollections: [] }, { updateIntervalInMs: 10 });
    expect(JSON.parse((await control('GET', '/_emulator/counters')).text)).toMatchObject({ requests: { 'firewallPolicyRuleCollectionGroups.createOrUpdate': 1 } });
    expect((await control('POST', '/_emulator/reset')).status).toBe(204);
    await expect(h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', 'g')).rejects.toMatchObject({ statusCode: 404 });
    expect((await h.aks.managedClusters.get('demo-spoke-networks', 'spoke1-aks')).provisioningState).toBe('Succeeded');
    expect(await control('GET', '/_emulator/nope')).toMatchObject({ status: 501 });
  });
});
