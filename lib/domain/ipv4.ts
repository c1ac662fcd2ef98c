/**
 * Minimal IPv4 prefix helpers shared by the spec, manifests, routes and capacity code.
 * Parsing is delegated to ipaddr.js (a maintained library) so we never hand-roll dotted-quad parsing;
 * only the arithmetic on the resulting 32-bit numbers lives here.
 */
import ipaddr from 'ipaddr.js';

/** An IPv4 prefix as numbers: `base` is the network address (host bits zero), `length` 0..32. */
export interface Ipv4Prefix {
  readonly base: number;
  readonly length: number;
}

function toNumber(address: ipaddr.IPv4): number {
  const [a = 0, b = 0, c = 0, d = 0] = address.octets;
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

export function numberToAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** Size of a prefix in addresses (2^(32-length)); exact for every length 0..32. */
export function prefixSize(length: number): number {
  return 2 ** (32 - length);
}

/** Parses strict dotted-quad IPv4 (no octal/hex/short forms), or returns undefined. */
export function parseIpv4Address(text: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return toNumber(ipaddr.IPv4.parse(text));
}

/**
 * Parses `a.b.c.d/len`. With `requireAligned` the host bits must be zero (`10.99.0.1/29` is refused),
 * which is what Calico and Azure expect for pool and route prefixes.
 */
export function parseIpv4Cidr(text: string, requireAligned = true): Ipv4Prefix | undefined {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4Address(match[1] ?? '');
  const length = Number(match[2]);
  if (address === undefined || length > 32) return undefined;
  const base = maskTo(address, length);
  if (requireAligned && base !== address) return undefined;
  return { base, length };
}

/** Clears host bits. */
export function maskTo(address: number, length: number): number {
  if (length === 0) return 0;
  return (address & (~0 << (32 - length))) >>> 0;
}

export function formatPrefix(prefix: Ipv4Prefix): string {
  return `${numberToAddress(prefix.base)}/${prefix.length}`;
}

/** True when `inner` lies entirely inside `outer` (a prefix contains itself). */
export function prefixContains(outer: Ipv4Prefix, inner: Ipv4Prefix): boolean {
  return inner.length >= outer.length && maskTo(inner.base, outer.length) === outer.base;
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}
