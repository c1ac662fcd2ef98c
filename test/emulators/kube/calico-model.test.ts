/** The Calico twin's pure parts: selector language, IPAM blocks, BGP export rules. */
import fc from 'fast-check';
import { parseCalicoSelector } from '../../../local/emulators/kube/calico-twin/selector';
import { cidrContains, Ipam } from '../../../local/emulators/kube/calico-twin/ipam';
import { computeBgpSessions, type BgpInput } from '../../../local/emulators/kube/calico-twin/bgp';

describe('Calico selectors', () => {
  const labels = { 'route-reflector': 'true', zone: '2', 'kubernetes.io/os': 'linux' };
  it.each([
    ['all()', true], ['!all()', false], ["route-reflector == 'true'", true], ["route-reflector != 'true'", false],
    ['has(zone)', true], ['!has(missing)', true], ["zone in {'1', '2'}", true], ["zone not in {'1','2'}", false],
    ["kubernetes.io/os == 'linux' && zone == '3'", false], ["zone == '3' || has(route-reflector)", true], ["!(zone == '2')", false],
    ["zone starts with '2'", true], ["kubernetes.io/os contains 'nu'", true], ['global()', true],
  ])('%s → %s', (selector, expected) => {
    expect(parseCalicoSelector(selector)(labels)).toBe(expected);
  });
  it('names the problem in a broken selector', () => {
    expect(() => parseCalicoSelector("zone == '2")).toThrow(/unterminated string/);
    expect(() => parseCalicoSelector('zone ==')).toThrow(/quoted value/);
  });
});

describe('IPAM', () => {
  const pool = { name: 'p', cidr: '10.99.0.0/29', blockSize: 31, disabled: false };
  it('gives each node its own /31 block and a second pod on a node the block\'s other address', () => {
    const ipam = new Ipam();
    expect(ipam.assign(pool, 'n1', 'a')).toBe('10.99.0.0');
    expect(ipam.assign(pool, 'n2', 'b')).toBe('10.99.0.2');
    expect(ipam.assign(pool, 'n1', 'c')).toBe('10.99.0.1');
    expect(ipam.blockList().map((b) => [b.cidr, b.node])).toEqual([['10.99.0.0/31', 'n1'], ['10.99.0.2/31', 'n2']]);
    ipam.release('b');
    expect(ipam.blockList().map((b) => b.cidr)).toEqual(['10.99.0.0/31']);
  });

  it('borrows from another node\'s block when no block is free, unless strictAffinity', () => {
    const one = { ...pool, cidr: '10.99.0.0/31' };
    const ipam = new Ipam();
    expect(ipam.assign(one, 'n1', 'a')).toBe('10.99.0.0');
    expect(ipam.assign(one, 'n2', 'b')).toBe('10.99.0.1');
    expect(ipam.blockList()).toEqual([{ cidr: '10.99.0.0/31', pool: 'p', node: 'n1', allocations: { '10.99.0.0': 'a', '10.99.0.1': 'b' }, borrowed: [{ ip: '10.99.0.1', node: 'n2' }] }]);
    const strict = new Ipam(true);
    strict.assign(one, 'n1', 'a');
    expect(strict.assign(one, 'n2', 'b')).toBeUndefined();
  });

  it('property (strictAffinity): addresses are unique, inside the pool, in a block affine to the requesting node', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('n1', 'n2', 'n3'), fc.boolean()), { maxLength: 40 }), (ops) => {
      const ipam = new Ipam(true);
      const live = new Map<string, { ip: string; node: string }>();
      ops.forEach(([node, release], i) => {
        if (release && live.size > 0) {
          const [handle] = live.keys();
          ipam.release(handle!);
          live.delete(handle!);
          return;
        }
        const ip = ipam.assign(pool, node, `h${i}`);
        if (ip) live.set(`h${i}`, { ip, node });
      });
      const ips = [...live.values()].map((v) => v.ip);
      expect(new Set(ips).size).toBe(ips.length);
      for (const { ip, node } of live.values()) {
        expect(cidrContains(pool.cidr, `${ip}/32`)).toBe(true);
        const block = ipam.blockList().find((b) => cidrContains(b.cidr, `${ip}/32`));
        expect(block?.node).toBe(node);
      }
    }));
  });
});

describe('BGP export', () => {
  const base: BgpInput = {
    asNumber: 63400, nodeToNodeMeshEnabled: false,
    nodes: [{ name: 'a', ip: '10.1.0.4', labels: { rr: 'true' } }, { name: 'b', ip: '10.1.0.5', labels: {} }],
    peers: [
      { name: 'rr', nodeSelector: 'all()', peerSelector: "rr == 'true'" },
      { name: 'ars', peerIP: '10.0.1.4', asNumber: 65515, nodeSelector: "rr == 'true'", keepOriginalNextHop: true, filters: ['f'] },
    ],
    pools: [{ name: 'egw', cidr: '10.99.0.0/29', disableBGPExport: false }, { name: 'default', cidr: '10.244.0.0/16', disableBGPExport: false }],
    blocks: [{ cidr: '10.99.0.0/31', pool: 'egw', node: 'b' }, { cidr: '10.244.0.0/26', pool: 'default', node: 'a' }, { cidr: '10.244.0.64/26', pool: 'default', node: 'b' }],
    filters: {},
  };
  const prefixes = (input: BgpInput): string[] => computeBgpSessions(input).flatMap((s) => s.routes.map((r) => r.prefix));

  it('a route reflector advertises its clients\' blocks with their next hop', () => {
    expect(computeBgpSessions(base)[0]!.routes).toEqual([
      { prefix: '10.99.0.0/31', nextHop: '10.1.0.5', asPath: '63400' },
      { prefix: '10.244.0.0/26', nextHop: '10.1.0.4', asPath: '63400' },
      { prefix: '10.244.0.64/26', nextHop: '10.1.0.5', asPath: '63400' },
    ]);
  });

  it('without keepOriginalNextHop the advertising node is the next hop', () => {
    const input = { ...base, peers: base.peers.map((p) => ({ ...p, keepOriginalNextHop: false })) };
    expect(new Set(computeBgpSessions(input)[0]!.routes.map((r) => r.nextHop))).toEqual(new Set(['10.1.0.4']));
  });

  it.each([
    [[{ action: 'Reject', matchOperator: 'NotIn', cidr: '10.99.0.0/16' }], ['10.99.0.0/31']],
    [[{ action: 'Reject', matchOperator: 'In', cidr: '10.99.0.0/16' }], ['10.244.0.0/26', '10.244.0.64/26']],
    [[{ action: 'Accept', matchOperator: 'Equal', cidr: '10.244.0.0/26' }, { action: 'Reject' }], ['10.244.0.0/26']],
    [[{ action: 'Reject', matchOperator: 'NotEqual', cidr: '10.244.0.0/26' }], ['10.244.0.0/26']],
    [[{ action: 'Reject', cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { min: 27 } }], ['10.244.0.0/26', '10.244.0.64/26']],
  ])('filter %j keeps %j', (rules, kept) => {
    expect(prefixes({ ...base, filters: { f: rules } })).toEqual(kept);
  });

  it('a peer with its own localASNumber sees that AS in the path; a same-AS peer an empty path', () => {
    const peers = (extra: object) => [base.peers[0]!, { ...base.peers[1]!, ...extra }];
    expect(computeBgpSessions({ ...base, peers: peers({ localASNumber: 64000 }) })[0]!.routes[0]!.asPath).toBe('64000');
    expect(computeBgpSessions({ ...base, peers: peers({ asNumber: 63400 }) })[0]!.routes[0]!.asPath).toBe('');
  });

  it('a filter the peer does not list has no effect; disableBGPExport drops a pool', () => {
    expect(prefixes({ ...base, filters: { other: [{ action: 'Reject' }] } })).toHaveLength(3);
    expect(prefixes({ ...base, pools: [base.pools[0]!, { ...base.pools[1]!, disableBGPExport: true }] })).toEqual(['10.99.0.0/31']);
  });

  it('without a peerSelector peering and with the mesh off, a node only knows its own blocks', () => {
    expect(prefixes({ ...base, peers: base.peers.slice(1) })).toEqual(['10.244.0.0/26']);
  });
});
