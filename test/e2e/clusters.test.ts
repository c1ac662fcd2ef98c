import { apiClient, pollUntil, useSandbox } from './support';

interface ClusterBody {
  name: string;
  bootstrap: { state: string; error?: string };
  routeReflectors: Array<{ name: string; ip: string; ready: boolean; routeServerConnection: { name: string; state: string } | null }>;
  staleConnections: Array<{ name: string; peerIp: string }>;
  peering: { inSync: boolean; problems: string[] };
  tenants: unknown[];
  routeBudget: { routesPerPeer: number; budgetPerPeer: number; tenantsCounted: number };
}

/** GET /api/clusters, POST /api/clusters/{name}/bootstrap, and the drift check finding a reflector that is gone. */
describe('clusters API and cluster drift (sandbox, DRIFT_REPAIR=true)', () => {
  const t = useSandbox({ appSettings: { DRIFT_REPAIR: 'true' } });

  const post = (route: string, key?: string) => fetch(`${t.sandbox.info.apiBaseUrl}${route}`, { method: 'POST', headers: key ? { 'x-functions-key': key } : {} });
  const cluster = async (name: string) => (await t.api<ClusterBody>('GET', `/clusters/${name}`)).body;

  it('GET /api/clusters lists every AKS cluster: bootstrap Ready, two reflectors Connected, tenants and route budget', async () => {
    const res = await t.api<{ resourceGroup: string; clusters: ClusterBody[] }>('GET', '/clusters');
    expect(res.status).toBe(200);
    expect(res.body.resourceGroup).toBe('demo-spoke-networks');
    expect(res.body.clusters.map((c) => c.name)).toEqual(['spoke1-aks', 'spoke2-aks']);
    for (const c of res.body.clusters) {
      expect(c).toMatchObject({ bootstrap: { state: 'Ready' }, peering: { inSync: true, problems: [] }, staleConnections: [], tenants: [], routeBudget: { routesPerPeer: 0, tenantsCounted: 0 } });
      expect(c.routeReflectors).toHaveLength(2);
      expect(c.routeReflectors.every((r) => r.ready && r.routeServerConnection?.state === 'Connected')).toBe(true);
    }
    expect((await t.api('GET', '/clusters/nope')).status).toBe(404);
  });

  it('POST /api/clusters/{name}/bootstrap: admin key only, 400 for a bad name, 404 for a cluster AKS does not know, 202 then Connected', async () => {
    const master = t.sandbox.info.masterKey;
    expect((await post('/clusters/spoke1-aks/bootstrap')).status).toBe(401);
    expect((await post('/clusters/spoke1-aks/bootstrap', t.sandbox.info.functionKey)).status).toBe(401);
    const bad = await post('/clusters/-bad-/bootstrap', master);
    expect(bad.status).toBe(400);
    expect((await bad.json() as { error: { details: Array<{ field: string }> } }).error.details[0]!.field).toBe('name');
    expect((await post('/clusters/spoke9-aks/bootstrap', master)).status).toBe(404);

    const started = await post('/clusters/spoke1-aks/bootstrap', master);
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/api/clusters/spoke1-aks');
    // One bootstrap per cluster at a time.
    expect((await post('/clusters/spoke1-aks/bootstrap', master)).status).toBe(409);
    const done = await pollUntil(() => cluster('spoke1-aks'), (c) => c.bootstrap.state !== 'Running');
    expect(done.bootstrap.state).toBe('Ready');
    expect(done.routeReflectors.map((r) => r.routeServerConnection?.state)).toEqual(['Connected', 'Connected']);
  }, 90_000);

  it('the drift check finds a route reflector removed without a node pool event and re-syncs the cluster', async () => {
    const { core } = t.cloud.cluster('spoke2-aks');
    const before = await cluster('spoke2-aks');
    const gone = before.routeReflectors[0]!;
    await core.deleteNode({ name: gone.name }); // the autoscaler's scale-down: no Event Grid event

    const seen = await cluster('spoke2-aks');
    expect(seen.peering.inSync).toBe(false);
    expect(seen.staleConnections.map((c) => c.peerIp)).toEqual([gone.ip]);

    const previous = (await t.api<{ checkedAt: string }>('GET', '/drift')).body?.checkedAt;
    expect((await apiClient(t.sandbox, t.sandbox.info.masterKey)('POST', '/drift')).status).toBe(202); // admin route
    const body = await pollUntil(async () => (await t.api<{ checkedAt?: string; report: { clean: boolean; clusters?: Array<{ cluster: string; problems: string[] }> }; resyncs?: Array<{ cluster: string; outcome: string; detail?: string }> }>('GET', '/drift')).body,
      (b) => b?.checkedAt !== undefined && b.checkedAt !== previous, 90_000);
    expect(body.report.clean).toBe(false);
    expect(body.report.clusters).toEqual([{ cluster: 'spoke2-aks', problems: expect.arrayContaining([
      'cluster spoke2-aks has 1 route reflector node; 2 wanted',
      expect.stringMatching(new RegExp(`^Route Server connection spoke2-aks-rr-.* peers with ${gone.ip.replace(/\./g, '\\.')}, which is no longer a route reflector node of spoke2-aks$`)),
    ]) }]);
    expect(body.resyncs).toEqual([{ cluster: 'spoke2-aks', outcome: 'resynced' }]);

    const after = await cluster('spoke2-aks');
    expect(after.peering).toEqual({ inSync: true, problems: [] });
    expect(after.routeReflectors.map((r) => r.name)).not.toContain(gone.name);
    expect(after.routeReflectors.every((r) => r.routeServerConnection?.state === 'Connected')).toBe(true);
    expect(after.routeReflectors).toHaveLength(2);
  }, 150_000);
});
