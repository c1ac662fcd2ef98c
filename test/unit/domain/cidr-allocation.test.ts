import fc from 'fast-check';
import { blockSize, cidrEnd, contains, formatCidr, overlaps, parseCidr, type Cidr } from '../../../lib/domain/cidr';
import {
  allocateBlock, bestFitCandidates, freeBlocks, InvalidAllocationRequestError, PoolExhaustedError, poolUsage, remainingCapacity,
} from '../../../lib/domain/cidr-allocation';
import { OccupancyBitmap } from '../../../lib/domain/cidr-bitmap';

const c = (t: string): Cidr => parseCidr(t, { strict: true });
const f = (x: Cidr): string => formatCidr(x);

describe('allocateBlock (best fit)', () => {
  it('serves an empty pool from its lowest address', () => {
    expect(f(allocateBlock({ supernet: c('10.99.0.0/16'), used: [], prefixLength: 29 }))).toBe('10.99.0.0/29');
  });

  it('prefers the smallest free region that fits over a lower, larger one', () => {
    // Free: 10.99.0.0/25 (big, lowest) and a /29 hole at 10.99.0.200: the hole wins.
    const used = [c('10.99.0.128/26'), c('10.99.0.192/29'), c('10.99.0.208/28'), c('10.99.0.224/27')];
    expect(f(allocateBlock({ supernet: c('10.99.0.0/24'), used, prefixLength: 29 }))).toBe('10.99.0.200/29');
  });

  it('breaks ties by the lowest address and carves from the start of the chosen region', () => {
    const used = [c('10.99.0.0/28'), c('10.99.0.32/28'), c('10.99.0.64/26'), c('10.99.0.128/25')];
    // Two free /28s (10.99.0.16, 10.99.0.48): the lower one, its first /29.
    expect(f(allocateBlock({ supernet: c('10.99.0.0/24'), used, prefixLength: 29 }))).toBe('10.99.0.16/29');
  });

  it('never hands out reserved space, even when reserved blocks lie partly outside the supernet', () => {
    const reserved = [c('10.98.0.0/15')]; // covers 10.98.0.0 - 10.99.255.255
    expect(() => allocateBlock({ supernet: c('10.99.0.0/24'), used: [], reserved, prefixLength: 29 })).toThrow(PoolExhaustedError);
    expect(f(allocateBlock({ supernet: c('10.99.0.0/24'), used: [], reserved: [c('10.99.0.0/29')], prefixLength: 29 }))).toBe('10.99.0.8/29');
  });

  it('names the field when the request is impossible', () => {
    expect(() => allocateBlock({ supernet: c('10.99.0.0/24'), used: [], prefixLength: 23 })).toThrow(InvalidAllocationRequestError);
    expect(() => allocateBlock({ supernet: c('10.99.0.0/24'), used: [], prefixLength: 23 })).toThrow(/^prefixLength: must be an integer 24\.\.32/);
    expect(() => allocateBlock({ supernet: { start: 5, prefixLength: 24 }, used: [], prefixLength: 29 })).toThrow(/^supernet:/);
  });

  it('reports the counts when exhausted', () => {
    const supernet = c('10.99.0.0/24');
    const used = [c('10.99.0.0/25'), c('10.99.0.128/26'), c('10.99.0.192/27'), c('10.99.0.224/28'), c('10.99.0.240/29'), c('10.99.0.248/30')];
    let error: unknown;
    try { allocateBlock({ supernet, used, prefixLength: 29 }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(PoolExhaustedError);
    const ex = error as PoolExhaustedError;
    expect(ex.usage.freeAddresses).toBe(4);
    expect(f(ex.usage.largestFree!)).toBe('10.99.0.252/30');
    expect(ex.requestedPrefixLength).toBe(29);
    expect(ex.message).toBe('egress pool 10.99.0.0/24 exhausted: requested a /29 (8 addresses); 4 addresses free, largest free block /30 (10.99.0.252/30)');
  });

  it('a /24 gives exactly 32 /29s, then the error', () => {
    const supernet = c('10.99.0.0/24');
    const used: Cidr[] = [];
    for (let i = 0; i < 32; i++) used.push(allocateBlock({ supernet, used, prefixLength: 29 }));
    expect(new Set(used.map(f)).size).toBe(32);
    expect(() => allocateBlock({ supernet, used, prefixLength: 29 })).toThrow(/0 addresses free, largest free block none/);
  });

  it('lists further candidates for a caller that lost a race', () => {
    const cands = bestFitCandidates({ supernet: c('10.99.0.0/24'), used: [c('10.99.0.0/29')], prefixLength: 29 }, 3);
    expect(cands.map(f)).toEqual(['10.99.0.8/29', '10.99.0.16/29', '10.99.0.32/29']);
  });
});

describe('allocation properties', () => {
  // Random mixes of request sizes against random supernets, with random reserved blocks and releases.
  const scenario = fc.record({
    supernetLength: fc.integer({ min: 20, max: 26 }),
    base: fc.integer({ min: 0, max: 2 ** 12 - 1 }),
    reservedOffsets: fc.array(fc.record({ offset: fc.nat(), length: fc.integer({ min: 26, max: 32 }) }), { maxLength: 3 }),
    ops: fc.array(fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const), prefixLength: fc.integer({ min: 27, max: 31 }) }),
      fc.record({ kind: fc.constant('free' as const), index: fc.nat() }),
    ), { maxLength: 80 }),
  });

  it('never overlaps, always aligned, always inside the supernet and never on reserved space', () => {
    fc.assert(fc.property(scenario, (s) => {
      const size = blockSize(s.supernetLength);
      const supernet: Cidr = { start: (s.base * size) % 2 ** 32, prefixLength: s.supernetLength };
      const reserved = s.reservedOffsets.map(({ offset, length }) => {
        const bs = blockSize(length);
        return { start: supernet.start + (Math.floor((offset % size) / bs) * bs) % size, prefixLength: length };
      });
      const used: Cidr[] = [];
      for (const op of s.ops) {
        if (op.kind === 'free') { if (used.length) used.splice(op.index % used.length, 1); continue; }
        let got: Cidr;
        try { got = allocateBlock({ supernet, used, reserved, prefixLength: op.prefixLength }); } catch (e) {
          expect(e).toBeInstanceOf(PoolExhaustedError);
          // Exhaustion is only reported when no aligned free block of that size remains.
          expect(remainingCapacity(supernet, [...used, ...reserved], op.prefixLength)).toBe(0);
          continue;
        }
        expect(got.prefixLength).toBe(op.prefixLength);
        expect(got.start % blockSize(got.prefixLength)).toBe(0);
        expect(contains(supernet, got)).toBe(true);
        for (const other of [...used, ...reserved]) expect(overlaps(got, other)).toBe(false);
        used.push(got);
      }
    }), { numRuns: 150 });
  });

  it('exhausts exactly at the theoretical count for uniform requests', () => {
    fc.assert(fc.property(fc.integer({ min: 22, max: 28 }), fc.integer({ min: 0, max: 4 }), (supernetLength, extra) => {
      const prefixLength = Math.min(31, supernetLength + extra);
      const supernet: Cidr = { start: 10 * 2 ** 24, prefixLength: supernetLength };
      const expected = 2 ** (prefixLength - supernetLength);
      const used: Cidr[] = [];
      for (let i = 0; i < expected; i++) used.push(allocateBlock({ supernet, used, prefixLength }));
      expect(() => allocateBlock({ supernet, used, prefixLength })).toThrow(PoolExhaustedError);
      expect(poolUsage(supernet, used).freeAddresses).toBe(0);
    }), { numRuns: 30 });
  });

  it('best fit keeps large regions whole: after any frees, a request never splits a larger region while a fitting smaller one exists', () => {
    fc.assert(fc.property(fc.array(fc.nat(63), { maxLength: 40 }), (frees) => {
      const supernet = c('10.99.0.0/24');
      const all: Cidr[] = [];
      for (let i = 0; i < 64; i++) all.push(allocateBlock({ supernet, used: all, prefixLength: 30 }));
      const freed = new Set(frees);
      const used = all.filter((_, i) => !freed.has(i));
      if (used.length === all.length) return;
      const got = allocateBlock({ supernet, used, prefixLength: 30 });
      const smallestFitting = Math.max(...freeBlocks(supernet, used).map((b) => b.prefixLength));
      const region = freeBlocks(supernet, used).find((b) => contains(b, got))!;
      expect(region.prefixLength).toBe(smallestFitting);
      expect(cidrEnd(got)).toBeLessThanOrEqual(cidrEnd(region));
    }));
  });
});

describe('OccupancyBitmap', () => {
  it('round-trips taken blocks and counts addresses', () => {
    const supernet = c('10.99.0.0/16');
    let map = OccupancyBitmap.empty(supernet);
    expect(OccupancyBitmap.byteLength(supernet)).toBe(4096);
    map = map.with(c('10.99.0.8/29'), true).with(c('10.99.0.16/28'), true).with(c('10.99.200.0/31'), true);
    expect(map.takenBlocks().map(f)).toEqual(['10.99.0.8/29', '10.99.0.16/28', '10.99.200.0/31']);
    expect(map.takenAddresses()).toBe(26);
    expect(map.anyTaken(c('10.99.0.0/28'))).toBe(true);
    expect(map.anyTaken(c('10.99.0.0/29'))).toBe(false);
    map = map.with(c('10.99.0.16/28'), false);
    expect(OccupancyBitmap.fromBytes(supernet, map.toBytes()).takenBlocks().map(f)).toEqual(['10.99.0.8/29', '10.99.200.0/31']);
  });

  it('agrees with the block list it was built from', () => {
    fc.assert(fc.property(fc.array(fc.record({ unit: fc.nat(1023), length: fc.integer({ min: 24, max: 31 }) }), { maxLength: 30 }), (blocks) => {
      const supernet = c('10.99.0.0/21');
      let map = OccupancyBitmap.empty(supernet);
      const list: Cidr[] = [];
      for (const { unit, length } of blocks) {
        const bs = blockSize(length);
        const block = { start: supernet.start + Math.floor((unit * 2) / bs) * bs, prefixLength: length };
        map = map.with(block, true);
        list.push(block);
      }
      expect(poolUsage(supernet, map.takenBlocks())).toEqual(poolUsage(supernet, list));
    }));
  });

  it('refuses supernets too large for one row and blocks outside or smaller than a /31', () => {
    expect(() => OccupancyBitmap.empty(c('10.0.0.0/8'))).toThrow(/prefix length must be 12\.\.31/);
    expect(() => OccupancyBitmap.empty(c('10.99.0.0/24')).with(c('10.98.0.0/29'), true)).toThrow(/not a \/31-or-larger block inside/);
    expect(() => OccupancyBitmap.empty(c('10.99.0.0/24')).with(c('10.99.0.1/32'), true)).toThrow(RangeError);
  });
});
