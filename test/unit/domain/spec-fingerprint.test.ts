import fc from 'fast-check';
import { canonicalTenantSpec, diffTenantSpecs, specFingerprint, stableStringify } from '../../../lib/domain/spec-fingerprint';
import type { TenantSpec } from '../../../lib/domain/tenant-spec';

const base: TenantSpec = {
  name: 'tenant0',
  cluster: 'spoke1-aks',
  namespaces: ['default', 'web'],
  gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [
      { name: 'tigera', fqdns: ['www.tigera.io', 'docs.tigera.io'], protocols: ['Http:80', 'Https:443'] },
      { name: 'azure', fqdns: ['management.azure.com'], protocols: ['Https:443'] },
    ],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32', '8.8.8.8'], ports: ['53'], protocols: ['UDP', 'TCP'] }],
  },
};

/** Same content, different order everywhere (keys, lists, rules). */
function shuffled(spec: TenantSpec, seed: number): TenantSpec {
  const rotate = <T>(items: T[]): T[] => (items.length === 0 ? items : [...items.slice(seed % items.length), ...items.slice(0, seed % items.length)]);
  return {
    allow: {
      networks: rotate(spec.allow.networks.map((r) => ({ protocols: rotate(r.protocols), ports: r.ports, destinations: rotate(r.destinations), name: r.name }))),
      applications: rotate(spec.allow.applications.map((r) => ({ protocols: rotate(r.protocols), fqdns: rotate(r.fqdns), name: r.name }))),
    },
    gateway: { prefixLength: spec.gateway.prefixLength, replicas: spec.gateway.replicas },
    namespaces: rotate(spec.namespaces),
    cluster: spec.cluster,
    name: spec.name,
  };
}

describe('specFingerprint', () => {
  it('ignores key order, list order and duplicates', () => {
    fc.assert(
      fc.property(fc.nat(10), (seed) => {
        expect(specFingerprint(shuffled(base, seed))).toBe(specFingerprint(base));
      }),
    );
    expect(specFingerprint({ ...base, namespaces: ['web', 'default', 'web'] })).toBe(specFingerprint(base));
    expect(specFingerprint(base)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when anything that matters changes', () => {
    const variants: TenantSpec[] = [
      { ...base, name: 'tenant1' },
      { ...base, cluster: 'spoke2-aks' },
      { ...base, namespaces: ['default'] },
      { ...base, gateway: { replicas: 3, prefixLength: 29 } },
      { ...base, gateway: { replicas: 2, prefixLength: 28 } },
      { ...base, allow: { ...base.allow, networks: [{ ...base.allow.networks[0]!, ports: ['53', '853'] }] } },
    ];
    const prints = new Set([base, ...variants].map(specFingerprint));
    expect(prints.size).toBe(variants.length + 1);
  });

  it('canonical form is sorted', () => {
    const canonical = canonicalTenantSpec(base);
    expect(canonical.allow.applications.map((r) => r.name)).toEqual(['azure', 'tigera']);
    expect(canonical.allow.networks[0]!.protocols).toEqual(['TCP', 'UDP']);
  });

  it('stableStringify sorts keys at every level', () => {
    expect(stableStringify({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});

describe('diffTenantSpecs', () => {
  it('sees no change for a reordered spec', () => {
    expect(diffTenantSpecs(base, shuffled(base, 1))).toEqual({
      none: true, identity: false, allowlist: false, replicas: false, namespaces: false, steering: false, prefixLength: false, allowlistOnly: false,
    });
  });
  it('classifies each kind of change', () => {
    const allowOnly = diffTenantSpecs(base, { ...base, allow: { ...base.allow, applications: [] } });
    expect(allowOnly).toMatchObject({ none: false, allowlist: true, allowlistOnly: true });
    expect(diffTenantSpecs(base, { ...base, gateway: { replicas: 3, prefixLength: 29 } })).toMatchObject({ replicas: true, prefixLength: false, allowlistOnly: false });
    expect(diffTenantSpecs(base, { ...base, gateway: { replicas: 2, prefixLength: 28 } })).toMatchObject({ prefixLength: true, replicas: false });
    expect(diffTenantSpecs(base, { ...base, namespaces: ['web'] })).toMatchObject({ namespaces: true, none: false });
    expect(diffTenantSpecs(base, { ...base, cluster: 'other' })).toMatchObject({ identity: true, none: false });
    const both = diffTenantSpecs(base, { ...base, namespaces: ['web'], allow: { applications: [], networks: [] } });
    expect(both).toMatchObject({ allowlist: true, namespaces: true, allowlistOnly: false });
  });
  it('sees a steering change (mode or rule order), but not "namespace" written out, and keeps old fingerprints', () => {
    const policy = (rules: Array<{ destination: string; via: 'gateway' | 'direct' }>): TenantSpec => ({ ...base, gateway: { ...base.gateway, steering: { mode: 'policy', rules } } });
    const a = policy([{ destination: '10.99.0.0/16', via: 'gateway' }, { destination: '10.0.0.0/8', via: 'direct' }]);
    expect(diffTenantSpecs(base, a)).toMatchObject({ steering: true, none: false, allowlistOnly: false });
    expect(diffTenantSpecs(a, policy([{ destination: '10.0.0.0/8', via: 'direct' }]))).toMatchObject({ steering: true });
    expect(diffTenantSpecs(base, { ...base, gateway: { ...base.gateway, steering: { mode: 'namespace' } } })).toMatchObject({ none: true, steering: false });
    expect(specFingerprint({ ...base, gateway: { ...base.gateway, steering: { mode: 'namespace' } } })).toBe(specFingerprint(base));
    expect(specFingerprint(a)).not.toBe(specFingerprint(base));
  });
});
