import { type EmulatorContext, requireSubscription } from '../context';
import { notFound } from '../errors';
import { ids } from '../ids';
import type { Route } from '../router';
import { toWire } from '../store';

const SUBNET_TYPE = 'Microsoft.Network/virtualNetworks/subnets';

/**
 * Virtual network subnets, read-only from the seed: enough for a client to learn a subnet's
 * prefix (the AKS subnet, whose gateway is the next hop towards Route Server).
 */
export class VirtualNetworksProvider {
  constructor(private readonly ctx: EmulatorContext) {}

  subnetId(rg: string, vnet: string, subnet: string): string {
    return `${ids.provider(this.ctx.subscriptionId, rg, 'Microsoft.Network/virtualNetworks', vnet)}/subnets/${subnet}`;
  }

  putSubnet(rg: string, vnet: string, subnet: string, addressPrefix: string): void {
    this.ctx.store.put({
      id: this.subnetId(rg, vnet, subnet), name: subnet, type: SUBNET_TYPE, resourceGroup: rg,
      body: { properties: { addressPrefix, provisioningState: 'Succeeded', privateEndpointNetworkPolicies: 'Disabled', privateLinkServiceNetworkPolicies: 'Enabled' } },
    });
  }

  routes(): Route[] {
    return [{
      method: 'GET', api: 'network', resourceType: 'virtualNetworks',
      pattern: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}',
      operation: 'subnets.get',
      handler: (req) => {
        requireSubscription(this.ctx, req.params.subscriptionId ?? '');
        const rg = req.params.resourceGroupName ?? '';
        const subnet = this.ctx.store.get(this.subnetId(rg, req.params.virtualNetworkName ?? '', req.params.subnetName ?? ''));
        if (subnet === undefined) throw notFound(SUBNET_TYPE, req.params.subnetName ?? '', rg);
        return { status: 200, body: toWire(subnet) };
      },
    }];
  }
}
