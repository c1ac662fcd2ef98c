import type { CapacityInfo, TenantView } from '../../../cli/api-types';
import { applyOutcome } from '../../../cli/apply-outcome';
import { EXIT, exitForStatus, exitForTenant } from '../../../cli/exit-codes';
import { capacitySummary, structured, tenantsTable } from '../../../cli/format';
import { parseManifest } from '../../../cli/manifest';
import { describeProblem } from '../../../cli/problems';

const tenant = (phase: string, extra: Partial<TenantView> = {}): TenantView => ({
  name: 't1', cluster: 'spoke1-aks', cidr: '10.99.0.0/29', phase, steps: [], routes: { expected: ['a', 'b'], learned: { IN_0: 2, IN_1: 1 } }, firewall: null, ...extra,
});

describe('exit codes', () => {
  it('maps the API\'s refusal of the content to usage (2) and every other refusal to an API error (3)', () => {
    expect([200, 202, 400, 413, 415, 422, 401, 403, 404, 409, 500, 503].map(exitForStatus)).toEqual([0, 0, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
  });
  it('maps a tenant to 0 when Ready or Deleted, 1 when Failed or Ready only on its previous spec', () => {
    expect(exitForTenant(tenant('Ready'))).toBe(EXIT.ok);
    expect(exitForTenant(tenant('Deleted'))).toBe(EXIT.ok);
    expect(exitForTenant(tenant('Failed'))).toBe(EXIT.failed);
    expect(exitForTenant(tenant('Degraded'))).toBe(EXIT.failed);
    expect(exitForTenant(tenant('Ready', { lastAttempt: { error: 'x' } }))).toBe(EXIT.failed);
  });
});

describe('problems', () => {
  it('prints the API\'s problem with every named field, and says what to do about a refused key', () => {
    expect(describeProblem(400, { error: { code: 'InvalidTenantSpec', message: 'tenant spec rejected', details: [{ field: 'gateway.prefixLength', reason: 'must be 20..30' }] } }))
      .toBe('HTTP 400 InvalidTenantSpec: tenant spec rejected\n  gateway.prefixLength: must be 20..30');
    expect(describeProblem(401, undefined)).toMatch(/^HTTP 401: the key was refused \(set --key or EGRESS_PILOT_KEY/);
    expect(describeProblem(502, 'Bad gateway')).toBe('HTTP 502: Bad gateway');
  });
});

describe('manifest', () => {
  it('reads YAML and JSON alike and needs only cluster and name itself', () => {
    expect(parseManifest('name: t1\ncluster: spoke1-aks\ngateway: {replicas: 2}\n', 'f.yaml')).toEqual({ cluster: 'spoke1-aks', name: 't1', spec: { name: 't1', cluster: 'spoke1-aks', gateway: { replicas: 2 } } });
    expect(parseManifest('{"name":"t1","cluster":"c"}', 'f.json').cluster).toBe('c');
    expect(() => parseManifest('name: t1\n', 'f.yaml')).toThrow('f.yaml: cluster: required (a string)');
    expect(() => parseManifest('- a\n', 'f.yaml')).toThrow('f.yaml: must hold one tenant spec');
    expect(() => parseManifest('name: [', 'f.yaml')).toThrow(/^f\.yaml: not YAML or JSON/);
  });
});

describe('output', () => {
  it('prints json and yaml of the answer as it came, and a table of what a person reads first', () => {
    expect(structured({ a: 1 }, 'json')).toBe('{\n  "a": 1\n}');
    expect(structured({ a: [1] }, 'yaml')).toBe('a:\n  - 1');
    expect(structured({ a: 1 }, 'table')).toBeUndefined();
    const table = tenantsTable([tenant('Ready', { firewall: { ruleCollectionGroup: 'egress-pilot-0', ruleCollections: ['x'] } })]);
    expect(table).toContain('spoke1-aks');
    expect(table).toContain('IN_0 2/2, IN_1 1/2');
    expect(table).toContain('egress-pilot-0');
    expect(tenantsTable([])).toBe('no tenants');
  });
  it('summarises capacity with the next tenant\'s verdict per cluster', () => {
    const capacity: CapacityInfo = {
      generatedAt: 'now',
      clusters: [{ cluster: 'c1', egressPool: { supernet: '10.99.0.0/16', blockPrefixLength: 29, usedBlocks: 2, freeBlocks: 8190, totalBlocks: 8192, tenants: [] }, routeReflectors: [{ peer: '10.1.0.4', routesAdvertised: 250, routeBudget: 800, limit: 1000 }] }],
      firewallPolicies: [{ policy: 'p', ruleCollectionGroups: [] }],
      nextTenant: { prefixLength: 29, replicas: 2, fits: false, perCluster: [{ cluster: 'c1', fits: false, reasons: ['pool full'] }] },
      gauges: [],
    };
    const text = capacitySummary(capacity);
    expect(text).toContain('8190/8192');
    expect(text).toContain('25%');
    expect(text).toContain('next tenant (/29, 2 replicas): does NOT fit\n  c1: pool full');
  });
});

describe('applyOutcome', () => {
  it('tells a started lifecycle from a spec that is already there (POST answers 202 for both)', () => {
    expect(applyOutcome('POST', 202, 'Pending')).toEqual({ said: 'onboarding accepted', started: true });
    expect(applyOutcome('POST', 202, 'Ready')).toEqual({ said: 'unchanged (this spec is already applied)', started: false });
    expect(applyOutcome('POST', 202, 'WaitingForRoutes')).toEqual({ said: 'already under way with this spec (phase WaitingForRoutes)', started: false });
    expect(applyOutcome('PUT', 202, 'Updating')).toEqual({ said: 'update accepted', started: true });
    expect(applyOutcome('PUT', 202, 'Pending')).toEqual({ said: 'onboarding accepted', started: true });
    expect(applyOutcome('PUT', 200, 'Ready')).toEqual({ said: 'unchanged', started: false });
  });
});
