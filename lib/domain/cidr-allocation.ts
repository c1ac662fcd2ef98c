/**
 * Best-fit allocation of aligned tenant blocks from the egress supernet (pure).
 *
 * The free space (supernet minus allocated, quarantined and reserved blocks) is cut into its
 * maximal aligned free blocks; the request is served from the smallest one that fits (lowest
 * address on ties), taking its first aligned sub-block. Large free regions stay whole as long as
 * smaller holes can serve a request, which is what limits fragmentation (buddy-allocator style).
 */
import { blockSize, cidrEnd, formatCidr, rangeToCidrs, type Cidr } from './cidr';

export interface AllocationRequest {
  /** The egress supernet, e.g. 10.99.0.0/16. */
  readonly supernet: Cidr;
  /** Blocks already taken (allocated or quarantined); may be any size, may overlap, may lie partly outside. */
  readonly used: readonly Cidr[];
  /** Blocks never handed out (e.g. EGRESS_RESERVED_CIDRS). Same rules as `used`. */
  readonly reserved?: readonly Cidr[];
  /** Requested prefix length, e.g. 29. */
  readonly prefixLength: number;
}

export interface PoolUsage {
  readonly freeAddresses: number;
  /** The largest maximal aligned free block (lowest on ties), undefined when nothing is free. */
  readonly largestFree: Cidr | undefined;
}

export class PoolExhaustedError extends Error {
  constructor(
    readonly supernet: Cidr,
    readonly requestedPrefixLength: number,
    readonly usage: PoolUsage,
  ) {
    const largest = usage.largestFree ? `/${usage.largestFree.prefixLength} (${formatCidr(usage.largestFree)})` : 'none';
    super(
      `egress pool ${formatCidr(supernet)} exhausted: requested a /${requestedPrefixLength} ` +
        `(${blockSize(requestedPrefixLength)} addresses); ${usage.freeAddresses} addresses free, largest free block ${largest}`,
    );
    this.name = 'PoolExhaustedError';
  }
}

export class InvalidAllocationRequestError extends Error {
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'InvalidAllocationRequestError';
  }
}

/** Sorted, merged [start, end) intervals of the taken space, clipped to the supernet. */
function takenIntervals(supernet: Cidr, blocks: readonly Cidr[]): Array<[number, number]> {
  const lo = supernet.start;
  const hi = cidrEnd(supernet);
  const clipped = blocks
    .map((b): [number, number] => [Math.max(b.start, lo), Math.min(cidrEnd(b), hi)])
    .filter(([s, e]) => s < e)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of clipped) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/** The maximal aligned free blocks of the supernet, in address order. */
export function freeBlocks(supernet: Cidr, taken: readonly Cidr[]): Cidr[] {
  const out: Cidr[] = [];
  let at = supernet.start;
  for (const [s, e] of takenIntervals(supernet, taken)) {
    if (s > at) out.push(...rangeToCidrs(at, s));
    at = Math.max(at, e);
  }
  if (at < cidrEnd(supernet)) out.push(...rangeToCidrs(at, cidrEnd(supernet)));
  return out;
}

export function poolUsage(supernet: Cidr, taken: readonly Cidr[]): PoolUsage {
  let freeAddresses = 0;
  let largestFree: Cidr | undefined;
  for (const block of freeBlocks(supernet, taken)) {
    freeAddresses += blockSize(block.prefixLength);
    if (!largestFree || block.prefixLength < largestFree.prefixLength) largestFree = block;
  }
  return { freeAddresses, largestFree };
}

function validate(request: AllocationRequest): void {
  const { supernet, prefixLength } = request;
  if (!Number.isInteger(supernet.prefixLength) || supernet.prefixLength < 0 || supernet.prefixLength > 32 || supernet.start % blockSize(supernet.prefixLength) !== 0) {
    throw new InvalidAllocationRequestError('supernet', `${formatCidr(supernet)} is not an aligned IPv4 block`);
  }
  if (!Number.isInteger(prefixLength) || prefixLength < supernet.prefixLength || prefixLength > 32) {
    throw new InvalidAllocationRequestError('prefixLength', `must be an integer ${supernet.prefixLength}..32 inside ${formatCidr(supernet)}, got ${prefixLength}`);
  }
}

/**
 * Candidates in best-fit order: for each maximal free block that can hold the request (smallest
 * first, lowest address on ties), its first aligned sub-block of the requested size. A caller that
 * loses a race for the first candidate can try the next without recomputing.
 */
export function bestFitCandidates(request: AllocationRequest, limit = Number.POSITIVE_INFINITY): Cidr[] {
  validate(request);
  const fitting = freeBlocks(request.supernet, [...request.used, ...(request.reserved ?? [])])
    .filter((b) => b.prefixLength <= request.prefixLength)
    .sort((a, b) => b.prefixLength - a.prefixLength || a.start - b.start);
  return fitting.slice(0, limit).map((b) => ({ start: b.start, prefixLength: request.prefixLength }));
}

/** The best-fit aligned free block for the request, or PoolExhaustedError with the counts. */
export function allocateBlock(request: AllocationRequest): Cidr {
  const [best] = bestFitCandidates(request, 1);
  if (best) return best;
  throw new PoolExhaustedError(request.supernet, request.prefixLength, poolUsage(request.supernet, [...request.used, ...(request.reserved ?? [])]));
}

/** How many more blocks of this size fit (each allocated best-fit); the pool's capacity when nothing is used. */
export function remainingCapacity(supernet: Cidr, taken: readonly Cidr[], prefixLength: number): number {
  return freeBlocks(supernet, taken)
    .filter((b) => b.prefixLength <= prefixLength)
    .reduce((n, b) => n + blockSize(b.prefixLength) / blockSize(prefixLength), 0);
}
