import { addressMatches, decideConnection, DEFAULT_DENY_BODY, fqdnMatches, type FirewallConnection, type RuleCollectionGroupView } from '../../../local/emulators/arm/providers/firewall-decision';

/** Cases from Azure's documented processing order (learn.microsoft.com/azure/firewall/rule-processing). */
const tenantSource = '10.99.0.2';
const app = (name: string, fqdns: string[], protocols: Array<{ protocolType: 'Http' | 'Https'; port?: number }>, sources = ['10.99.0.0/29']) =>
  ({ ruleType: 'ApplicationRule', name, sourceAddresses: sources, targetFqdns: fqdns, protocols });
const net = (name: string, destinations: string[], ports: string[], protocols = ['TCP'], sources = ['10.99.0.0/29']) =>
  ({ ruleType: 'NetworkRule', name, sourceAddresses: sources, destinationAddresses: destinations, destinationPorts: ports, ipProtocols: protocols });
const collection = (name: string, priority: number, action: 'Allow' | 'Deny', rules: unknown[]) =>
  ({ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name, priority, action: { type: action }, rules });
const group = (name: string, priority: number, ...ruleCollections: unknown[]): RuleCollectionGroupView => ({ name, properties: { priority, ruleCollections } });

const https = (fqdn: string, source = tenantSource): FirewallConnection => ({ source, destinationIp: '178.128.166.225', fqdn, protocol: 'TCP', port: 443, application: 'tls' });
const http = (fqdn: string, source = tenantSource): FirewallConnection => ({ source, destinationIp: '178.128.166.225', fqdn, protocol: 'TCP', port: 80, application: 'http' });

const walkthrough = [group('tenants', 300, collection('tenant-spoke1-aks.tenant0-app', 1000, 'Allow', [app('tigera', ['www.tigera.io'], [{ protocolType: 'Http', port: 80 }, { protocolType: 'Https', port: 443 }])]),
  collection('tenant-spoke1-aks.tenant0-net', 1100, 'Allow', [net('dns', ['1.1.1.1/32'], ['53'], ['UDP'])]))];

describe('firewall decision twin', () => {
  it('allows what an application rule names, from the tenant source only', () => {
    expect(decideConnection(walkthrough, https('www.tigera.io'))).toEqual({
      action: 'Allow', outcome: { kind: 'connected' },
      matched: { stage: 'application', group: 'tenants', collection: 'tenant-spoke1-aks.tenant0-app', rule: 'tigera' },
    });
    expect(decideConnection(walkthrough, https('www.tigera.io', '10.1.0.4')).action).toBe('Deny');
  });

  it('denies by default: 470 with the firewall text on HTTP, a reset on TLS, a drop otherwise', () => {
    expect(decideConnection(walkthrough, http('www.example.com'))).toEqual({ action: 'Deny', matched: { stage: 'default' }, outcome: { kind: 'http-denied', status: 470, body: DEFAULT_DENY_BODY } });
    expect(DEFAULT_DENY_BODY).toBe('Action: Deny. Reason: No rule matched. Proceeding with default action.');
    expect(decideConnection(walkthrough, https('www.example.com')).outcome).toEqual({ kind: 'tls-reset' });
    expect(decideConnection(walkthrough, { source: tenantSource, destinationIp: '8.8.8.8', protocol: 'UDP', port: 53 }).outcome).toEqual({ kind: 'dropped' });
  });

  it('matches protocol and port: an Http:80 rule does not open TLS on 443 nor HTTP on 8080', () => {
    const httpOnly = [group('g', 100, collection('c', 100, 'Allow', [app('r', ['www.tigera.io'], [{ protocolType: 'Http', port: 80 }])]))];
    expect(decideConnection(httpOnly, http('www.tigera.io')).action).toBe('Allow');
    expect(decideConnection(httpOnly, https('www.tigera.io')).action).toBe('Deny');
    expect(decideConnection(httpOnly, { ...http('www.tigera.io'), port: 8080 }).action).toBe('Deny');
  });

  it('processes network rules before application rules, whatever the group priorities', () => {
    // The application Allow sits in the higher-priority group, the network Deny in a lower one: the network rule wins.
    const groups = [group('apps-first', 100, collection('allow-app', 100, 'Allow', [app('tigera', ['www.tigera.io'], [{ protocolType: 'Https', port: 443 }])])),
      group('nets-later', 4000, collection('deny-net', 100, 'Deny', [net('block', ['178.128.0.0/16'], ['443'])]))];
    expect(decideConnection(groups, https('www.tigera.io'))).toEqual({
      action: 'Deny', outcome: { kind: 'dropped' }, matched: { stage: 'network', group: 'nets-later', collection: 'deny-net', rule: 'block' },
    });
  });

  it('takes groups by priority, then collections by priority within a group, first match wins', () => {
    const deny = collection('deny', 200, 'Deny', [app('no', ['*.tigera.io'], [{ protocolType: 'Https' }])]);
    const allow = collection('allow', 300, 'Allow', [app('yes', ['www.tigera.io'], [{ protocolType: 'Https' }])]);
    // Same group: collection 200 (Deny) before 300 (Allow), regardless of listing order.
    expect(decideConnection([group('g', 500, allow, deny)], https('www.tigera.io'))).toMatchObject({ action: 'Deny', outcome: { kind: 'tls-reset' }, matched: { collection: 'deny' } });
    // Different groups: the group with priority 400 (Allow) before 500 (Deny), although its collection priority is higher.
    expect(decideConnection([group('late', 500, deny), group('early', 400, allow)], https('www.tigera.io'))).toMatchObject({ action: 'Allow', matched: { group: 'early' } });
    // An explicit Deny on HTTP also answers 470, naming the rule.
    const denied = decideConnection([group('g', 500, collection('deny', 200, 'Deny', [app('no', ['*.tigera.io'], [{ protocolType: 'Http' }])]))], http('www.tigera.io'));
    expect(denied.outcome).toMatchObject({ kind: 'http-denied', status: 470, body: expect.stringContaining('Rule Collection: deny. Rule: no.') });
  });

  it('lets a network rule allow non-HTTP traffic by address, port and protocol; ICMP ignores ports', () => {
    const dns = { source: tenantSource, destinationIp: '1.1.1.1', protocol: 'UDP' as const, port: 53 };
    expect(decideConnection(walkthrough, dns)).toMatchObject({ action: 'Allow', matched: { stage: 'network', rule: 'dns' } });
    expect(decideConnection(walkthrough, { ...dns, protocol: 'TCP' }).action).toBe('Deny');
    expect(decideConnection(walkthrough, { ...dns, port: 54 }).action).toBe('Deny');
    const icmp = [group('g', 100, collection('c', 100, 'Allow', [net('ping', ['1.1.1.0/24'], ['7'], ['ICMP'])]))];
    expect(decideConnection(icmp, { ...dns, protocol: 'ICMP', port: 0 }).action).toBe('Allow');
  });

  it('ignores DNAT collections (inbound) and rules naming what is not modelled (service tags, IP Groups)', () => {
    const groups = [group('g', 100,
      { ruleCollectionType: 'FirewallPolicyNatRuleCollection', name: 'dnat', priority: 100, action: { type: 'DNAT' }, rules: [{ ruleType: 'NatRule', name: 'n', sourceAddresses: ['*'], destinationAddresses: ['*'], destinationPorts: ['*'], ipProtocols: ['Any'] }] },
      collection('tags', 200, 'Allow', [net('cloud', ['AzureCloud'], ['*'], ['Any'], ['*'])]))];
    expect(decideConnection(groups, https('www.tigera.io')).matched).toEqual({ stage: 'default' });
  });

  it('matches FQDNs and addresses as Azure does', () => {
    expect(fqdnMatches('*.tigera.io', 'www.tigera.io')).toBe(true);
    expect(fqdnMatches('*.tigera.io', 'a.b.tigera.io')).toBe(true);
    expect(fqdnMatches('*.tigera.io', 'tigera.io')).toBe(false);
    expect(fqdnMatches('*.tigera.io', 'nottigera.io')).toBe(false);
    expect(fqdnMatches('WWW.Tigera.IO', 'www.tigera.io')).toBe(true);
    expect(fqdnMatches('*', 'anything.example')).toBe(true);
    expect(fqdnMatches('www.tigera.io', 'docs.tigera.io')).toBe(false);
    expect(addressMatches('10.99.0.0/29', '10.99.0.7')).toBe(true);
    expect(addressMatches('10.99.0.0/29', '10.99.0.8')).toBe(false);
    expect(addressMatches('10.0.0.1-10.0.0.9', '10.0.0.5')).toBe(true);
    expect(addressMatches('*', '1.2.3.4')).toBe(true);
    expect(addressMatches('AzureCloud', '1.2.3.4')).toBe(false);
  });
});
