/**
 * Egress probe Jobs: a Job pod whose first container carries `EGRESS_PROBE_TARGETS` is run "as the datapath
 * would" when it starts Running: each target's source comes from Calico's steering (datapath.ts), destinations
 * outside the cluster's local ranges are decided by the emulated Azure Firewall (`network.decide`, the ARM
 * emulator's data plane), and the pod's log (`GET .../pods/{name}/log`) gets the lines the probe command would
 * print (probe-output.ts). The command itself is not executed. Registered by `registerEgressProbes`.
 */
import { createHash } from 'node:crypto';
import { getIn, isObject, stringMap, type JsonObject } from '../json';
import type { ResourceRegistry, ResourceType } from '../resources';
import { metadataOf, type ObjectStore, type StoreEvent } from '../store';
import { cidrContains, routeFor, type DatapathInput, type GatewayPod, type PolicyRule, type Route } from './datapath';
import { CURL_EXIT, formatProbeLine, parseProbeTargets, PROBE_TIMEOUT_SECONDS, type ProbeLine, type ProbeTarget } from './probe-output';

export { routeFor, type Route } from './datapath';
export { parseProbeTargets, formatProbeLine, type ProbeLine, type ProbeTarget } from './probe-output';

/** A connection as the firewall sees it (the ARM emulator's `POST /_emulator/firewall/decide` body). */
export interface ProbeConnection { source: string; destinationIp: string; fqdn?: string; protocol: 'TCP' | 'UDP'; port: number; application?: 'http' | 'tls' }
export type FirewallAnswer =
  | { kind: 'connected' }
  | { kind: 'http-denied'; status: number; body: string }
  | { kind: 'tls-reset' }
  | { kind: 'dropped' };

/** The network outside the cluster, as the probe sees it. */
export interface EgressProbeNetwork {
  /** The firewall on the path to every destination outside `localCidrs`. */
  decide(connection: ProbeConnection): Promise<{ outcome: FirewallAnswer }>;
  /** Reached without the firewall (hub and spoke VNets); default 10.0.0.0/8. Reachability inside is not modelled. */
  localCidrs?: string[];
  /** An in-network service answering every request with the caller's address (the probe's `echo` target). */
  echo?: { host: string; ip: string; port: number };
  /** Name resolution; default: a stable address per name in 198.18.0.0/15 (a benchmarking range). */
  resolve?: (fqdn: string) => string;
}

export const PROBE_TARGETS_ENV = 'EGRESS_PROBE_TARGETS';

function defaultResolve(fqdn: string): string {
  const digest = createHash('sha256').update(fqdn.toLowerCase()).digest();
  return `198.${18 + (digest[0]! & 1)}.${digest[1]!}.${1 + (digest[2]! % 254)}`;
}

/** A stable, small latency per host (ms), so runs are comparable. */
const latencyOf = (host: string, base: number): number => (base + (createHash('sha256').update(host).digest()[0]! % 40)) / 1000;

export class EgressProbes {
  private readonly logs = new Map<string, string[]>();
  private readonly running = new Set<string>();
  private readonly unsubscribe: () => void;
  private readonly pod: ResourceType;
  private readonly namespace: ResourceType;
  private readonly felix: ResourceType | undefined;
  private readonly policy: ResourceType | undefined;
  private stopped = false;

  constructor(private readonly store: ObjectStore, registry: ResourceRegistry, private readonly network: EgressProbeNetwork | undefined) {
    const need = (apiVersion: string, kind: string): ResourceType => {
      const r = registry.byKind(apiVersion, kind);
      if (!r) throw new Error(`egress probes need ${apiVersion} ${kind}`);
      return r;
    };
    this.pod = need('v1', 'Pod');
    this.namespace = need('v1', 'Namespace');
    this.felix = registry.byKind('projectcalico.org/v3', 'FelixConfiguration');
    this.policy = registry.byKind('projectcalico.org/v3', 'EgressGatewayPolicy');
    this.unsubscribe = store.on((e: StoreEvent) => {
      if (e.resource !== this.pod) return;
      const uid = String(metadataOf(e.object).uid);
      if (e.type === 'DELETED') this.logs.delete(uid);
      else if (getIn(e.object, ['status', 'phase']) === 'Running') this.start(e.object);
    });
    // After a restart: probes that were running run again (their log was not saved).
    for (const pod of store.list(this.pod)) if (getIn(pod, ['status', 'phase']) === 'Running') this.start(pod);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
  }

  /** The pod's log as `kubectl logs` shows it; undefined when there is no such pod. */
  podLog(namespace: string, name: string): string | undefined {
    const pod = this.store.get(this.pod, namespace, name);
    if (!pod) return undefined;
    const lines = this.logs.get(String(metadataOf(pod).uid)) ?? [];
    return lines.map((l) => `${l}\n`).join('');
  }

  private targetsOf(pod: JsonObject): ProbeTarget[] | undefined {
    const containers = getIn(pod, ['spec', 'containers']);
    const first = Array.isArray(containers) ? containers.find(isObject) : undefined;
    const env = isObject(first) && Array.isArray(first.env) ? first.env.filter(isObject) : [];
    const value = env.find((e) => e.name === PROBE_TARGETS_ENV)?.value;
    return typeof value === 'string' ? parseProbeTargets(value) : undefined;
  }

  private start(pod: JsonObject): void {
    const uid = String(metadataOf(pod).uid);
    // Without a network (no firewall to ask) a probe pod runs like any Job pod: an empty log.
    if (!this.network || this.logs.has(uid) || this.running.has(uid)) return;
    const targets = this.targetsOf(pod);
    if (!targets) return;
    this.running.add(uid);
    this.logs.set(uid, []);
    void this.run(pod, uid, targets).finally(() => this.running.delete(uid));
  }

  private datapathInput(pod: JsonObject): DatapathInput {
    const namespace = String(metadataOf(pod).namespace);
    const namespaces = this.store.list(this.namespace);
    const own = namespaces.find((n) => metadataOf(n).name === namespace);
    const felix = this.felix ? this.store.get(this.felix, '', 'default') : undefined;
    const gatewayPods: GatewayPod[] = this.store.list(this.pod)
      .filter((p) => {
        const refs = metadataOf(p).ownerReferences;
        return Array.isArray(refs) && refs.some((r) => isObject(r) && r.kind === 'EgressGateway');
      })
      .map((p) => ({
        namespace: String(metadataOf(p).namespace), name: String(metadataOf(p).name), labels: stringMap(metadataOf(p).labels),
        ip: String(getIn(p, ['status', 'podIP']) ?? ''), running: getIn(p, ['status', 'phase']) === 'Running',
      }));
    const felixSetting = getIn(felix, ['spec', 'egressIPSupport']);
    return {
      felixEgressIpSupport: typeof felixSetting === 'string' ? felixSetting : undefined,
      namespaceAnnotations: own ? stringMap(metadataOf(own).annotations) : {},
      namespaceLabels: Object.fromEntries(namespaces.map((n) => [String(metadataOf(n).name), stringMap(metadataOf(n).labels)])),
      gatewayPods,
      policy: (name: string): PolicyRule[] | undefined => {
        const found = this.policy ? this.store.get(this.policy, '', name) : undefined;
        if (!found) return undefined;
        const rules = getIn(found, ['spec', 'rules']);
        return (Array.isArray(rules) ? rules.filter(isObject) : []).map((r) => {
          const cidr = getIn(r, ['destination', 'cidr']);
          const gateway = isObject(r.gateway) ? r.gateway : undefined;
          return {
            ...(typeof cidr === 'string' ? { cidr } : {}),
            ...(gateway ? { gateway: { ...(typeof gateway.namespaceSelector === 'string' ? { namespaceSelector: gateway.namespaceSelector } : {}), ...(typeof gateway.selector === 'string' ? { selector: gateway.selector } : {}) } } : {}),
          };
        });
      },
      nodeIp: String(getIn(pod, ['status', 'hostIP']) ?? ''),
    };
  }

  private async run(pod: JsonObject, uid: string, targets: ProbeTarget[]): Promise<void> {
    for (const target of targets) {
      if (this.stopped || !this.logs.has(uid)) return;
      // Read per target: steering or gateways may change while the probe runs, as they would for curl.
      const line = await this.probe(this.datapathInput(pod), target).catch((error: unknown): ProbeLine =>
        ({ target, exit: CURL_EXIT.couldNotConnect, code: 0, seconds: 0, body: `emulator: ${error instanceof Error ? error.message : String(error)}` }));
      this.logs.get(uid)?.push(formatProbeLine(line));
    }
  }

  private async probe(input: DatapathInput, target: ProbeTarget): Promise<ProbeLine> {
    if (!this.network) throw new Error('no network');
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(target.host);
    const echo = this.network.echo;
    const destinationIp = isIp ? target.host : echo && target.host === echo.host ? echo.ip : (this.network.resolve ?? defaultResolve)(target.host);
    const route: Route = routeFor(input, destinationIp);
    const line = (exit: number, code: number, seconds: number, body = ''): ProbeLine => ({ target, exit, code, seconds, body });
    if (target.kind === 'udp') return line(CURL_EXIT.ok, 0, 0, 'udp-unobservable');
    if (route.via === 'none') return line(CURL_EXIT.timeout, 0, PROBE_TIMEOUT_SECONDS);
    const local = (this.network.localCidrs ?? ['10.0.0.0/8']).some((c) => cidrContains(c, destinationIp));
    if (local) {
      if (echo && destinationIp === echo.ip && target.port === echo.port) return line(CURL_EXIT.ok, 200, latencyOf(target.host, 5), route.source);
      return line(CURL_EXIT.ok, target.kind === 'tcp' ? 0 : 200, latencyOf(target.host, 5));
    }
    const application = target.kind === 'http' || target.kind === 'echo' ? 'http' as const : target.kind === 'https' ? 'tls' as const : undefined;
    const { outcome } = await this.network.decide({
      source: route.source, destinationIp, ...(isIp ? {} : { fqdn: target.host }), protocol: 'TCP', port: target.port, ...(application ? { application } : {}),
    });
    switch (outcome.kind) {
      case 'connected': return line(CURL_EXIT.ok, target.kind === 'tcp' ? 0 : 200, latencyOf(target.host, 40), target.kind === 'echo' ? route.source : '');
      case 'http-denied': return line(CURL_EXIT.ok, outcome.status, latencyOf(target.host, 20), outcome.body);
      case 'tls-reset': return line(CURL_EXIT.tlsConnectError, 0, latencyOf(target.host, 15));
      case 'dropped': return line(CURL_EXIT.timeout, 0, PROBE_TIMEOUT_SECONDS);
    }
  }
}

/**
 * The one registration hook: every cluster serves pods/log; probe pods run only when the emulator was given a
 * network (the firewall to ask), else their log is empty like any pod's.
 */
export function registerEgressProbes(store: ObjectStore, registry: ResourceRegistry, network: EgressProbeNetwork | undefined): EgressProbes {
  return new EgressProbes(store, registry, network);
}
