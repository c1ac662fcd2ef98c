import { blockOf31 } from '../../../lib/domain/lifecycle/gateway-blocks';

describe('blockOf31', () => {
  it('maps a gateway pod address to the /31 block Route Server learns', () => {
    expect(blockOf31('10.99.0.2')).toBe('10.99.0.2/31');
    expect(blockOf31('10.99.0.3')).toBe('10.99.0.2/31');
    expect(blockOf31('10.99.255.255')).toBe('10.99.255.254/31');
  });
  it('refuses what is not an IPv4 address', () => {
    expect(() => blockOf31('fe80::1')).toThrow(/not an IPv4 address/);
  });
});
