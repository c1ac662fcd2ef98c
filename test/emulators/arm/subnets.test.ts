import { type Harness, SPOKE_RG, startHarness } from './support';

describe('ARM emulator: virtual network subnets through @azure/arm-network', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({}); });
  afterAll(async () => { await h.stop(); });

  it('reads the AKS subnet the managed cluster agent pool names (seeded reference)', async () => {
    const cluster = await h.aks.managedClusters.get(SPOKE_RG, 'spoke1-aks');
    const subnetId = cluster.agentPoolProfiles?.[0]?.vnetSubnetID ?? '';
    const [, , , , rg, , , , vnet, , subnet] = subnetId.split('/');
    expect([rg, vnet, subnet]).toEqual([SPOKE_RG, 'spoke1-vnet', 'AKSSubnet']);
    const read = await h.network.subnets.get(rg!, vnet!, subnet!);
    expect(read).toMatchObject({ name: 'AKSSubnet', addressPrefix: '10.1.0.0/24', provisioningState: 'Succeeded' });
    expect(read.id?.toLowerCase()).toBe(subnetId.toLowerCase());
  });

  it('answers 404 ResourceNotFound for an unknown subnet', async () => {
    await expect(h.network.subnets.get(SPOKE_RG, 'spoke1-vnet', 'nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
