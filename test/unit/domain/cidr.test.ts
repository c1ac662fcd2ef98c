import fc from 'fast-check';
import {
  CidrParseError, contains, enumerateAddresses, formatCidr, normaliseCidr, overlaps, parseCidr, rangeToCidrs,
  splitInto31s, subdivide, blockSize, cidrEnd,
} from '../../../lib/domain/cidr';

describe('parseCidr / normaliseCidr', () => {
  it('parses dotted-quad CIDRs into network address numbers', () => {
    expect(parseCidr('10.99.0.0/16')).toEqual({ start: 10 * 2 ** 24 + 99 * 2 ** 16, prefixLength: 16 });
    expect(parseCidr('255.255.255.255/32')).toEqual({ start: 2 ** 32 - 1, prefixLength: 32 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ start: 0, prefixLength: 0 });
  });

  it('clears host bits by default and refuses them when strict', () => {
    expect(normaliseCidr('10.99.0.5/29')).toBe('10.99.0.0/29');
    expect(() => parseCidr('10.99.0.5/29', { strict: true })).toThrow(/host bits set; the block is 10\.99\.0\.0\/29/);
    expect(formatCidr(parseCidr('10.99.0.8/29', { strict: true }))).toBe('10.99.0.8/29');
  });

  it.each([
    ['10.99.0.0', /missing "\/<prefix length>"/],
    ['10.99.0/16', /not dotted-quad/],
    ['010.99.0.0/16', /not dotted-quad/],
    ['0xa.99.0.0/16', /not dotted-quad/],
    ['10.99.0.0/33', /prefix length/],
    ['10.99.0.0/-1', /prefix length/],
    ['10.99.0.0/x', /prefix length/],
    ['fd00::/64', /not dotted-quad/],
  ])('rejects %s, naming the reason', (input, reason) => {
    expect(() => parseCidr(input)).toThrow(CidrParseError);
    expect(() => parseCidr(input)).toThrow(reason);
  });

  it('round-trips every aligned block', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (len, addr) => {
      const start = addr - (addr % blockSize(len));
      const text = formatCidr({ start, prefixLength: len });
      expect(parseCidr(text, { strict: true })).toEqual({ start, prefixLength: len });
    }));
  });
});

describe('contains / overlaps', () => {
  const c = (t: string) => parseCidr(t);
  it('nests and separates blocks', () => {
    expect(contains(c('10.99.0.0/16'), c('10.99.3.8/29'))).toBe(true);
    expect(contains(c('10.99.3.8/29'), c('10.99.3.8/29'))).toBe(true);
    expect(contains(c('10.99.3.8/29'), c('10.99.0.0/16'))).toBe(false);
    expect(contains(c('10.99.0.0/16'), c('10.100.0.0/29'))).toBe(false);
    expect(overlaps(c('10.99.0.0/29'), c('10.99.0.4/30'))).toBe(true);
    expect(overlaps(c('10.99.0.0/29'), c('10.99.0.8/29'))).toBe(false);
    expect(overlaps(c('10.99.0.8/29'), c('10.99.0.0/16'))).toBe(true);
  });
});

describe('splitting and enumerating', () => {
  it('splits a /29 into its four /31 gateway blocks', () => {
    expect(splitInto31s(parseCidr('10.99.0.8/29')).map(formatCidr)).toEqual(['10.99.0.8/31', '10.99.0.10/31', '10.99.0.12/31', '10.99.0.14/31']);
  });
  it('enumerates addresses and refuses impossible splits', () => {
    expect(enumerateAddresses(parseCidr('10.99.0.252/30'))).toEqual(['10.99.0.252', '10.99.0.253', '10.99.0.254', '10.99.0.255']);
    expect(subdivide(parseCidr('10.99.0.0/24'), 26)).toHaveLength(4);
    expect(() => subdivide(parseCidr('10.99.0.0/29'), 28)).toThrow(/need 29\.\.32/);
  });
  it('covers a range exactly with maximal aligned blocks', () => {
    const start = parseCidr('10.99.0.4/32').start;
    expect(rangeToCidrs(start, start + 12).map(formatCidr)).toEqual(['10.99.0.4/30', '10.99.0.8/29']);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 1, max: 5000 }), (s, n) => {
      const blocks = rangeToCidrs(s, s + n);
      let at = s;
      for (const b of blocks) {
        expect(b.start).toBe(at);
        expect(b.start % blockSize(b.prefixLength)).toBe(0);
        at = cidrEnd(b);
      }
      expect(at).toBe(s + n);
    }));
  });
});
