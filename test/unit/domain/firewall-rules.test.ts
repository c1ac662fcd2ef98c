import * as coreClient from '@azure/core-client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { networkRulePairs, renderTenantRuleCollections, type TenantFirewallInput } from '../../../lib/domain/firewall-rules';

const tenant0: TenantFirewallInput = {
  cidr: '10.99.0.0/29',
  spec: {
    name: 'tenant0',
    cluster: 'spoke1-aks',
    allow: {
      applications: [{ name: 'tigera', fqdns: ['www.tigera.io'], protocols: ['Http:80', 'Https:443'] }],
      networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
    },
  },
};

// The SDK's own mappers (not exported by the package's "exports", so loaded by path) serialise exactly as the SDK would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Mappers = require(path.resolve(__dirname, '../../../node_modules/@azure/arm-network/dist/commonjs/models/mappers.js')) as Record<string, coreClient.CompositeMapper>;
const serializer = coreClient.createSerializer(Mappers, false);
const example = (file: string) =>
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../../shared/reference/azure/examples/network', file), 'utf8')).parameters.parameters;

/** Every key path in a JSON value (array elements merged), e.g. `properties.ruleCollections[].rules[].ruleType`. */
function keyPaths(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) for (const item of value) keyPaths(item, `${prefix}[]`).forEach((p) => out.add(p));
  else if (value !== null && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) {
      out.add(`${prefix}.${key}`);
      keyPaths(child, `${prefix}.${key}`).forEach((p) => out.add(p));
    }
  return out;
}

describe('renderTenantRuleCollections', () => {
  const collections = renderTenantRuleCollections(tenant0);

  it('puts application and network rules in separate Allow collections, sourced from the tenant CIDR', () => {
    expect(collections).toEqual([
      {
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
        name: 'tenant-spoke1-aks.tenant0-app',
        priority: 0,
        action: { type: 'Allow' },
        rules: [
          {
            ruleType: 'ApplicationRule',
            name: 'tigera',
            sourceAddresses: ['10.99.0.0/29'],
            protocols: [{ protocolType: 'Http', port: 80 }, { protocolType: 'Https', port: 443 }],
            targetFqdns: ['www.tigera.io'],
          },
        ],
      },
      {
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
        name: 'tenant-spoke1-aks.tenant0-net',
        priority: 0,
        action: { type: 'Allow' },
        rules: [{ ruleType: 'NetworkRule', name: 'dns', sourceAddresses: ['10.99.0.0/29'], ipProtocols: ['UDP'], destinationPorts: ['53'], destinationAddresses: ['1.1.1.1/32'] }],
      },
    ]);
    for (const collection of collections) {
      expect(new Set(collection.rules.map((r) => r.ruleType)).size).toBe(1);
      expect(collection.rules.every((r) => JSON.stringify(r.sourceAddresses) === '["10.99.0.0/29"]')).toBe(true);
    }
  });

  it('splits a network rule naming both addresses and FQDNs, and omits empty kinds', () => {
    const mixed = renderTenantRuleCollections({
      ...tenant0,
      spec: { ...tenant0.spec, allow: { applications: [], networks: [{ name: 'ntp', destinations: ['time.windows.com', '162.159.200.1'], ports: ['123'], protocols: ['UDP'] }] } },
    });
    expect(mixed.map((c) => c.name)).toEqual(['tenant-spoke1-aks.tenant0-net']);
    expect(mixed[0]!.rules).toEqual([
      expect.objectContaining({ name: 'ntp', destinationAddresses: ['162.159.200.1'] }),
      expect.objectContaining({ name: 'ntp.fqdns', destinationFqdns: ['time.windows.com'] }),
    ]);
    expect(renderTenantRuleCollections({ ...tenant0, spec: { ...tenant0.spec, allow: { applications: [], networks: [] } } })).toEqual([]);
  });

  it('counts network rule pairs as Azure does (sources × destinations)', () => {
    expect(networkRulePairs(collections)).toBe(1);
    const wide = renderTenantRuleCollections({
      ...tenant0,
      spec: { ...tenant0.spec, allow: { applications: [], networks: [{ name: 'n', destinations: ['1.1.1.1', '8.8.8.8', 'dns.google'], ports: ['53'], protocols: ['UDP'] }] } },
    });
    expect(networkRulePairs(wide)).toBe(3);
  });

  it('serialises through the SDK without losing a field, in the shape of the official examples', () => {
    const group = { priority: 10000, ruleCollections: collections.map((c, i) => ({ ...c, priority: 100 + i })) };
    const wire = serializer.serialize(Mappers.FirewallPolicyRuleCollectionGroup!, group, 'parameters');
    // Nothing we set is unknown to the SDK (it would drop it), and the only wrapper is the group's `properties`.
    expect(wire).toEqual({ properties: JSON.parse(JSON.stringify(group)) });

    const ours = keyPaths(wire);
    const official = new Set([...keyPaths(example('FirewallPolicyRuleCollectionGroupPut.json')), ...keyPaths(example('FirewallPolicyRuleCollectionGroupWithWebCategoriesPut.json'))]);
    // targetFqdns is the only property we use that neither official PUT example shows; the SDK mapper knows it (above).
    const notInExamples = [...ours].filter((p) => !official.has(p));
    expect(notInExamples).toEqual(['.properties.ruleCollections[].rules[].targetFqdns']);
    for (const discriminator of ['.properties.ruleCollections[].ruleCollectionType', '.properties.ruleCollections[].rules[].ruleType', '.properties.ruleCollections[].action.type'])
      expect(official.has(discriminator) && ours.has(discriminator)).toBe(true);
  });

  it('refuses an unvalidated entry or a bad CIDR', () => {
    expect(() => renderTenantRuleCollections({ ...tenant0, cidr: '10.99.0.1/29' })).toThrow(/cidr/);
    expect(() =>
      renderTenantRuleCollections({ ...tenant0, spec: { ...tenant0.spec, allow: { applications: [{ name: 'a', fqdns: ['x.com'], protocols: ['Ftp:21'] }], networks: [] } } }),
    ).toThrow(/validate the spec first/);
  });
});
