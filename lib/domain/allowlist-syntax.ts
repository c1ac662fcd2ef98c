/**
 * Syntax of the allowlist entries in a tenant spec (ports, protocols, FQDNs, destinations), shared by the
 * spec validator (which refuses bad entries) and the firewall renderer (which turns good ones into Azure rules).
 * Each parser returns either the canonical value or a reason an operator can act on.
 */
import { formatPrefix, parseIpv4Address, parseIpv4Cidr, type Ipv4Prefix } from './ipv4';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

export const APPLICATION_PROTOCOLS = ['Http', 'Https', 'Mssql'] as const;
export type ApplicationProtocolType = (typeof APPLICATION_PROTOCOLS)[number];
export const NETWORK_PROTOCOLS = ['TCP', 'UDP', 'ICMP', 'Any'] as const;
export type NetworkProtocol = (typeof NETWORK_PROTOCOLS)[number];

function parsePortNumber(text: string): number | undefined {
  if (!/^[1-9]\d{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** "53", "8000-8080" (Azure's 1–65535), or "*" (every port). Canonical: "80-80" becomes "80". */
export function parsePort(text: string): Parsed<string> {
  if (text === '*') return ok('*');
  const [first = '', last, extra] = text.split('-');
  const from = parsePortNumber(first);
  const to = last === undefined ? from : parsePortNumber(last);
  if (extra !== undefined || from === undefined || to === undefined)
    return fail(`"${text}" is not a port (1-65535), a range like "8000-8080", or "*"`);
  if (from > to) return fail(`range "${text}" starts after it ends`);
  return ok(from === to ? String(from) : `${from}-${to}`);
}

/** "Http:80", "Https:443", "Mssql:1433" (protocol case-insensitive; a port is required). */
export function parseApplicationProtocol(text: string): Parsed<{ protocolType: ApplicationProtocolType; port: number }> {
  const [name = '', portText, extra] = text.split(':');
  const protocolType = APPLICATION_PROTOCOLS.find((p) => p.toLowerCase() === name.toLowerCase());
  if (!protocolType || portText === undefined || extra !== undefined)
    return fail(`"${text}" must be <protocol>:<port> with protocol Http, Https or Mssql (e.g. "Https:443")`);
  const port = parsePortNumber(portText);
  if (port === undefined) return fail(`port in "${text}" must be 1-65535`);
  return ok({ protocolType, port });
}
export const formatApplicationProtocol = (p: { protocolType: ApplicationProtocolType; port: number }): string => `${p.protocolType}:${p.port}`;

export function parseNetworkProtocol(text: string): Parsed<NetworkProtocol> {
  const protocol = NETWORK_PROTOCOLS.find((p) => p.toLowerCase() === text.toLowerCase());
  return protocol ? ok(protocol) : fail(`"${text}" must be one of TCP, UDP, ICMP, Any`);
}

const FQDN_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A DNS name with at least two labels, optionally with a leading "*." wildcard (what Azure application rules
 * accept), lower-cased. A bare "*" is reported separately (see isBroad...), never silently accepted.
 */
export function parseFqdn(text: string, allowWildcard: boolean): Parsed<string> {
  const name = text.toLowerCase();
  if (name === '*') return allowWildcard ? ok('*') : fail('a bare "*" allows every site');
  const body = allowWildcard && name.startsWith('*.') ? name.slice(2) : name;
  const labels = body.split('.');
  if (name.length > 253 || labels.length < 2 || !labels.every((label) => FQDN_LABEL.test(label)) || /^\d+$/.test(labels.at(-1) ?? ''))
    return fail(`"${text}" is not a fully qualified domain name${allowWildcard ? ' (a leading "*." is allowed)' : ''}`);
  return ok(name);
}

/** A network rule destination: an IPv4 address, an aligned IPv4 CIDR, "*" (everything) or an FQDN. */
export type Destination =
  | { kind: 'address'; text: string; prefix: Ipv4Prefix }
  | { kind: 'any'; text: '*' }
  | { kind: 'fqdn'; text: string };

export function parseDestination(text: string): Parsed<Destination> {
  if (text === '*') return ok({ kind: 'any', text: '*' });
  const address = parseIpv4Address(text);
  if (address !== undefined) return ok({ kind: 'address', text, prefix: { base: address, length: 32 } });
  if (text.includes('/')) {
    const prefix = parseIpv4Cidr(text, true);
    if (prefix) return ok({ kind: 'address', text: formatPrefix(prefix), prefix });
    const loose = parseIpv4Cidr(text, false);
    return fail(loose ? `"${text}" has host bits set; did you mean ${formatPrefix(loose)}?` : `"${text}" is not an IPv4 CIDR`);
  }
  if (/^[\d.]+$/.test(text)) return fail(`"${text}" is not an IPv4 address`);
  const fqdn = parseFqdn(text, false);
  return fqdn.ok ? ok({ kind: 'fqdn', text: fqdn.value }) : fail(`"${text}" is not an IPv4 address, CIDR or FQDN`);
}

/** "Everything": what an operator would never open by accident. */
export const isEverywhere = (destination: Destination): boolean =>
  destination.kind === 'any' || (destination.kind === 'address' && destination.prefix.length === 0);
