/**
 * IPv4 prefixes in the `{ base, length }` form the spec, manifests, routes and capacity code use.
 * A thin view over cidr.ts, which owns parsing (ipaddr.js) and the arithmetic: one implementation,
 * two vocabularies (`Cidr { start, prefixLength }` for the allocator, `Ipv4Prefix` here), and
 * "undefined instead of throwing" for callers that collect every problem of an input.
 */
import { addressToNumber, blockSize, CidrParseError, contains, formatCidr, numberToAddress, overlaps, parseCidr, type Cidr } from './cidr';

/** An IPv4 prefix as numbers: `base` is the network address (host bits zero), `length` 0..32. */
export interface Ipv4Prefix {
  readonly base: number;
  readonly length: number;
}

export { numberToAddress };

const toCidr = (p: Ipv4Prefix): Cidr => ({ start: p.base, prefixLength: p.length });

/** Size of a prefix in addresses (2^(32-length)); exact for every length 0..32. */
export const prefixSize = blockSize;

function orUndefined<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CidrParseError) return undefined;
    throw error;
  }
}

/** Parses strict dotted-quad IPv4 (no octal/hex/short forms), or returns undefined. */
export function parseIpv4Address(text: string): number | undefined {
  return orUndefined(() => addressToNumber(text));
}

/**
 * Parses `a.b.c.d/len`. With `requireAligned` the host bits must be zero (`10.99.0.1/29` is refused),
 * which is what Calico and Azure expect for pool and route prefixes.
 */
export function parseIpv4Cidr(text: string, requireAligned = true): Ipv4Prefix | undefined {
  if (text !== text.trim()) return undefined;
  const cidr = orUndefined(() => parseCidr(text, { strict: requireAligned }));
  return cidr && { base: cidr.start, length: cidr.prefixLength };
}

export function formatPrefix(prefix: Ipv4Prefix): string {
  return formatCidr(toCidr(prefix));
}

/** True when `inner` lies entirely inside `outer` (a prefix contains itself). */
export function prefixContains(outer: Ipv4Prefix, inner: Ipv4Prefix): boolean {
  return contains(toCidr(outer), toCidr(inner));
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  return overlaps(toCidr(a), toCidr(b));
}
