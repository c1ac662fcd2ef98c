import { judgeProbe, parseProbeLog, planProbeTargets, probeTargetsEnv, type PlannedTarget } from '../../../lib/domain/egress-verification';
import type { TenantSpec } from '../../../lib/domain/tenant-spec';
import { formatProbeLine } from '../../../local/emulators/kube/egress-probe';

const tenant0: TenantSpec = {
  name: 'tenant0', cluster: 'spoke1-aks', namespaces: ['default'], gateway: { replicas: 2, prefixLength: 29 },
  allow: {
    applications: [{ name: 'tigera', fqdns: ['www.tigera.io'], protocols: ['Https:443', 'Http:80'] }, { name: 'wild', fqdns: ['*.azure.com'], protocols: ['Https:443'] }],
    networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }, { name: 'db', destinations: ['20.1.2.0/24'], ports: ['5432-5433'], protocols: ['TCP'] }],
  },
};
const settings = { refusedFqdn: 'www.example.com', echo: { host: '10.0.3.10', port: 8080 } };
const CIDR = '10.99.0.0/29';
const line = (target: string, kind: string, exit: number, code: number, body = '', seconds = 0.05) => formatProbeLine({ target: { kind: kind as never, host: target.split(':')[0]!, port: Number(target.split(':')[1]) }, exit, code, seconds, body });

describe('planProbeTargets', () => {
  it('takes the first FQDN + protocol of every application rule, the first destination + port of every network rule, one refused site and the echo', () => {
    const plan = planProbeTargets(tenant0, settings);
    expect(plan.map((t) => `${t.kind}:${t.host}:${t.port}=${t.expect}`)).toEqual([
      'https:www.tigera.io:443=allowed', 'https:www.azure.com:443=allowed', 'udp:1.1.1.1:53=allowed', 'tcp:20.1.2.1:5432=allowed',
      'http:www.example.com:80=refused', 'echo:10.0.3.10:8080=source-in-cidr',
    ]);
    expect(probeTargetsEnv(plan)).toBe('https:www.tigera.io:443 https:www.azure.com:443 udp:1.1.1.1:53 tcp:20.1.2.1:5432 http:www.example.com:80 echo:10.0.3.10:8080');
  });
  it('expects what an update removed from the allowlist to be refused', () => {
    const narrowed: TenantSpec = { ...tenant0, allow: { ...tenant0.allow, applications: [{ name: 'tigera', fqdns: ['docs.tigera.io'], protocols: ['Https:443'] }] } };
    const plan = planProbeTargets(narrowed, settings, tenant0);
    expect(plan.filter((t) => t.expect === 'refused').map((t) => `${t.kind}:${t.host}:${t.port} (${t.why})`)).toEqual([
      'https:www.tigera.io:443 (removed from the allowlist (was allow.applications[0]))', 'https:www.azure.com:443 (removed from the allowlist (was allow.applications[1]))', 'http:www.example.com:80 (must be refused)',
    ]);
  });
  it('expects the echo to see a non-tenant source when policy steering sends its address directly', () => {
    const policy: TenantSpec = { ...tenant0, gateway: { ...tenant0.gateway, steering: { mode: 'policy', rules: [{ destination: '10.0.0.0/8', via: 'direct' }] } } };
    expect(planProbeTargets(policy, settings).at(-1)).toMatchObject({ kind: 'echo', expect: 'source-outside-cidr' });
  });
});

describe('judgeProbe (lines as the probe and the emulator print them)', () => {
  const plan: PlannedTarget[] = planProbeTargets({ ...tenant0, allow: { applications: [tenant0.allow.applications[0]!], networks: [tenant0.allow.networks[0]!] } }, settings);
  it('passes the walkthrough: allowed site answers, refused site 470, source inside the tenant CIDR', () => {
    const log = [
      line('www.tigera.io:443', 'https', 0, 200), line('1.1.1.1:53', 'udp', 0, 0, 'udp-unobservable'),
      line('www.example.com:80', 'http', 0, 470, 'Action: Deny. Reason: No rule matched. Proceeding with default action.'), line('10.0.3.10:8080', 'echo', 0, 200, '10.99.0.2'),
    ].join('\n');
    const v = judgeProbe(plan, parseProbeLog(`some curl noise\n${log}\n`), CIDR, '2026-01-01T00:00:00Z');
    expect(v).toMatchObject({ ok: true, problems: [], sourceSeen: '10.99.0.2' });
    expect(v.results.map((r) => [r.target, r.outcome, r.detail])).toEqual([
      ['www.tigera.io:443', 'allowed', 'HTTP 200'], ['1.1.1.1:53', 'skipped', 'UDP reachability is not observable by the probe'],
      ['www.example.com:80', 'refused', 'refused by the firewall (470)'], ['10.0.3.10:8080', 'allowed', 'source seen 10.99.0.2, inside the tenant CIDR 10.99.0.0/29'],
    ]);
    expect(v.results[0]!.latencyMs).toBe(50);
  });
  it('names target and outcome when the allowed site is refused and the source is the node', () => {
    const log = [line('www.tigera.io:443', 'https', 35, 0), line('1.1.1.1:53', 'udp', 0, 0), line('www.example.com:80', 'http', 0, 470), line('10.0.3.10:8080', 'echo', 0, 200, '10.1.0.4')].join('\n');
    const v = judgeProbe(plan, parseProbeLog(log), CIDR, 'now');
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      'www.tigera.io:443 refused by the firewall (TLS reset)',
      "10.0.3.10:8080 (echo) source seen 10.1.0.4, outside the tenant CIDR 10.99.0.0/29: the namespace's egress does not leave through the tenant gateway (10.99.0.0/29)",
    ]);
  });
  it('fails on a refused site that answers, a 470 on an allowed one, and a target the probe never printed', () => {
    const v = judgeProbe(plan, parseProbeLog([line('www.tigera.io:443', 'https', 0, 470), line('www.example.com:80', 'http', 0, 200)].join('\n')), CIDR, 'now');
    expect(v.problems).toEqual([
      'www.tigera.io:443 refused by the firewall (470)', '1.1.1.1:53 the probe printed nothing for it',
      'www.example.com:80 must be refused but was allowed (HTTP 200)', '10.0.3.10:8080 (echo) the probe printed nothing for it',
    ]);
  });
});
