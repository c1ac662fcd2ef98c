import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { createCertificateAuthority } from '../../../local/emulators/shared/tls';
import { eventually, type Harness, SPOKE_RG, startHarness } from './support';

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: Record<string, unknown> }[];
  'current-context': string;
}

const decode = (value: Uint8Array | undefined): Kubeconfig => parse(Buffer.from(value ?? new Uint8Array()).toString('utf8')) as Kubeconfig;

describe('ARM emulator: AKS managed clusters through @azure/arm-containerservice', () => {
  const kubeCa = createCertificateAuthority({ commonName: 'kube emulator test CA' });
  const kubeUrl = 'https://127.0.0.1:6443';
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ clusters: { 'spoke1-aks': { url: kubeUrl, caCertPem: kubeCa.caCertPem } } }); });
  afterAll(async () => { await h.stop(); });
  beforeEach(async () => { await h.arm.control.reset(); });

  it('gets the cluster: provisioning state, power state, BYO CNI, AKS-managed Entra ID with the server audience', async () => {
    const cluster = await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks');
    expect(cluster).toMatchObject({
      name: 'spoke1-aks', provisioningState: 'Succeeded', powerState: { code: 'Running' }, fqdn: '127.0.0.1',
      networkProfile: { networkPlugin: 'none' },
      aadProfile: { managed: true, enableAzureRbac: true, serverAppID: '6dae42f8-4368-4678-94ff-3960e28e3630', tenantID: h.arm.tenantId },
    });
    expect(cluster.eTag).toMatch(/^W\/"/);
    await expect(h.aks.managedClusters.get(SPOKE_RG, 'nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('lists clusters in the subscription and in a resource group', async () => {
    const all = [];
    for await (const c of h.aks.managedClusters.list()) all.push(c.name);
    const inGroup = [];
    for await (const c of h.aks.managedClusters.listByResourceGroup(SPOKE_RG)) inGroup.push(c.name);
    expect(all).toEqual(['spoke1-aks']);
    expect(inGroup).toEqual(['spoke1-aks']);
  });

  it('shows provisioning-state transitions set through the control', async () => {
    h.arm.control.setCluster(SPOKE_RG, 'spoke1-aks', { provisioningState: 'Upgrading' });
    expect((await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks')).provisioningState).toBe('Upgrading');
    h.arm.control.setCluster(SPOKE_RG, 'spoke1-aks', { provisioningState: 'Succeeded', powerState: 'Stopped' });
    expect(await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks')).toMatchObject({ provisioningState: 'Succeeded', powerState: { code: 'Stopped' } });
  });

  it('schedules the next provisioning state (Creating now, Succeeded later), as a client polling for Succeeded sees it', async () => {
    h.arm.control.setCluster(SPOKE_RG, 'spoke1-aks', { provisioningState: 'Creating', then: { afterMs: 1000, provisioningState: 'Succeeded' } });
    expect((await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks')).provisioningState).toBe('Creating');
    await eventually(async () => (await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks')).provisioningState === 'Succeeded');
  });

  it('user credentials: a kubeconfig for the Kubernetes emulator with its CA and a kubelogin exec stub', async () => {
    const result = await h.aks.managedClusters.listClusterUserCredentials(SPOKE_RG, 'spoke1-aks');
    expect(result.kubeconfigs).toHaveLength(1);
    const kubeconfig = decode(result.kubeconfigs?.[0]?.value);
    expect(kubeconfig.clusters[0]?.cluster.server).toBe(kubeUrl);
    expect(Buffer.from(kubeconfig.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe(kubeCa.caCertPem);
    const exec = kubeconfig.users[0]?.user.exec as { command: string; args: string[] };
    expect(exec.command).toBe('kubelogin');
    expect(exec.args).toEqual(expect.arrayContaining(['--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630']));
    const legacy = decode((await h.aks.managedClusters.listClusterUserCredentials(SPOKE_RG, 'spoke1-aks', { format: 'azure' })).kubeconfigs?.[0]?.value);
    expect(legacy.users[0]?.user['auth-provider']).toMatchObject({ name: 'azure', config: { 'apiserver-id': '6dae42f8-4368-4678-94ff-3960e28e3630' } });
  });

  it('admin credentials: a client certificate signed by the emulator CA', async () => {
    const result = await h.aks.managedClusters.listClusterAdminCredentials(SPOKE_RG, 'spoke1-aks');
    const kubeconfig = decode(result.kubeconfigs?.[0]?.value);
    expect(kubeconfig['current-context']).toBe('spoke1-aks-admin');
    const cert = new X509Certificate(Buffer.from(String(kubeconfig.users[0]?.user['client-certificate-data']), 'base64'));
    expect(cert.verify(new X509Certificate(h.arm.caCertPem).publicKey)).toBe(true);
  });

  it('a cluster without a Kubernetes endpoint refuses credentials with 409 naming the fix', async () => {
    h.arm.control.setCluster(SPOKE_RG, 'spoke1-aks', { kube: null });
    await expect(h.aks.managedClusters.listClusterUserCredentials(SPOKE_RG, 'spoke1-aks'))
      .rejects.toMatchObject({ statusCode: 409, code: 'KubernetesEndpointUnknown' });
    h.arm.control.setCluster(SPOKE_RG, 'spoke1-aks', { kube: { url: 'https://127.0.0.1:7443', caCertPem: kubeCa.caCertPem } });
    const kubeconfig = decode((await h.aks.managedClusters.listClusterUserCredentials(SPOKE_RG, 'spoke1-aks')).kubeconfigs?.[0]?.value);
    expect(kubeconfig.clusters[0]?.cluster.server).toBe('https://127.0.0.1:7443');
    h.arm.control.setCluster(SPOKE_RG, 'spoke1-aks', { kube: { url: kubeUrl, caCertPem: kubeCa.caCertPem } });
  });
});
