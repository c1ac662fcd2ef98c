import fc from 'fast-check';
import { parseApplicationProtocol, parseDestination, parseFqdn, parseNetworkProtocol, parsePort } from '../../../lib/domain/allowlist-syntax';

describe('allowlist syntax', () => {
  it('parses ports and ranges within 1..65535', () => {
    expect(parsePort('53')).toEqual({ ok: true, value: '53' });
    expect(parsePort('8000-8080')).toEqual({ ok: true, value: '8000-8080' });
    expect(parsePort('443-443')).toEqual({ ok: true, value: '443' });
    expect(parsePort('*')).toEqual({ ok: true, value: '*' });
    for (const bad of ['0', '65536', '080', '1-2-3', '-1', 'http', '', ' 53']) expect(parsePort(bad).ok).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 70000 }), (port) => {
        expect(parsePort(String(port)).ok).toBe(port >= 1 && port <= 65535);
      }),
    );
  });

  it('parses application protocols with a required port', () => {
    expect(parseApplicationProtocol('https:443')).toEqual({ ok: true, value: { protocolType: 'Https', port: 443 } });
    expect(parseApplicationProtocol('Mssql:1433')).toEqual({ ok: true, value: { protocolType: 'Mssql', port: 1433 } });
    for (const bad of ['Https', 'Https:', 'Https:0', 'Ftp:21', 'Http:80:1']) expect(parseApplicationProtocol(bad).ok).toBe(false);
  });

  it('parses network protocols', () => {
    expect(parseNetworkProtocol('udp')).toEqual({ ok: true, value: 'UDP' });
    expect(parseNetworkProtocol('ANY')).toEqual({ ok: true, value: 'Any' });
    expect(parseNetworkProtocol('GRE').ok).toBe(false);
  });

  it('parses FQDNs, wildcards only where allowed', () => {
    expect(parseFqdn('WWW.Tigera.io', false)).toEqual({ ok: true, value: 'www.tigera.io' });
    expect(parseFqdn('*.tigera.io', true)).toEqual({ ok: true, value: '*.tigera.io' });
    expect(parseFqdn('*.tigera.io', false).ok).toBe(false);
    for (const bad of ['localhost', 'a..b', '-a.com', 'a_b.com', '1.2.3.4', `${'a'.repeat(64)}.com`]) expect(parseFqdn(bad, true).ok).toBe(false);
  });

  it('classifies destinations', () => {
    expect(parseDestination('1.1.1.1')).toMatchObject({ ok: true, value: { kind: 'address', text: '1.1.1.1' } });
    expect(parseDestination('10.0.0.0/8')).toMatchObject({ ok: true, value: { kind: 'address', prefix: { length: 8 } } });
    expect(parseDestination('dns.google')).toMatchObject({ ok: true, value: { kind: 'fqdn', text: 'dns.google' } });
    expect(parseDestination('*')).toMatchObject({ ok: true, value: { kind: 'any' } });
    expect(parseDestination('10.0.0.1/8')).toEqual({ ok: false, reason: '"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?' });
    for (const bad of ['256.1.1.1', '1.1.1', '10.0.0.0/33', '01.1.1.1', 'fe80::1']) expect(parseDestination(bad).ok).toBe(false);
  });
});
