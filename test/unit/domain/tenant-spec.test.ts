import fc from 'fast-check';
import { validateTenantSpec, type TenantSpec } from '../../../lib/domain/tenant-spec';

const options = { allowBroadRules: false, defaultPrefixLength: 29 };
const example = {
  name: 'tenant0',
  cluster: 'spoke1-aks',
  namespaces: ['default'],
  gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'tigera', fqdns: ['www.tigera.io'], protocols: ['Http:80', 'Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
  },
};

function errorsOf(input: unknown, opts = options): Record<string, string> {
  const result = validateTenantSpec(input, opts);
  if (result.ok) throw new Error('expected the spec to be refused');
  return Object.fromEntries(result.errors.map((e) => [e.field, e.reason]));
}
function specOf(input: unknown, opts = options): TenantSpec {
  const result = validateTenantSpec(input, opts);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}
const withNetwork = (rule: object) => ({ ...example, allow: { networks: [rule] } });
const withApplication = (rule: object) => ({ ...example, allow: { applications: [rule] } });

describe('validateTenantSpec', () => {
  it('accepts the HTTP API example unchanged', () => {
    expect(specOf(example)).toEqual(example);
  });

  it('fills defaults: replicas 2, prefix from configuration, empty allowlist', () => {
    const spec = specOf({ name: 'tenant1', cluster: 'spoke1-aks' }, { ...options, defaultPrefixLength: 28 });
    expect(spec).toEqual({
      name: 'tenant1',
      cluster: 'spoke1-aks',
      namespaces: [],
      gateway: { replicas: 2, prefixLength: 28 },
      allow: { applications: [], networks: [] },
    });
  });

  it('canonicalises protocol names, FQDN case and port ranges', () => {
    const spec = specOf({
      ...example,
      allow: {
        applications: [{ name: 'a', fqdns: ['WWW.Tigera.IO', '*.example.com'], protocols: ['https:443', 'MSSQL:1433'] }],
        networks: [{ name: 'n', destinations: ['10.0.0.0/8', 'Dns.Google', '8.8.8.8'], ports: ['80-80', '8000-8080', '*'], protocols: ['tcp', 'any'] }],
      },
    });
    expect(spec.allow.applications[0]).toEqual({ name: 'a', fqdns: ['www.tigera.io', '*.example.com'], protocols: ['Https:443', 'Mssql:1433'] });
    expect(spec.allow.networks[0]).toEqual({
      name: 'n',
      destinations: ['10.0.0.0/8', 'dns.google', '8.8.8.8'],
      ports: ['80', '8000-8080', '*'],
      protocols: ['TCP', 'Any'],
    });
  });

  it('names every bad field with a JSON path and a reason, all at once', () => {
    const errors = errorsOf({
      name: 'Tenant_0',
      cluster: '-bad',
      namespaces: ['default', 'kube-system', 'tenant0-egw'],
      surprise: true,
      gateway: { replicas: 0, prefixLength: 33, zones: 3 },
      allow: {
        applications: [{ name: 'app', fqdns: ['not a host'], protocols: ['Ftp:21', 'Https:99999'] }],
        networks: [{ name: 'n', destinations: ['1.1.1.1/32', '10.0.0.1/8', '300.1.1.1'], ports: ['53', '70000', '9-1'], protocols: ['GRE'] }],
      },
    });
    expect(Object.keys(errors).sort()).toEqual(
      [
        'name',
        'cluster',
        'namespaces[1]',
        'surprise',
        'gateway.replicas',
        'gateway.prefixLength',
        'gateway.zones',
        'allow.applications[0].fqdns[0]',
        'allow.applications[0].protocols[0]',
        'allow.applications[0].protocols[1]',
        'allow.networks[0].destinations[1]',
        'allow.networks[0].destinations[2]',
        'allow.networks[0].ports[1]',
        'allow.networks[0].ports[2]',
        'allow.networks[0].protocols[0]',
      ].sort(),
    );
    expect(errors['surprise']).toBe('unknown field');
    expect(errors['allow.networks[0].destinations[1]']).toBe('"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?');
    expect(errors['namespaces[1]']).toMatch(/system namespaces/);
  });

  it('reports missing required fields as required', () => {
    expect(errorsOf({ cluster: 'c' })).toEqual({ name: 'is required' });
    expect(errorsOf(withNetwork({ name: 'n', destinations: ['1.1.1.1'], protocols: ['TCP'] }))).toEqual({ 'allow.networks[0].ports': 'is required' });
    expect(errorsOf(withApplication({ name: 'a', fqdns: [], protocols: ['Https:443'] }))).toEqual({
      'allow.applications[0].fqdns': 'must list at least one FQDN',
    });
  });

  it('tells a wrong type from a missing field', () => {
    expect(errorsOf({ name: 5, cluster: 'c', namespaces: 'default', gateway: null, allow: { applications: {} } })).toEqual({
      name: 'must be a string',
      namespaces: 'must be an array of namespace names',
      gateway: 'must be an object',
      'allow.applications': 'must be an array',
    });
    expect(errorsOf({ cluster: 'c', gateway: { replicas: '2' } })).toEqual({ name: 'is required', 'gateway.replicas': 'must be a number' });
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ ...example.allow.networks[0]!, name: `n${i}` }));
    expect(errorsOf({ ...example, allow: { networks: tooMany } })).toEqual({ 'allow.networks': 'must list at most 50 rules' });
  });

  it('refuses a non-object body', () => {
    expect(validateTenantSpec('tenant0', options)).toEqual({ ok: false, errors: [{ field: '(spec)', reason: 'must be a JSON object' }] });
    expect(validateTenantSpec([example], options).ok).toBe(false);
  });

  it('refuses the tenant gateway namespace and duplicates', () => {
    const errors = errorsOf({
      ...example,
      namespaces: ['default', 'default'],
      allow: { networks: [example.allow.networks[0], example.allow.networks[0]] },
    });
    expect(errors).toEqual({ 'namespaces[1]': 'duplicate namespace "default"', 'allow.networks[1].name': 'duplicate rule name "dns"' });
    expect(errorsOf({ ...example, namespaces: ['tenant0-egw'] })).toEqual({ 'namespaces[0]': '"tenant0-egw" is the tenant\'s own gateway namespace' });
  });

  describe('broad rules', () => {
    const broad = {
      ...example,
      allow: {
        applications: [{ name: 'all-web', fqdns: ['*'], protocols: ['Https:443'] }],
        networks: [
          { name: 'all', destinations: ['0.0.0.0/0'], ports: ['*'], protocols: ['Any'] },
          { name: 'star', destinations: ['*'], ports: ['443'], protocols: ['TCP'] },
        ],
      },
    };
    it('are refused by default with a hint', () => {
      const errors = errorsOf(broad);
      expect(Object.keys(errors).sort()).toEqual([
        'allow.applications[0].fqdns[0]',
        'allow.networks[0].destinations[0]',
        'allow.networks[1].destinations[0]',
      ]);
      expect(Object.values(errors).every((reason) => reason.includes('ALLOW_BROAD_RULES=true'))).toBe(true);
    });
    it('are accepted when the service configuration permits them', () => {
      expect(specOf(broad, { ...options, allowBroadRules: true }).allow.networks[0]?.destinations).toEqual(['0.0.0.0/0']);
    });
    it('still refuses wildcard FQDNs in network rules (Azure has none there)', () => {
      expect(errorsOf(withNetwork({ name: 'n', destinations: ['*.example.com'], ports: ['443'], protocols: ['TCP'] }))).toHaveProperty([
        'allow.networks[0].destinations[0]',
      ]);
    });
  });

  describe('names', () => {
    it('limits the tenant name so "<name>-egw" stays a 63-character label', () => {
      expect(validateTenantSpec({ ...example, cluster: 'c', name: 'a'.repeat(59) }, options).ok).toBe(true);
      expect(errorsOf({ ...example, cluster: 'c', name: 'a'.repeat(60) }).name).toMatch(/at most 59/);
    });
    it('limits cluster + name so firewall collection names stay within 80 characters', () => {
      expect(validateTenantSpec({ ...example, cluster: 'c'.repeat(40), name: 'a'.repeat(28) }, options).ok).toBe(true);
      expect(errorsOf({ ...example, cluster: 'c'.repeat(40), name: 'a'.repeat(29) }).name).toMatch(/cluster \+ name must be ≤ 68/);
    });
    it('validates cluster names like AKS does', () => {
      for (const cluster of ['spoke1-aks', 'Spoke_1', 'a', 'x'.repeat(63)]) expect(validateTenantSpec({ ...example, name: 't', cluster }, options).ok).toBe(true);
      for (const cluster of ['', '-a', 'a-', 'a.b', 'x'.repeat(64), 'a b']) expect(errorsOf({ ...example, name: 't', cluster })).toHaveProperty('cluster');
    });
  });

  describe('gateway pool size', () => {
    it('needs replicas + 1 /31 blocks', () => {
      expect(specOf({ ...example, gateway: { replicas: 3, prefixLength: 29 } }).gateway).toEqual({ replicas: 3, prefixLength: 29 });
      expect(errorsOf({ ...example, gateway: { replicas: 4, prefixLength: 29 } })).toEqual({
        'gateway.prefixLength': 'a /29 holds 4 /31 block(s) but 4 replica(s) need 5 (one spare for rolling restarts); use /28 or shorter',
      });
      expect(errorsOf({ ...example, gateway: { replicas: 2 } }, { ...options, defaultPrefixLength: 30 })).toHaveProperty(['gateway.prefixLength']);
    });
    it('agrees with the block arithmetic for every replicas/prefix pair', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 20, max: 30 }), (replicas, prefixLength) => {
          const accepted = validateTenantSpec({ ...example, gateway: { replicas, prefixLength } }, options).ok;
          expect(accepted).toBe(2 ** (31 - prefixLength) >= replicas + 1);
        }),
      );
    });
  });

  describe('gateway.steering', () => {
    const withSteering = (steering: unknown) => ({ ...example, gateway: { replicas: 2, prefixLength: 29, steering } });
    it('accepts namespace steering and the walkthrough policy (narrower first), canonicalising CIDRs', () => {
      expect(specOf(withSteering({ mode: 'namespace' })).gateway.steering).toEqual({ mode: 'namespace' });
      expect(specOf(withSteering({ mode: 'policy', rules: [{ destination: ' 10.99.0.0/16', via: 'gateway' }, { destination: '10.0.0.0/8', via: 'direct' }] })).gateway.steering)
        .toEqual({ mode: 'policy', rules: [{ destination: '10.99.0.0/16', via: 'gateway' }, { destination: '10.0.0.0/8', via: 'direct' }] });
      expect(specOf(example).gateway.steering).toBeUndefined();
    });
    it('names the bad field: mode, rule shape, CIDR, order and duplicates', () => {
      expect(errorsOf(withSteering({ mode: 'cilium' }))).toEqual({ 'gateway.steering.mode': 'mode must be "namespace" or "policy"' });
      expect(errorsOf(withSteering({ mode: 'policy', rules: [] }))).toEqual({ 'gateway.steering.rules': 'must list at least one rule' });
      expect(errorsOf(withSteering({ mode: 'policy', rules: [{ destination: '10.0.0.1/8', via: 'direct' }, { destination: '10.1.0.0/16', via: 'sideways' }] }))).toEqual({
        'gateway.steering.rules[0].destination': '"10.0.0.1/8" is not an aligned IPv4 CIDR (e.g. 10.0.0.0/8)',
        'gateway.steering.rules[1].via': 'must be "gateway" or "direct"',
      });
      expect(errorsOf(withSteering({ mode: 'policy', rules: [{ destination: '10.0.0.0/8', via: 'direct' }, { destination: '10.99.0.0/16', via: 'gateway' }, { destination: '10.0.0.0/8', via: 'gateway' }] }))).toEqual({
        'gateway.steering.rules[1].destination': '10.99.0.0/16 lies inside rules[0] (10.0.0.0/8) and would never match first: list the narrower destination first',
        'gateway.steering.rules[2].destination': 'duplicate destination 10.0.0.0/8 (rules[0])',
      });
      expect(errorsOf(withSteering({ mode: 'namespace', rules: [] }))).toEqual({ 'gateway.steering.rules': 'unknown field' });
    });
  });
});
