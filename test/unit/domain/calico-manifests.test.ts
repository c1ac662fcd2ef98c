import fc from 'fast-check';
import {
  blocksOutsidePool,
  clusterObjectsInApplyOrder,
  ipPoolProblems,
  renderClusterManifests,
  renderTenantManifests,
  tenantObjectsInApplyOrder,
  tenantPoolProblems,
  type TenantManifestInput,
} from '../../../lib/domain/calico-manifests';
import { parseIpv4Cidr } from '../../../lib/domain/ipv4';
import { evaluateCelRules } from '../../../local/emulators/kube/validation/cel-rules';
import { crdSchema, knownKinds, validateCustomResource } from '../../support/crd-validator';

/** The CRDs' x-kubernetes-validations (CEL) rules, evaluated by the Kubernetes emulator's evaluator. */
const celCauses = (object: { apiVersion: string; kind: string }) =>
  evaluateCelRules(crdSchema(object.apiVersion, object.kind) as never, object as never, undefined);

const tenant0: TenantManifestInput = {
  spec: { name: 'tenant0', cluster: 'spoke1-aks', namespaces: ['default', 'shop'], gateway: { replicas: 2, prefixLength: 29 } },
  cidr: '10.99.0.0/29',
};
/** The walkthrough's policy: the local 10/8 direct, one chosen range via the gateway, the rest via the gateway. */
const walkthroughPolicy = (rules = [
  { destination: '10.99.0.0/16', via: 'gateway' as const },
  { destination: '10.0.0.0/8', via: 'direct' as const },
]): TenantManifestInput => ({ ...tenant0, spec: { ...tenant0.spec, gateway: { ...tenant0.spec.gateway, steering: { mode: 'policy', rules } } } });
const cluster = {
  calicoAsn: 63400,
  routeServerAsn: 65515,
  routeServerIps: ['10.0.1.4', '10.0.1.5'] as const,
  subnetGateway: '10.1.0.1',
  egressSupernet: '10.99.0.0/16',
};
const expectValid = (object: unknown) => expect(validateCustomResource(object)).toEqual({ valid: true, errors: [] });

describe('tenant manifests', () => {
  const m = renderTenantManifests(tenant0);

  it('match the reference walkthrough values', () => {
    expect(m.namespace.metadata.name).toBe('tenant0-egw');
    expect(m.ipPool.metadata.name).toBe('tenant0-pool');
    expect(m.ipPool.spec).toEqual({
      cidr: '10.99.0.0/29',
      blockSize: 31,
      nodeSelector: '!all()',
      vxlanMode: 'Never',
      ipipMode: 'Never',
      natOutgoing: false,
      disableBGPExport: false,
    });
    expect(m.egressGateway.metadata).toMatchObject({ name: 'tenant0-egw', namespace: 'tenant0-egw' });
    expect(m.egressGateway.spec).toEqual({
      logSeverity: 'Info',
      replicas: 2,
      ipPools: [{ name: 'tenant0-pool' }],
      template: {
        metadata: { labels: { tenant: 'tenant0-egw' } },
        spec: {
          terminationGracePeriodSeconds: 0,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { tenant: 'tenant0-egw' } } },
          ],
        },
      },
    });
    expect(m.namespaceAnnotations).toEqual(
      ['default', 'shop'].map((namespace) => ({
        namespace,
        annotations: {
          'egress.projectcalico.org/namespaceSelector': "projectcalico.org/name == 'tenant0-egw'",
          'egress.projectcalico.org/selector': "tenant == 'tenant0-egw'",
        },
      })),
    );
  });

  it('validate against the real CRD schemas', () => {
    for (const object of [m.ipPool, m.egressGateway, m.egressGatewayPolicy]) expectValid(object);
    expect(m.namespace).toMatchObject({ apiVersion: 'v1', kind: 'Namespace' });
    expect(tenantObjectsInApplyOrder(m).map((o) => o.kind)).toEqual(['Namespace', 'IPPool', 'EgressGateway', 'EgressGatewayPolicy']);
  });

  it('steers through the policy when gateway.steering says so: its rules in order, then everything else via the gateway', () => {
    const p = renderTenantManifests(walkthroughPolicy());
    const gateway = { namespaceSelector: "projectcalico.org/name == 'tenant0-egw'", selector: "tenant == 'tenant0-egw'" };
    expect(p.namespaceAnnotations[0]!.annotations).toEqual({ 'egress.projectcalico.org/egressGatewayPolicy': 'tenant0-egw' });
    expect(p.egressGatewayPolicy.spec!.rules).toEqual([
      { description: 'Tenant tenant0: 10.99.0.0/16 via its gateway', destination: { cidr: '10.99.0.0/16' }, gateway },
      { description: 'Direct: no gateway (10.0.0.0/8)', destination: { cidr: '10.0.0.0/8' } },
      { description: 'Tenant tenant0: everything else via its gateway', gateway },
    ]);
    expectValid(p.egressGatewayPolicy);
  });

  it('adds no catch-all when a rule already names 0.0.0.0/0, and namespace steering keeps the annotations', () => {
    const p = renderTenantManifests(walkthroughPolicy([{ destination: '10.99.0.0/16', via: 'gateway' }, { destination: '0.0.0.0/0', via: 'direct' }]));
    expect(p.egressGatewayPolicy.spec!.rules.map((r) => r.destination?.cidr)).toEqual(['10.99.0.0/16', '0.0.0.0/0']);
    expectValid(p.egressGatewayPolicy);
    const n = renderTenantManifests({ ...tenant0, spec: { ...tenant0.spec, gateway: { ...tenant0.spec.gateway, steering: { mode: 'namespace' } } } });
    expect(Object.keys(n.namespaceAnnotations[0]!.annotations)).toEqual(['egress.projectcalico.org/namespaceSelector', 'egress.projectcalico.org/selector']);
  });

  it('refuses a CIDR that does not fit the spec', () => {
    expect(() => renderTenantManifests({ ...tenant0, cidr: '10.99.0.0/28' })).toThrow(/does not match gateway.prefixLength/);
    expect(() => renderTenantManifests({ ...tenant0, cidr: '10.99.0.4/29' })).toThrow(/not an aligned IPv4 CIDR/);
    expect(() => renderTenantManifests({ ...tenant0, spec: { ...tenant0.spec, gateway: { replicas: 4, prefixLength: 29 } } })).toThrow(
      /holds 4 \/31 block\(s\); 4 replica\(s\) need 5/,
    );
    expect(() => renderTenantManifests(walkthroughPolicy([{ destination: '10.0.0.1/8', via: 'direct' }]))).toThrow(/gateway.steering.rules/);
  });

  it('validates for any pool size and replica count the spec allows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 30 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 255 }), (prefixLength, replicas, third) => {
        fc.pre(2 ** (31 - prefixLength) >= replicas + 1);
        const base = parseIpv4Cidr(`10.99.${third}.0/24`)!.base;
        const aligned = base - (base % 2 ** (32 - prefixLength));
        const cidr = `${[24, 16, 8, 0].map((s) => (aligned >>> s) & 255).join('.')}/${prefixLength}`;
        const r = renderTenantManifests({ ...tenant0, cidr, spec: { ...tenant0.spec, gateway: { replicas, prefixLength } } });
        expectValid(r.ipPool);
        expectValid(r.egressGateway);
      }),
      { numRuns: 50 },
    );
  });
});

describe('cluster manifests', () => {
  const m = renderClusterManifests(cluster);

  it('match the reference walkthrough values', () => {
    expect(m.bgpConfiguration.spec).toEqual({ logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false, asNumber: 63400 });
    expect(m.routeReflectorPeer.spec).toEqual({ nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" });
    expect(m.routeServerPeers.map((p) => [p.metadata.name, p.spec])).toEqual([
      ['azure-route-server-a', { peerIP: '10.0.1.4', reachableBy: '10.1.0.1', asNumber: 65515, keepOriginalNextHop: true, nodeSelector: "route-reflector == 'true'", filters: ['export-egress-ips'] }],
      ['azure-route-server-b', { peerIP: '10.0.1.5', reachableBy: '10.1.0.1', asNumber: 65515, keepOriginalNextHop: true, nodeSelector: "route-reflector == 'true'", filters: ['export-egress-ips'] }],
    ]);
    expect(m.exportFilter.spec).toEqual({ exportV4: [{ action: 'Reject', matchOperator: 'NotIn', cidr: '10.99.0.0/16' }] });
    expect(m.felixConfiguration.spec).toEqual({ egressIPSupport: 'EnabledPerNamespaceOrPerPod' });
    expect(m.defaultPoolPatch).toEqual({
      target: { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', name: 'default-ipv4-ippool' },
      patch: { spec: { disableBGPExport: true } },
    });
  });

  it('validate against the real CRD schemas (the pool patch merged into a default pool)', () => {
    for (const object of clusterObjectsInApplyOrder(m)) expectValid(object);
    const defaultPool = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'IPPool',
      metadata: { name: 'default-ipv4-ippool' },
      spec: { cidr: '192.168.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'CrossSubnet', natOutgoing: true, nodeSelector: 'all()' },
    };
    expectValid({ ...defaultPool, spec: { ...defaultPool.spec, ...(m.defaultPoolPatch.patch.spec as object) } });
  });

  it('refuses bad inputs naming the field', () => {
    expect(() => renderClusterManifests({ ...cluster, routeServerIps: ['10.0.1.4', '10.0.1.4'] })).toThrow(/routeServerIps/);
    expect(() => renderClusterManifests({ ...cluster, subnetGateway: '10.1.0' })).toThrow(/subnetGateway/);
    expect(() => renderClusterManifests({ ...cluster, egressSupernet: '10.99.1.0/16' })).toThrow(/egressSupernet/);
    expect(() => renderClusterManifests({ ...cluster, calicoAsn: 65515 })).toThrow(/calicoAsn/);
  });
});

describe('CRD validation catches what the API server would refuse', () => {
  const pool = renderTenantManifests(tenant0).ipPool;
  it('an enum outside the schema', () => {
    const result = validateCustomResource({ ...pool, spec: { ...pool.spec, vxlanMode: 'Sometimes' } });
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/\/spec\/vxlanMode: must be equal to one of the allowed values/);
  });
  it('an unknown field where the schema forbids it, at any depth', () => {
    expect(validateCustomResource({ ...pool, spec: { ...pool.spec, blocksize: 31 } }).errors).toEqual([
      '/spec: must NOT have additional properties (blocksize)',
    ]);
    const gw = renderTenantManifests(tenant0).egressGateway;
    const deep = { ...gw, spec: { ...gw.spec!, template: { ...gw.spec!.template, spec: { ...gw.spec!.template.spec, zones: 3 } } } };
    expect(validateCustomResource(deep).errors).toEqual(['/spec/template/spec: must NOT have additional properties (zones)']);
  });
  it('wrong types, formats, case-insensitive Go patterns, scope and unknown kinds', () => {
    expect(validateCustomResource({ ...pool, spec: { ...pool.spec, blockSize: '31' } }).valid).toBe(false);
    expect(validateCustomResource({ ...pool, spec: { ...pool.spec, cidr: '10.99.0.0/40' } }).valid).toBe(false);
    const bgp = renderClusterManifests(cluster).bgpConfiguration;
    expect(validateCustomResource({ ...bgp, spec: { ...bgp.spec, logSeverityScreen: 'info' } }).valid).toBe(true);
    expect(validateCustomResource({ ...bgp, spec: { ...bgp.spec, logSeverityScreen: 'loud' } }).valid).toBe(false);
    expect(validateCustomResource({ ...pool, metadata: { ...pool.metadata, namespace: 'x' } }).errors).toContain(
      '/metadata/namespace: must be absent for a cluster-scoped kind',
    );
    const gw = renderTenantManifests(tenant0).egressGateway;
    expect(validateCustomResource({ ...gw, metadata: { name: gw.metadata.name } }).valid).toBe(false);
    expect(validateCustomResource({ ...pool, apiVersion: 'crd.projectcalico.org/v1' }).valid).toBe(false);
    expect(knownKinds()).toContain('operator.tigera.io/v1 EgressGateway');
  });
  it('int-or-string fields accept both', () => {
    const gw = renderTenantManifests(tenant0).egressGateway;
    const withResources = (value: unknown) => ({
      ...gw,
      spec: { ...gw.spec!, template: { ...gw.spec!.template, spec: { ...gw.spec!.template.spec, containers: [{ name: 'egress-gateway', resources: { limits: { cpu: value } } }] } } },
    });
    expect(validateCustomResource(withResources('500m')).valid).toBe(true);
    expect(validateCustomResource(withResources(1)).valid).toBe(true);
    expect(validateCustomResource(withResources(true)).valid).toBe(false);
  });
});

describe('CEL rules of the CRDs (x-kubernetes-validations)', () => {
  it('hold for every rendered object', () => {
    const t = renderTenantManifests(walkthroughPolicy());
    const c = renderClusterManifests(cluster);
    for (const object of [t.ipPool, t.egressGateway, t.egressGatewayPolicy, ...clusterObjectsInApplyOrder(c)]) expect(celCauses(object)).toEqual([]);
  });
  it('are really evaluated: a peer with both next-hop settings, a filter rule without its operator, IPIP + VXLAN', () => {
    const peer = renderClusterManifests(cluster).routeServerPeers[0];
    expect(celCauses({ ...peer, spec: { ...peer.spec!, nextHopMode: 'Keep' } } as never)).toHaveLength(1);
    const filter = renderClusterManifests(cluster).exportFilter;
    expect(celCauses({ ...filter, spec: { exportV4: [{ action: 'Reject', cidr: '10.99.0.0/16' }] } } as never)).toHaveLength(1);
    const pool = renderTenantManifests(tenant0).ipPool;
    expect(celCauses({ ...pool, spec: { ...pool.spec!, ipipMode: 'Always', vxlanMode: 'Always' } } as never)).toHaveLength(1);
  });
});

describe('IPPool rules the schema cannot express', () => {
  it('blockSize within 0..32 and not larger than the pool', () => {
    expect(ipPoolProblems('10.99.0.0/29', 31)).toEqual([]);
    expect(ipPoolProblems('10.99.0.0/29', 33)).toEqual(['blockSize 33 must be 0..32 for IPv4']);
    expect(ipPoolProblems('10.99.0.0/29', 26)).toEqual(['blockSize /26 is larger than the pool 10.99.0.0/29']);
    expect(ipPoolProblems('10.99.0.1/29', 31)).toEqual(['cidr "10.99.0.1/29" is not an aligned IPv4 CIDR']);
  });
  it('gateway pools use /31 blocks with room for replicas + 1', () => {
    expect(tenantPoolProblems('10.99.0.0/29', 31, 3)).toEqual([]);
    expect(tenantPoolProblems('10.99.0.0/29', 30, 1)).toEqual(['blockSize must be 31 for a gateway pool (each gateway pod owns one /31)']);
    expect(tenantPoolProblems('10.99.0.0/30', 31, 2)).toEqual(['10.99.0.0/30 holds 2 /31 block(s); 2 replica(s) need 3']);
  });
  it('blocks must be /31s inside the pool', () => {
    const pool = parseIpv4Cidr('10.99.0.0/29')!;
    expect(blocksOutsidePool(pool, [parseIpv4Cidr('10.99.0.2/31')!, parseIpv4Cidr('10.99.0.6/31')!])).toEqual([]);
    expect(blocksOutsidePool(pool, [parseIpv4Cidr('10.99.0.8/31')!, parseIpv4Cidr('10.99.0.4/30')!])).toEqual([
      '10.99.0.8/31 is not a /31 inside 10.99.0.0/29',
      '10.99.0.4/30 is not a /31 inside 10.99.0.0/29',
    ]);
  });
});
