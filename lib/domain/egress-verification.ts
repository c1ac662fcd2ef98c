/**
 * Egress verification, the walkthrough's curl test automated: which targets a probe tries for a tenant, the
 * probe's input, and the judgement of what the probe printed. Pure.
 *
 * The probe contract (the default command below; the Kubernetes emulator prints the same): env
 * `EGRESS_PROBE_TARGETS` = `kind:host:port` words (http | https | tcp | udp | echo); per target one line
 *   `egress-probe target=<host>:<port> kind=<kind> exit=<curl exit> code=<HTTP status|000> seconds=<s> body=<text>`
 * `echo` is an in-network service that answers the caller's address (the source the first hop sees).
 */
import { parseDestination } from './allowlist-syntax';
import { parseIpv4Address, parseIpv4Cidr, prefixContains, numberToAddress } from './ipv4';
import type { TenantSpec } from './tenant-spec';

export type ProbeKind = 'http' | 'https' | 'tcp' | 'udp' | 'echo';
export type Expectation = 'allowed' | 'refused' | 'source-in-cidr' | 'source-outside-cidr';

export interface PlannedTarget {
  kind: ProbeKind;
  host: string;
  port: number;
  expect: Expectation;
  /** Where the target comes from: `allow.applications[0]`, `must be refused`, `echo`. */
  why: string;
}

export interface ProbeSettings {
  /** A destination no tenant may reach (EGRESS_PROBE_REFUSED_FQDN). */
  refusedFqdn: string;
  /** `host:port` of an in-network echo service (EGRESS_PROBE_ECHO), or undefined. */
  echo?: { host: string; port: number };
}

export type Outcome = 'allowed' | 'refused' | 'error' | 'skipped';

export interface TargetResult {
  target: string;
  kind: ProbeKind;
  expected: Expectation;
  outcome: Outcome;
  /** `HTTP 200`, `refused by the firewall (470)`, `TLS reset by the firewall`, … */
  detail: string;
  latencyMs?: number;
  ok: boolean;
}

export interface EgressVerification {
  verifiedAt: string;
  ok: boolean;
  results: TargetResult[];
  /** The address the echo service saw (via the gateway), when an echo is configured. */
  sourceSeen?: string;
  /** One sentence per failed target ("www.tigera.io:443 refused by the firewall (470)"). */
  problems: string[];
  /** Set instead of results when the tenant cannot be probed (no application namespace). */
  skipped?: string;
  /** The namespace and Job the probe ran as. */
  ranIn?: { namespace: string; job: string };
}

/** The default probe: a POSIX sh loop over curl (the curlimages/curl image has busybox sh). */
export const DEFAULT_PROBE_COMMAND = [
  'for t in $EGRESS_PROBE_TARGETS; do',
  '  kind=${t%%:*}; rest=${t#*:}; host=${rest%:*}; port=${rest##*:}',
  '  case $kind in http|echo) url="http://$host:$port/";; https) url="https://$host:$port/";; tcp) url="telnet://$host:$port";; *) url="";; esac',
  '  if [ -z "$url" ]; then echo "egress-probe target=$host:$port kind=$kind exit=0 code=000 seconds=0.000 body=$kind-unobservable"; continue; fi',
  '  out=$(curl -sS -o /tmp/body -m 5 -w "%{http_code} %{time_total}" "$url" </dev/null 2>/dev/null); rc=$?',
  '  set -- $out',
  '  echo "egress-probe target=$host:$port kind=$kind exit=$rc code=${1:-000} seconds=${2:-0} body=$(head -c 120 /tmp/body 2>/dev/null | tr -s \' \\n\' \'__\')"',
  '  rm -f /tmp/body',
  'done',
].join('\n');

const appKind = (protocol: string): { kind: ProbeKind; port: number } | undefined => {
  const [type, port] = protocol.split(':');
  const n = Number(port);
  if (type === 'Http') return { kind: 'http', port: n };
  if (type === 'Https') return { kind: 'https', port: n };
  if (type === 'Mssql') return { kind: 'tcp', port: n };
  return undefined;
};

/** A name the probe can resolve for an FQDN pattern: `*.x.io` → `www.x.io`; a bare `*` has none. */
const concreteFqdn = (pattern: string): string | undefined =>
  pattern === '*' ? undefined : pattern.startsWith('*.') ? `www.${pattern.slice(2)}` : pattern.replace(/^\*/, '');

/** The first address of a destination: the address itself, a CIDR's first host, or the FQDN; none for "*". */
function firstHost(destination: string): string | undefined {
  const parsed = parseDestination(destination);
  if (!parsed.ok) return undefined;
  const d = parsed.value;
  if (d.kind === 'fqdn') return concreteFqdn(d.text);
  if (d.kind === 'any') return undefined;
  return numberToAddress(d.prefix.length >= 31 ? d.prefix.base : d.prefix.base + 1);
}

const firstPort = (port: string): number | undefined => (port === '*' ? 443 : Number(port.split('-')[0]));

/** Does the spec's policy steering send this address directly (no gateway)? First matching rule decides. */
export function steersDirect(spec: Pick<TenantSpec, 'gateway'>, address: string): boolean {
  const steering = spec.gateway.steering;
  if (steering?.mode !== 'policy') return false;
  const ip = parseIpv4Cidr(`${address}/32`);
  if (ip === undefined) return false;
  const rule = steering.rules.find((r) => {
    const prefix = parseIpv4Cidr(r.destination);
    return prefix !== undefined && prefixContains(prefix, ip);
  });
  return rule?.via === 'direct';
}

/**
 * The targets of one verification: the first FQDN + protocol of every application rule and the first
 * destination + port of every network rule (allowed), one destination that must be refused, and the echo
 * service when configured (the source must be the tenant's CIDR, or must NOT be when policy steering sends
 * the echo's address directly).
 */
export function planProbeTargets(spec: TenantSpec, settings: ProbeSettings, previous?: TenantSpec): PlannedTarget[] {
  const targets: PlannedTarget[] = [];
  const allowedNow = new Set(spec.allow.applications.flatMap((r) => r.fqdns));
  spec.allow.applications.forEach((rule, i) => {
    const host = rule.fqdns.map(concreteFqdn).find((f): f is string => f !== undefined);
    const protocol = rule.protocols.map(appKind).find((p) => p !== undefined);
    if (host && protocol) targets.push({ ...protocol, host, expect: 'allowed', why: `allow.applications[${i}]` });
  });
  spec.allow.networks.forEach((rule, i) => {
    const host = rule.destinations.map(firstHost).find((h): h is string => h !== undefined);
    const port = firstPort(rule.ports[0] ?? '*');
    const tcp = rule.protocols.some((p) => p === 'TCP' || p === 'Any');
    if (host && port !== undefined) targets.push({ kind: tcp ? 'tcp' : 'udp', host, port, expect: 'allowed', why: `allow.networks[${i}]` });
  });
  // What an update took away must be closed: the first FQDN (and protocol) of each rule that named one no rule names now.
  (previous?.allow.applications ?? []).forEach((rule, i) => {
    const gone = rule.fqdns.find((f) => !allowedNow.has(f));
    const host = gone === undefined ? undefined : concreteFqdn(gone);
    const protocol = rule.protocols.map(appKind).find((p) => p !== undefined);
    if (host && protocol && !targets.some((t) => t.host === host)) targets.push({ ...protocol, host, expect: 'refused', why: `removed from the allowlist (was allow.applications[${i}])` });
  });
  // Plain HTTP, so the firewall's refusal is visible as its 470 answer.
  if (!targets.some((t) => t.host === settings.refusedFqdn)) targets.push({ kind: 'http', host: settings.refusedFqdn, port: 80, expect: 'refused', why: 'must be refused' });
  if (settings.echo) {
    const direct = parseIpv4Address(settings.echo.host) !== undefined && steersDirect(spec, settings.echo.host);
    targets.push({ kind: 'echo', ...settings.echo, expect: direct ? 'source-outside-cidr' : 'source-in-cidr', why: direct ? 'direct destination (policy steering)' : 'echo' });
  }
  return targets;
}

/** The probe Job's EGRESS_PROBE_TARGETS value. */
export const probeTargetsEnv = (targets: readonly PlannedTarget[]): string => targets.map((t) => `${t.kind}:${t.host}:${t.port}`).join(' ');

export interface ProbeLine { target: string; kind: string; exit: number; code: number; seconds: number; body: string }

/** The probe lines in a pod log; anything else (curl's own noise) is ignored. */
export function parseProbeLog(log: string): ProbeLine[] {
  return log.split('\n').flatMap((line): ProbeLine[] => {
    const m = /^egress-probe target=(\S+) kind=(\S+) exit=(\d+) code=(\d{3}) seconds=([\d.]+) body=(.*)$/.exec(line.trim());
    return m ? [{ target: m[1]!, kind: m[2]!, exit: Number(m[3]), code: Number(m[4]), seconds: Number(m[5]), body: m[6]! }] : [];
  });
}

/** What one line means, in curl's words: the exit codes a firewall causes (35 TLS reset, 28 drop, 7/56 reset). */
function outcomeOf(kind: ProbeKind, line: ProbeLine): { outcome: Outcome; detail: string } {
  if (kind === 'udp') return { outcome: 'skipped', detail: 'UDP reachability is not observable by the probe' };
  if (line.exit === 0 && line.code === 470) return { outcome: 'refused', detail: 'refused by the firewall (470)' };
  if (line.exit === 0) return { outcome: 'allowed', detail: kind === 'tcp' ? 'connected' : `HTTP ${line.code}` };
  if (line.exit === 35) return { outcome: 'refused', detail: 'refused by the firewall (TLS reset)' };
  if (line.exit === 56 || line.exit === 52) return { outcome: 'refused', detail: 'connection reset' };
  if (line.exit === 28) return { outcome: 'refused', detail: 'no answer within 5 s (dropped)' };
  if (line.exit === 7) return { outcome: 'refused', detail: 'could not connect' };
  if (line.exit === 6) return { outcome: 'error', detail: 'could not resolve the host' };
  return { outcome: 'error', detail: `curl exit ${line.exit}` };
}

/** Judges the probe's lines against the plan; `cidr` is the tenant's. */
export function judgeProbe(planned: readonly PlannedTarget[], lines: readonly ProbeLine[], cidr: string, verifiedAt: string): EgressVerification {
  const pool = parseIpv4Cidr(cidr);
  let sourceSeen: string | undefined;
  const results = planned.map((t): TargetResult => {
    const target = `${t.host}:${t.port}`;
    const line = lines.find((l) => l.target === target && l.kind === t.kind);
    if (!line) return { target, kind: t.kind, expected: t.expect, outcome: 'error', detail: 'the probe printed nothing for it', ok: false };
    const { outcome, detail } = outcomeOf(t.kind, line);
    const base = { target, kind: t.kind, expected: t.expect, latencyMs: Math.round(line.seconds * 1000) };
    if (t.kind === 'echo' && outcome === 'allowed') {
      const seen = line.body.trim();
      const address = parseIpv4Cidr(`${seen}/32`);
      const inside = pool !== undefined && address !== undefined && prefixContains(pool, address);
      if (t.expect === 'source-in-cidr') sourceSeen = seen;
      const ok = t.expect === 'source-in-cidr' ? inside : !inside;
      const where = inside ? `inside the tenant CIDR ${cidr}` : `outside the tenant CIDR ${cidr}`;
      return { ...base, outcome, detail: `source seen ${seen || '(none)'}, ${where}`, ok };
    }
    const ok = outcome === 'skipped' || (t.expect === 'refused' ? outcome === 'refused' : outcome === 'allowed');
    return { ...base, outcome, detail, ok };
  });
  const problems = results.filter((r) => !r.ok).map((r) => describeProblem(r, cidr));
  return { verifiedAt, ok: problems.length === 0, results, ...(sourceSeen !== undefined ? { sourceSeen } : {}), problems };
}

function describeProblem(r: TargetResult, cidr: string): string {
  if (r.expected === 'refused') return `${r.target} must be refused but was ${r.outcome} (${r.detail})`;
  if (r.kind === 'echo' && r.outcome !== 'allowed') return `${r.target} (echo) ${r.detail}`;
  if (r.expected === 'source-in-cidr') return `${r.target} (echo) ${r.detail}: the namespace's egress does not leave through the tenant gateway (${cidr})`;
  if (r.expected === 'source-outside-cidr') return `${r.target} (direct destination) ${r.detail}: policy steering should send it without the gateway`;
  return `${r.target} ${r.detail}`;
}
