import { connectCluster, type ClusterClient } from '../../lib/adapters/kubernetes/cluster-client';
import { ENTERPRISE_KINDS, FELIX_EGRESS_FIELD, schemaHasField, TIGERA_STATUS } from '../../lib/domain/bootstrap/calico-prerequisites';
import { startKubeEmulator, type KubeEmulator } from '../../local/emulators/kube';
import { createCertificateAuthority } from '../../local/emulators/shared/tls';

/**
 * The cluster client's discovery reads (servesKind, openApiDocument) against the Kubernetes emulator,
 * with one Calico Enterprise cluster and one running the open-source Tigera operator.
 */
describe('Calico edition through discovery (kube emulator, real client)', () => {
  let emu: KubeEmulator;
  let enterprise: ClusterClient;
  let openSource: ClusterClient;
  beforeAll(async () => {
    const ca = createCertificateAuthority();
    emu = await startKubeEmulator({
      clusters: [{ name: 'ee' }, { name: 'oss', calicoEdition: 'open-source' }],
      tls: ca.issue(['localhost'], ['127.0.0.1']),
      authenticate: async (token) => (token === 'ok' ? { ok: true, user: 'app' } : { ok: false, reason: 'bad token' }),
    });
    const credential = { getToken: async () => ({ token: 'ok', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const connect = (name: string) => connectCluster({ cluster: name, server: emu.clusters.get(name)!.url, certificateAuthorityData: Buffer.from(ca.caCertPem).toString('base64') }, credential, 'aks');
    enterprise = await connect('ee');
    openSource = await connect('oss');
  });
  afterAll(async () => { await emu?.stop(); });

  it('an Enterprise cluster serves EgressGateway, EgressGatewayPolicy and Felix egressIPSupport', async () => {
    const { egressGateway, egressGatewayPolicy, felixConfiguration } = ENTERPRISE_KINDS;
    expect(await enterprise.servesKind(egressGateway.apiVersion, egressGateway.kind)).toBe(true);
    expect(await enterprise.servesKind(egressGatewayPolicy.apiVersion, egressGatewayPolicy.kind)).toBe(true);
    expect(schemaHasField(await enterprise.openApiDocument(felixConfiguration.apiVersion), felixConfiguration, FELIX_EGRESS_FIELD)).toBe(true);
  });

  it('an open-source cluster serves neither, and its Felix schema has no egressIPSupport', async () => {
    const { egressGateway, egressGatewayPolicy, felixConfiguration } = ENTERPRISE_KINDS;
    expect(await openSource.servesKind(egressGateway.apiVersion, egressGateway.kind)).toBe(false);
    expect(await openSource.servesKind(egressGatewayPolicy.apiVersion, egressGatewayPolicy.kind)).toBe(false);
    expect(await openSource.servesKind(felixConfiguration.apiVersion, felixConfiguration.kind)).toBe(true);
    expect(schemaHasField(await openSource.openApiDocument(felixConfiguration.apiVersion), felixConfiguration, FELIX_EGRESS_FIELD)).toBe(false);
    // Writing an EgressGateway is refused as on a real open-source cluster.
    await expect(openSource.apply([{ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', metadata: { name: 'g', namespace: 'default' } }])).rejects.toThrow();
  });

  it('a group-version nobody serves is not served (not an error); an unpublished OpenAPI document is undefined', async () => {
    expect(await enterprise.servesKind('example.com/v9', 'Nothing')).toBe(false);
    expect(await enterprise.openApiDocument('example.com/v9')).toBeUndefined();
  });

  it('both editions report tigerastatus apiserver and calico Available', async () => {
    for (const client of [enterprise, openSource]) {
      expect(await client.servesKind(TIGERA_STATUS.apiVersion, TIGERA_STATUS.kind)).toBe(true);
      const statuses = await client.listObjects(TIGERA_STATUS.apiVersion, TIGERA_STATUS.kind);
      const available = statuses.map((s) => [s.metadata?.name, (s as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions?.find((c) => c.type === 'Available')?.status]);
      expect(available).toEqual([['apiserver', 'True'], ['calico', 'True']]);
    }
  });
});
