import fc from 'fast-check';
import {
  AKS_CLUSTER_NAME,
  DNS1123_LABEL,
  MAX_CLUSTER_PLUS_TENANT,
  MAX_TENANT_NAME_LENGTH,
  routeServerConnectionName,
  ruleCollectionGroupName,
  ruleCollectionGroupSlot,
  tenantKey,
  tenantNames,
} from '../../../lib/domain/names';
import { validateTenantSpec } from '../../../lib/domain/tenant-spec';

const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z0-9]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`));
const cluster = fc.stringMatching(/^[A-Za-z0-9]([-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/);
/** Azure resource names: alphanumerics, "_", ".", "-"; start alphanumeric; end alphanumeric or "_"; ≤ 80. */
const azureName = /^[A-Za-z0-9]([-_.A-Za-z0-9]{0,78}[A-Za-z0-9_])?$/;

describe('names', () => {
  it('computes the limits from the derived names', () => {
    expect(MAX_TENANT_NAME_LENGTH).toBe(59);
    expect(MAX_CLUSTER_PLUS_TENANT).toBe(68);
  });

  it('derives the reference walkthrough names for tenant0', () => {
    expect(tenantNames({ cluster: 'spoke1-aks', name: 'tenant0' })).toEqual({
      namespace: 'tenant0-egw',
      ipPool: 'tenant0-pool',
      egressGateway: 'tenant0-egw',
      egressGatewayPolicy: 'tenant0-egw',
      gatewayLabel: { key: 'tenant', value: 'tenant0-egw' },
      firewallApplicationCollection: 'tenant-spoke1-aks.tenant0-app',
      firewallNetworkCollection: 'tenant-spoke1-aks.tenant0-net',
    });
    expect(tenantKey({ cluster: 'spoke1-aks', name: 'tenant0' })).toBe('spoke1-aks/tenant0');
  });

  it('keeps every derived name valid for every spec the validator accepts', () => {
    fc.assert(
      fc.property(label(63), cluster, (name, clusterName) => {
        const accepted = validateTenantSpec({ name, cluster: clusterName }, { allowBroadRules: false, defaultPrefixLength: 29 }).ok;
        if (!accepted) return;
        const names = tenantNames({ cluster: clusterName, name });
        expect(names.namespace).toMatch(DNS1123_LABEL);
        expect(names.gatewayLabel.value).toMatch(DNS1123_LABEL);
        expect(names.egressGateway).toMatch(DNS1123_LABEL);
        expect(names.ipPool.length).toBeLessThanOrEqual(253);
        expect(names.firewallApplicationCollection).toMatch(azureName);
        expect(names.firewallNetworkCollection).toMatch(azureName);
      }),
      { numRuns: 500 },
    );
  });

  it('never maps two tenants to the same firewall collection', () => {
    fc.assert(
      fc.property(label(20), cluster, label(20), cluster, (n1, c1, n2, c2) => {
        fc.pre(n1 !== n2 || c1 !== c2);
        expect(tenantNames({ cluster: c1, name: n1 }).firewallNetworkCollection).not.toBe(tenantNames({ cluster: c2, name: n2 }).firewallNetworkCollection);
      }),
    );
    // The case a "-" separator would get wrong:
    expect(tenantNames({ cluster: 'a-b', name: 'c' }).firewallApplicationCollection).not.toBe(
      tenantNames({ cluster: 'a', name: 'b-c' }).firewallApplicationCollection,
    );
  });

  it('round-trips rule collection group slots and ignores foreign groups', () => {
    expect(ruleCollectionGroupName(7)).toBe('egress-pilot-7');
    expect(ruleCollectionGroupSlot('egress-pilot-7')).toBe(7);
    expect(ruleCollectionGroupSlot('DefaultNetworkRuleCollectionGroup')).toBeUndefined();
    expect(ruleCollectionGroupSlot('egress-pilot-07')).toBeUndefined();
  });

  it('keeps Route Server connection names within 80 characters and distinct', () => {
    expect(routeServerConnectionName('spoke1-aks', '10.1.0.4')).toBe('spoke1-aks-rr-10-1-0-4');
    const long1 = routeServerConnectionName('a'.repeat(63), '10.100.200.250');
    const long2 = routeServerConnectionName(`${'a'.repeat(62)}b`, '10.100.200.250');
    expect(long1.length).toBeLessThanOrEqual(80);
    expect(long1).toMatch(azureName);
    expect(long1).not.toBe(long2);
    expect(AKS_CLUSTER_NAME.test('a'.repeat(63))).toBe(true);
  });
});
