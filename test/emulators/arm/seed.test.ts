import { parseSeed, referenceSeed, startArmEmulator } from '../../../local/emulators/arm';

describe('ARM emulator seed', () => {
  it('the reference seed is the reference hub: Route Server with two instances, firewall + policy, one AKS spoke', () => {
    const seed = referenceSeed();
    const hub = seed.resourceGroups.find((g) => g.name === 'demo-hub-network');
    expect(hub?.routeServers[0]).toMatchObject({ name: 'hub-rs', virtualRouterIps: ['10.0.1.4', '10.0.1.5'], virtualRouterAsn: 65515 });
    expect(hub?.firewalls[0]).toMatchObject({ name: 'hub-fw', firewallPolicy: 'hub-fw-policy' });
    expect(seed.resourceGroups.find((g) => g.name === 'demo-spoke-networks')?.managedClusters.map((c) => c.name)).toEqual(['spoke1-aks']);
  });

  it('names the failing field of an invalid seed', () => {
    const seed = structuredClone(referenceSeed()) as unknown as { resourceGroups: { routeServers: { virtualRouterIps: string[] }[] }[] };
    const rs = seed.resourceGroups[0]?.routeServers[0];
    if (rs) rs.virtualRouterIps = ['10.0.1.999x'];
    expect(() => parseSeed(seed)).toThrow(/seed\.resourceGroups\.0\.routeServers\.0\.virtualRouterIps\.0: must be an IPv4 address/);
  });

  it('refuses a seeded rule collection group that breaks a firewall rule, naming it', async () => {
    const seed = structuredClone(referenceSeed());
    const group = seed.resourceGroups[0]?.firewallPolicies[0]?.ruleCollectionGroups[0];
    if (group) group.properties.priority = 70000;
    await expect(startArmEmulator({ seed })).rejects.toThrow(/ruleCollectionGroups\[0\] \(DefaultNetworkRuleCollectionGroup\).*priority 70000/);
  });
});
