import type { PeerRoute } from '@azure/arm-network';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expectedRoutes, matchLearnedRoutes, routesInside, type ConnectionRoutes } from '../../../lib/domain/expected-routes';

const route = (network: string, localAddress: string, sourcePeer = '10.1.0.4'): PeerRoute => ({
  asPath: '63400',
  localAddress,
  network,
  nextHop: sourcePeer,
  origin: 'EBgp',
  sourcePeer,
  weight: 32768,
});
/** One connection's result with the same networks on both instances, as in the walkthrough output. */
const bothInstances = (connection: string, networks: string[], sourcePeer = '10.1.0.4'): ConnectionRoutes => ({
  connection,
  routes: {
    RouteServiceRole_IN_0: networks.map((n) => route(n, '10.0.1.5', sourcePeer)),
    RouteServiceRole_IN_1: networks.map((n) => route(n, '10.0.1.4', sourcePeer)),
  },
});
const tenant0 = { tenant: 'spoke1-aks/tenant0', cidr: '10.99.0.0/29', replicas: 2 };

describe('expectedRoutes', () => {
  it('lists every /31 candidate and how many must be learned', () => {
    expect(expectedRoutes(tenant0)).toEqual({
      tenant: 'spoke1-aks/tenant0',
      cidr: '10.99.0.0/29',
      candidates: ['10.99.0.0/31', '10.99.0.2/31', '10.99.0.4/31', '10.99.0.6/31'],
      required: 2,
    });
    expect(() => expectedRoutes({ ...tenant0, replicas: 5 })).toThrow(/exceed the 4/);
    expect(() => expectedRoutes({ ...tenant0, cidr: '10.99.0.0/32' })).toThrow(/cidr/);
  });
});

describe('matchLearnedRoutes', () => {
  it('accepts any two distinct /31s of the tenant, learned on both instances (across connections)', () => {
    const report = matchLearnedRoutes({
      supernet: '10.99.0.0/16',
      tenants: [tenant0],
      learned: [bothInstances('spoke-rs-bgpconnection-peer-1', ['10.99.0.2/31']), bothInstances('spoke-rs-bgpconnection-peer-2', ['10.99.0.6/31', '10.99.0.2/31'], '10.1.0.5')],
    });
    expect(report.complete).toBe(true);
    expect(report.tenants['spoke1-aks/tenant0']!.instances.RouteServiceRole_IN_0).toEqual({ learned: ['10.99.0.2/31', '10.99.0.6/31'], missing: 0 });
    expect(report.instances.RouteServiceRole_IN_1).toEqual({ learned: 2, expected: 2, missing: 0, unexpected: [] });
    expect([report.learned, report.expected]).toEqual([4, 4]);
  });

  it('reports the walkthrough state (one gateway up) as one missing per instance', () => {
    const report = matchLearnedRoutes({ supernet: '10.99.0.0/16', tenants: [tenant0], learned: [bothInstances('peer-1', ['10.99.0.2/31'])] });
    expect(report.complete).toBe(false);
    expect(report.instances.RouteServiceRole_IN_0).toMatchObject({ learned: 1, expected: 2, missing: 1 });
    expect(report.instances.RouteServiceRole_IN_1).toMatchObject({ learned: 1, expected: 2, missing: 1 });
  });

  it('requires both instances: a route learned on one only is still missing on the other', () => {
    const oneSided: ConnectionRoutes = { connection: 'peer-1', routes: { RouteServiceRole_IN_0: [route('10.99.0.0/31', '10.0.1.5'), route('10.99.0.2/31', '10.0.1.5')] } };
    const report = matchLearnedRoutes({ supernet: '10.99.0.0/16', tenants: [tenant0], learned: [oneSided] });
    expect(report.tenants['spoke1-aks/tenant0']!.instances).toEqual({
      RouteServiceRole_IN_0: { learned: ['10.99.0.0/31', '10.99.0.2/31'], missing: 0 },
      RouteServiceRole_IN_1: { learned: [], missing: 2 },
    });
    expect(report.complete).toBe(false);
  });

  it('flags the default pod pool leaking, routes of no tenant, and wrong prefix lengths', () => {
    const report = matchLearnedRoutes({
      supernet: '10.99.0.0/16',
      tenants: [tenant0],
      learned: [bothInstances('peer-1', ['10.99.0.0/31', '10.99.0.2/31', '192.168.12.64/26', '10.99.1.0/31', '10.99.0.4/32', 'garbage'])],
    });
    expect(report.complete).toBe(true);
    expect(report.instances.RouteServiceRole_IN_0!.unexpected.map((u) => [u.network, u.reason])).toEqual([
      ['192.168.12.64/26', 'outside-supernet'],
      ['10.99.1.0/31', 'no-tenant'],
      ['10.99.0.4/32', 'not-a-/31'],
      ['garbage', 'unparseable'],
    ]);
    expect(report.unexpected).toHaveLength(8);
    expect(report.unexpected[0]).toEqual({ instance: 'RouteServiceRole_IN_0', network: '192.168.12.64/26', reason: 'outside-supernet', connection: 'peer-1', sourcePeer: '10.1.0.4' });
  });

  it('is complete exactly when every tenant has its replicas on both instances (property)', () => {
    const tenantArb = fc.record({ slot: fc.integer({ min: 0, max: 8000 }), prefixLength: fc.integer({ min: 26, max: 30 }), replicas: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(fc.uniqueArray(tenantArb, { minLength: 1, maxLength: 6, selector: (t) => t.slot }), fc.nat(), fc.boolean(), (specs, seed, dropOne) => {
        // Non-overlapping CIDRs: slot k is the k-th /26 of 10.99.0.0/16; the tenant takes its first /prefixLength.
        const tenants = specs.map((s, i) => {
          const base = (s.slot % 1024) * 64;
          return { tenant: `c/t${i}`, cidr: `10.99.${Math.floor(base / 256)}.${base % 256}/${s.prefixLength}`, replicas: Math.min(s.replicas, 2 ** (31 - s.prefixLength) - 1) };
        });
        fc.pre(new Set(tenants.map((t) => t.cidr.split('/')[0])).size === tenants.length);
        const chosen = tenants.flatMap((t) => {
          const { candidates } = expectedRoutes(t);
          const start = seed % candidates.length;
          return Array.from({ length: t.replicas }, (_, k) => candidates[(start + k) % candidates.length]!);
        });
        const networks = dropOne ? chosen.slice(1) : chosen;
        const report = matchLearnedRoutes({ supernet: '10.99.0.0/16', tenants, learned: [bothInstances('p', networks)] });
        expect(report.complete).toBe(!dropOne);
        expect(report.unexpected).toEqual([]);
        expect(report.instances.RouteServiceRole_IN_0!.missing).toBe(dropOne ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('against the reference data', () => {
  const shared = path.resolve(__dirname, '../../../../shared/reference');
  it('reads the official learned-routes response shape (a foreign /16 is flagged, once per instance)', () => {
    const example = JSON.parse(readFileSync(path.join(shared, 'azure/examples/network/VirtualRouterPeerListLearnedRoute.json'), 'utf8'));
    const report = matchLearnedRoutes({ supernet: '10.99.0.0/16', tenants: [tenant0], learned: [{ connection: 'peer1', routes: example.responses['200'].body }] });
    expect(report.unexpected.map((u) => [u.instance, u.network, u.reason])).toEqual([
      ['RouteServiceRole_IN_0', '10.101.0.0/16', 'outside-supernet'],
      ['RouteServiceRole_IN_1', '10.101.0.0/16', 'outside-supernet'],
    ]);
    expect(report.instances.RouteServiceRole_IN_0).toMatchObject({ learned: 0, missing: 2 });
  });
  it('reads the walkthrough output after disableBGPExport: tenant0 has 1 of its 2 gateways learned', () => {
    const text = readFileSync(path.join(shared, 'seed-walkthrough.md'), 'utf8');
    const json = /```sh\n(\{\n  "RouteServiceRole_IN_0"[\s\S]*?\n\})\n```/.exec(text)![1]!;
    const report = matchLearnedRoutes({ supernet: '10.99.0.0/16', tenants: [tenant0], learned: [{ connection: 'spoke-rs-bgpconnection-peer-1', routes: JSON.parse(json) }] });
    expect(report.tenants['spoke1-aks/tenant0']!.instances).toEqual({
      RouteServiceRole_IN_0: { learned: ['10.99.0.2/31'], missing: 1 },
      RouteServiceRole_IN_1: { learned: ['10.99.0.2/31'], missing: 1 },
    });
    expect(report.unexpected).toEqual([]);
  });
});

describe('routesInside', () => {
  it('lists what is still routed inside a released CIDR', () => {
    const learned = [bothInstances('p', ['10.99.0.2/31', '10.99.0.8/31'])];
    expect(routesInside('10.99.0.0/29', learned)).toEqual([
      { instance: 'RouteServiceRole_IN_0', network: '10.99.0.2/31', connection: 'p' },
      { instance: 'RouteServiceRole_IN_1', network: '10.99.0.2/31', connection: 'p' },
    ]);
    expect(routesInside('10.99.1.0/29', learned)).toEqual([]);
  });
});
