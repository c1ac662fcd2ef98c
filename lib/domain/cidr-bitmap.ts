/**
 * Occupancy of an egress supernet as a bitmap of /31 units (one bit per gateway-sized block), the
 * compact form the registry keeps in one row per pool. Pure: encoding and conversions only.
 */
import { blockSize, cidrEnd, contains, formatCidr, rangeToCidrs, type Cidr } from './cidr';

/** Granularity of the bitmap: a /31 is the smallest block a tenant can hold (one gateway pod). */
export const UNIT_PREFIX_LENGTH = 31;
/** Largest supernet the one-row bitmap supports: a /12 is 2^19 units = 64 KiB. */
export const MIN_SUPERNET_PREFIX_LENGTH = 12;

export class OccupancyBitmap {
  private constructor(readonly supernet: Cidr, private readonly bits: Uint8Array) {}

  static empty(supernet: Cidr): OccupancyBitmap {
    return new OccupancyBitmap(supernet, new Uint8Array(OccupancyBitmap.byteLength(supernet)));
  }

  static fromBytes(supernet: Cidr, bytes: Uint8Array): OccupancyBitmap {
    const expected = OccupancyBitmap.byteLength(supernet);
    if (bytes.length !== expected) {
      throw new RangeError(`occupancy bitmap of ${formatCidr(supernet)} must be ${expected} bytes, got ${bytes.length}`);
    }
    return new OccupancyBitmap(supernet, Uint8Array.from(bytes));
  }

  static byteLength(supernet: Cidr): number {
    if (supernet.prefixLength < MIN_SUPERNET_PREFIX_LENGTH || supernet.prefixLength > UNIT_PREFIX_LENGTH) {
      throw new RangeError(`supernet ${formatCidr(supernet)}: prefix length must be ${MIN_SUPERNET_PREFIX_LENGTH}..${UNIT_PREFIX_LENGTH}`);
    }
    return Math.ceil(blockSize(supernet.prefixLength) / blockSize(UNIT_PREFIX_LENGTH) / 8);
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bits);
  }

  private unitRange(block: Cidr): [number, number] {
    if (block.prefixLength > UNIT_PREFIX_LENGTH || !contains(this.supernet, block)) {
      throw new RangeError(`${formatCidr(block)} is not a /${UNIT_PREFIX_LENGTH}-or-larger block inside ${formatCidr(this.supernet)}`);
    }
    const unit = blockSize(UNIT_PREFIX_LENGTH);
    return [(block.start - this.supernet.start) / unit, (cidrEnd(block) - this.supernet.start) / unit];
  }

  /** Returns a copy with the block's units set (taken) or cleared (free). */
  with(block: Cidr, taken: boolean): OccupancyBitmap {
    const next = new OccupancyBitmap(this.supernet, Uint8Array.from(this.bits));
    const [from, to] = this.unitRange(block);
    for (let u = from; u < to; u++) {
      const byte = u >> 3;
      const mask = 1 << (u & 7);
      next.bits[byte] = taken ? (next.bits[byte] ?? 0) | mask : (next.bits[byte] ?? 0) & ~mask;
    }
    return next;
  }

  /** True when any unit of the block is taken. */
  anyTaken(block: Cidr): boolean {
    const [from, to] = this.unitRange(block);
    for (let u = from; u < to; u++) if (((this.bits[u >> 3] ?? 0) >> (u & 7)) & 1) return true;
    return false;
  }

  /** Taken space as maximal aligned blocks (runs of set bits, cut into CIDRs), in address order. */
  takenBlocks(): Cidr[] {
    const unit = blockSize(UNIT_PREFIX_LENGTH);
    const units = blockSize(this.supernet.prefixLength) / unit;
    const out: Cidr[] = [];
    let runStart = -1;
    for (let u = 0; u < units; u++) {
      const byte = this.bits[u >> 3] ?? 0;
      // Whole bytes of one kind are skipped at once: the scan is 8 units per step on a quiet pool.
      if ((u & 7) === 0 && u + 8 <= units && (byte === 0 || byte === 255)) {
        if (byte === 255 && runStart < 0) runStart = u;
        if (byte === 0 && runStart >= 0) {
          out.push(...rangeToCidrs(this.supernet.start + runStart * unit, this.supernet.start + u * unit));
          runStart = -1;
        }
        u += 7;
        continue;
      }
      const taken = (byte >> (u & 7)) & 1;
      if (taken && runStart < 0) runStart = u;
      if (!taken && runStart >= 0) {
        out.push(...rangeToCidrs(this.supernet.start + runStart * unit, this.supernet.start + u * unit));
        runStart = -1;
      }
    }
    if (runStart >= 0) out.push(...rangeToCidrs(this.supernet.start + runStart * unit, this.supernet.start + units * unit));
    return out;
  }

  takenAddresses(): number {
    let count = 0;
    for (const byte of this.bits) {
      let b = byte;
      while (b) {
        count += b & 1;
        b >>= 1;
      }
    }
    return count * blockSize(UNIT_PREFIX_LENGTH);
  }
}
