/**
 * IPv4 CIDR blocks as numbers, for the allocator and the registry.
 * Parsing is ipaddr.js's (strict four-part decimal, no octal/hex/short forms); only arithmetic
 * on the resulting 32-bit unsigned numbers lives here. IPv4 only: the egress supernet, Calico
 * egress IP pools and the Route Server routes of the reference design are all IPv4.
 */
import ipaddr from 'ipaddr.js';

/** An aligned IPv4 block: `start` is the network address as an unsigned 32-bit number. */
export interface Cidr {
  readonly start: number;
  readonly prefixLength: number;
}

export class CidrParseError extends Error {
  constructor(readonly input: string, readonly reason: string) {
    super(`invalid CIDR "${input}": ${reason}`);
    this.name = 'CidrParseError';
  }
}

/** Number of addresses in a block of this prefix length (exact for 0..32). */
export function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/** One past the last address of the block. */
export function cidrEnd(cidr: Cidr): number {
  return cidr.start + blockSize(cidr.prefixLength);
}

export function addressToNumber(text: string): number {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) throw new CidrParseError(text, 'not a dotted-quad IPv4 address');
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(text).toByteArray();
  return a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d;
}

export function numberToAddress(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 32) throw new RangeError(`not an IPv4 address number: ${value}`);
  return ipaddr.fromByteArray([24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256)).toString();
}

export interface ParseCidrOptions {
  /** Refuse host bits (`10.99.0.1/29`) instead of normalising them away. Default false. */
  readonly strict?: boolean;
}

/**
 * Parses `a.b.c.d/len` (IPv4). By default host bits are cleared (`10.99.0.5/29` → `10.99.0.0/29`);
 * with `strict` they are an error, which is what Calico and Azure expect of pool and route prefixes.
 */
export function parseCidr(text: string, options: ParseCidrOptions = {}): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0) throw new CidrParseError(text, 'missing "/<prefix length>"');
  const address = trimmed.slice(0, slash);
  if (!ipaddr.IPv4.isValidFourPartDecimal(address)) throw new CidrParseError(text, 'address is not dotted-quad IPv4');
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(trimmed)) throw new CidrParseError(text, 'prefix length must be an integer 0..32');
  const [, prefixLength] = ipaddr.IPv4.parseCIDR(trimmed);
  const start = addressToNumber(ipaddr.IPv4.networkAddressFromCIDR(trimmed).toString());
  if (options.strict && start !== addressToNumber(address)) {
    throw new CidrParseError(text, `host bits set; the block is ${formatCidr({ start, prefixLength })}`);
  }
  return { start, prefixLength };
}

/** Canonical text form, e.g. `10.99.0.0/29`. */
export function formatCidr(cidr: Cidr): string {
  return `${numberToAddress(cidr.start)}/${cidr.prefixLength}`;
}

/** Parses and prints back: `10.99.0.5/29` → `10.99.0.0/29`. */
export function normaliseCidr(text: string): string {
  return formatCidr(parseCidr(text));
}

export function isAligned(start: number, prefixLength: number): boolean {
  return start % blockSize(prefixLength) === 0;
}

/** True when `inner` lies entirely inside `outer` (a block contains itself). */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.start >= outer.start && cidrEnd(inner) <= cidrEnd(outer);
}

/** True when the blocks share at least one address (aligned blocks overlap only by nesting). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start < cidrEnd(b) && b.start < cidrEnd(a);
}

/** The aligned sub-blocks of `cidr` with the given (longer or equal) prefix length, in address order. */
export function subdivide(cidr: Cidr, prefixLength: number): Cidr[] {
  if (!Number.isInteger(prefixLength) || prefixLength < cidr.prefixLength || prefixLength > 32) {
    throw new RangeError(`cannot split ${formatCidr(cidr)} into /${prefixLength} blocks: need ${cidr.prefixLength}..32`);
  }
  const step = blockSize(prefixLength);
  const out: Cidr[] = [];
  for (let start = cidr.start; start < cidrEnd(cidr); start += step) out.push({ start, prefixLength });
  return out;
}

/** The `/31` blocks of a tenant pool: one per gateway pod (Calico `blockSize: 31`). */
export function splitInto31s(cidr: Cidr): Cidr[] {
  return subdivide(cidr, 31);
}

/** Every address of the block, in order (meant for small blocks: a /29 has 8). */
export function enumerateAddresses(cidr: Cidr): string[] {
  return subdivide(cidr, 32).map((block) => numberToAddress(block.start));
}

/**
 * The minimal list of aligned blocks that exactly covers the address range [start, end)
 * (each one maximal: no aligned block inside the range is larger).
 */
export function rangeToCidrs(start: number, end: number): Cidr[] {
  const out: Cidr[] = [];
  let at = start;
  while (at < end) {
    let prefixLength = 32;
    // Grow while the next larger block stays aligned and inside the range.
    while (prefixLength > 0 && isAligned(at, prefixLength - 1) && at + blockSize(prefixLength - 1) <= end) prefixLength -= 1;
    out.push({ start: at, prefixLength });
    at += blockSize(prefixLength);
  }
  return out;
}
