/**
 * The Calico twin of one cluster: watches the store like a controller and keeps it true to what Calico
 * and the Tigera operator would do:
 * - each Node gets a block of the default pod pool (its pod CIDR block);
 * - each EgressGateway has `replicas` gateway pods, scheduled by its template (nodeSelector,
 *   topologySpreadConstraints), with addresses from its IPPool (per-node block affinity), Ready after a delay;
 * - bgpSessions() says what every BGP session advertises (see bgp.ts).
 * It owns its IPAM state; it reads and writes Kubernetes objects only through the store.
 */
import { createHash } from 'node:crypto';
import { clone, getIn, isObject, stringMap, type JsonObject } from '../json';
import type { ResourceRegistry, ResourceType } from '../resources';
import { metadataOf, type ObjectStore, type StoreEvent } from '../store';
import { computeBgpSessions, type BgpInput, type BgpSession } from './bgp';
import { nodeIp, readBgpInput } from './bgp-input';
import { Ipam, type BlockInfo, type PoolInfo } from './ipam';
import { pickNode, type SchedNode, type SpreadConstraint } from './scheduler';
import { parseCalicoSelector } from './selector';
import { DEFAULT_TIMINGS, type TwinTimings } from './timings';

export type { BgpSession, BgpRoute } from './bgp';
export type { BlockInfo } from './ipam';
export { DEFAULT_TIMINGS, type TwinTimings } from './timings';

export interface BgpSessionsReport { cluster: string; localAsn: number; sessions: BgpSession[] }

const OWNER_LABEL = 'operator.tigera.io/egress-gateway';

function kinds(registry: ResourceRegistry): Record<'node' | 'pod' | 'egw' | 'pool' | 'bgpConfig' | 'peer' | 'filter', ResourceType> {
  const need = (apiVersion: string, kind: string): ResourceType => {
    const r = registry.byKind(apiVersion, kind);
    if (!r) throw new Error(`the Calico twin needs ${apiVersion} ${kind}, which the registry does not serve (check the CRD directory)`);
    return r;
  };
  return {
    node: need('v1', 'Node'), pod: need('v1', 'Pod'), egw: need('operator.tigera.io/v1', 'EgressGateway'),
    pool: need('projectcalico.org/v3', 'IPPool'), bgpConfig: need('projectcalico.org/v3', 'BGPConfiguration'),
    peer: need('projectcalico.org/v3', 'BGPPeer'), filter: need('projectcalico.org/v3', 'BGPFilter'),
  };
}

function nodeReady(node: JsonObject): boolean {
  const conditions = getIn(node, ['status', 'conditions']);
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export interface CalicoTwinOptions {
  timings?: TwinTimings;
  /** Name of the default pod IPPool whose blocks every node holds. */
  defaultPoolName?: string;
  /** Calico IPAMConfig strictAffinity: when true, never borrow addresses from other nodes' blocks. Default false. */
  strictAffinity?: boolean;
  now?: () => Date;
  /** IPAM state saved before a restart (`blocks()`); the store holds the matching pods. */
  ipam?: readonly BlockInfo[];
}

export class CalicoTwin {
  private readonly ipam: Ipam;
  readonly timings: TwinTimings;
  readonly defaultPoolName: string;
  private readonly now: () => Date;
  private readonly k: ReturnType<typeof kinds>;
  private readonly readyTimers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private reconciling = false;
  private dirty = false;
  private stopped = false;
  private podSeq = 0;
  private readonly bgpListeners = new Set<(sessions: BgpSession[]) => void>();
  private lastBgp = '';

  constructor(readonly clusterName: string, private readonly store: ObjectStore, registry: ResourceRegistry, options: CalicoTwinOptions = {}) {
    this.timings = options.timings ?? DEFAULT_TIMINGS;
    this.defaultPoolName = options.defaultPoolName ?? 'default-ipv4-ippool';
    this.now = options.now ?? (() => new Date());
    this.ipam = new Ipam(options.strictAffinity ?? false);
    if (options.ipam) this.ipam.restore(options.ipam);
    this.k = kinds(registry);
    const watched = new Set([this.k.node, this.k.pod, this.k.egw, this.k.pool]);
    const bgpInputs = new Set([this.k.node, this.k.pod, this.k.pool, this.k.bgpConfig, this.k.peer, this.k.filter]);
    this.unsubscribe = store.on((e: StoreEvent) => {
      if (bgpInputs.has(e.resource)) queueMicrotask(() => this.notifyBgp());
      if (!watched.has(e.resource)) return;
      if (e.type === 'DELETED' && e.resource === this.k.pod) this.ipam.release(this.podHandle(e.object));
      if (e.type === 'DELETED' && e.resource === this.k.node) this.ipam.releaseNode(String(metadataOf(e.object).name));
      if (e.type === 'DELETED' && e.resource === this.k.pool) this.ipam.releasePool(String(metadataOf(e.object).name));
      this.reconcile();
    });
    this.reconcile();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const t of this.readyTimers.values()) clearTimeout(t);
    this.readyTimers.clear();
  }

  /**
   * Calls `listener` with the new sessions whenever what this cluster advertises changes (after the write
   * that changed it). Returns the unsubscribe function.
   */
  onBgpChange(listener: (sessions: BgpSession[]) => void): () => void {
    if (this.bgpListeners.size === 0) this.lastBgp = JSON.stringify(this.bgpSessions());
    this.bgpListeners.add(listener);
    return () => this.bgpListeners.delete(listener);
  }

  private notifyBgp(): void {
    if (this.stopped || this.bgpListeners.size === 0) return;
    const sessions = this.bgpSessions();
    const json = JSON.stringify(sessions);
    if (json === this.lastBgp) return;
    this.lastBgp = json;
    for (const l of [...this.bgpListeners]) l(sessions);
  }

  /** What every BGP session of this cluster advertises right now. */
  bgpSessions(): BgpSession[] {
    return computeBgpSessions(this.bgpInput());
  }

  bgpReport(): BgpSessionsReport {
    const input = this.bgpInput();
    return { cluster: this.clusterName, localAsn: input.asNumber, sessions: computeBgpSessions(input) };
  }

  /** Calico IPAM for an ordinary pod on `node`: an address from the default pool (undefined when none). */
  assignPodAddress(node: string, handle: string): string | undefined {
    const pool = this.pools().get(this.defaultPoolName);
    return pool ? this.ipam.assign(pool, node, handle) : undefined;
  }

  /** IPAM blocks with their node affinity and allocations (handles are namespace/pod). */
  blocks(): BlockInfo[] {
    return this.ipam.blockList();
  }

  // ---- reconciliation ------------------------------------------------------------------------

  reconcile(): void {
    if (this.stopped) return;
    if (this.reconciling) {
      this.dirty = true;
      return;
    }
    this.reconciling = true;
    try {
      let rounds = 0;
      do {
        this.dirty = false;
        this.reconcileNodeBlocks();
        this.reconcileGateways();
      } while (this.dirty && ++rounds < 10);
    } finally {
      this.reconciling = false;
    }
  }

  private pools(): Map<string, PoolInfo> {
    const out = new Map<string, PoolInfo>();
    for (const p of this.store.list(this.k.pool)) {
      const spec = isObject(p.spec) ? p.spec : {};
      const name = String(metadataOf(p).name);
      out.set(name, { name, cidr: String(spec.cidr ?? ''), blockSize: num(spec.blockSize) ?? 26, disabled: spec.disabled === true });
    }
    return out;
  }

  private reconcileNodeBlocks(): void {
    const pool = this.pools().get(this.defaultPoolName);
    if (!pool) return;
    for (const n of this.store.list(this.k.node)) this.ipam.claimBlock(pool, String(metadataOf(n).name));
  }

  private podHandle(pod: JsonObject): string {
    const md = metadataOf(pod);
    return `${String(md.namespace)}/${String(md.name)}`;
  }

  private ownedPods(egw: JsonObject): JsonObject[] {
    const md = metadataOf(egw);
    return this.store.list(this.k.pod, String(md.namespace)).filter((p) => {
      const refs = metadataOf(p).ownerReferences;
      return Array.isArray(refs) && refs.some((r) => isObject(r) && r.uid === md.uid);
    });
  }

  private reconcileGateways(): void {
    const gateways = this.store.list(this.k.egw);
    const liveUids = new Set(gateways.map((g) => metadataOf(g).uid));
    // Garbage-collect pods whose gateway is gone.
    for (const p of this.store.list(this.k.pod)) {
      const refs = metadataOf(p).ownerReferences;
      const owner = Array.isArray(refs) ? refs.find((r) => isObject(r) && r.kind === 'EgressGateway') : undefined;
      if (isObject(owner) && !liveUids.has(owner.uid)) this.deletePod(p);
    }
    for (const g of gateways) this.reconcileGateway(g);
  }

  private reconcileGateway(egw: JsonObject): void {
    const spec = isObject(egw.spec) ? egw.spec : {};
    const desired = num(spec.replicas) ?? 1;
    let pods = this.ownedPods(egw);
    // Scale down: newest first.
    const surplus = pods.length - desired;
    if (surplus > 0) {
      const byAge = [...pods].sort((a, b) => String(metadataOf(b).creationTimestamp).localeCompare(String(metadataOf(a).creationTimestamp)) || String(metadataOf(b).name).localeCompare(String(metadataOf(a).name)));
      for (const p of byAge.slice(0, surplus)) this.deletePod(p);
      pods = this.ownedPods(egw);
    }
    for (let i = pods.length; i < desired; i++) this.createGatewayPod(egw);
    // Pods that could not be scheduled or addressed earlier get another chance.
    for (const p of this.ownedPods(egw)) {
      if (!getIn(p, ['spec', 'nodeName']) || !getIn(p, ['status', 'podIP'])) this.placePod(egw, p);
      // An addressed pod not yet Running (e.g. restored after a restart) becomes Ready after its delay.
      else if (getIn(p, ['status', 'phase']) !== 'Running') this.scheduleReady(p);
    }
    this.updateGatewayStatus(egw);
  }

  private template(egw: JsonObject): { labels: Record<string, string>; nodeSelector: Record<string, string>; constraints: SpreadConstraint[]; podSpec: JsonObject } {
    const tmpl = getIn(egw, ['spec', 'template']);
    const labels = stringMap(getIn(tmpl, ['metadata', 'labels']));
    const podSpec = isObject(getIn(tmpl, ['spec'])) ? (getIn(tmpl, ['spec']) as JsonObject) : {};
    const raw = podSpec.topologySpreadConstraints;
    const constraints: SpreadConstraint[] = (Array.isArray(raw) ? raw : []).filter(isObject).map((c) => ({
      maxSkew: num(c.maxSkew) ?? 1,
      topologyKey: String(c.topologyKey ?? ''),
      whenUnsatisfiable: String(c.whenUnsatisfiable ?? 'DoNotSchedule'),
      matchLabels: stringMap(getIn(c, ['labelSelector', 'matchLabels'])),
    }));
    return { labels, nodeSelector: stringMap(podSpec.nodeSelector), constraints, podSpec };
  }

  private podName(egw: JsonObject): string {
    const md = metadataOf(egw);
    for (;;) {
      // Deterministic per run, but a replacement pod never reuses a deleted pod's name (as a ReplicaSet).
      const suffix = createHash('sha256').update(`${String(md.uid)}/${this.podSeq++}`).digest('hex').slice(0, 5);
      const name = `${String(md.name)}-${suffix}`;
      if (!this.store.get(this.k.pod, String(md.namespace), name)) return name;
    }
  }

  private createGatewayPod(egw: JsonObject): void {
    const md = metadataOf(egw);
    const t = this.template(egw);
    const pod: JsonObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: this.podName(egw), namespace: md.namespace,
        labels: { ...t.labels, [OWNER_LABEL]: String(md.name) },
        ownerReferences: [{ apiVersion: 'operator.tigera.io/v1', kind: 'EgressGateway', name: md.name, uid: md.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        ...clone(t.podSpec),
        containers: [{ name: 'egress-gateway', image: 'quay.io/tigera/egress-gateway', ports: [{ containerPort: 8080, name: 'health', protocol: 'TCP' }] }],
        schedulerName: 'default-scheduler',
      },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
    };
    const created = this.store.create(this.k.pod, pod);
    this.placePod(egw, created);
  }

  /** Schedules the pod and assigns its address; leaves it Pending with a reason when it cannot. */
  private placePod(egw: JsonObject, pod: JsonObject): void {
    const t = this.template(egw);
    const next = clone(pod);
    const spec = isObject(next.spec) ? next.spec : (next.spec = {});
    const nodes = this.store.list(this.k.node);
    if (!spec.nodeName) {
      const schedNodes: SchedNode[] = nodes.map((n) => ({ name: String(metadataOf(n).name), labels: stringMap(metadataOf(n).labels), ready: nodeReady(n) }));
      const egwUid = metadataOf(egw).uid;
      const others = this.store.list(this.k.pod, String(metadataOf(egw).namespace))
        .filter((p) => typeof getIn(p, ['spec', 'nodeName']) === 'string')
        .map((p) => ({ node: String(getIn(p, ['spec', 'nodeName'])), labels: stringMap(metadataOf(p).labels), sameOwner: JSON.stringify(metadataOf(p).ownerReferences ?? []).includes(String(egwUid)) }));
      const chosen = pickNode(schedNodes, t.nodeSelector, t.constraints, others);
      if (!chosen) {
        this.setPending(next, 'Unschedulable', '0/' + nodes.length + ' nodes are available: didn\'t match pod topology spread constraints or node selector.');
        return;
      }
      spec.nodeName = chosen;
    }
    const node = nodes.find((n) => metadataOf(n).name === spec.nodeName);
    const pools = this.pools();
    const wanted = getIn(egw, ['spec', 'ipPools']);
    const refs = (Array.isArray(wanted) ? wanted : []).filter(isObject);
    let ip: string | undefined;
    let poolName = '';
    for (const ref of refs) {
      const pool = typeof ref.name === 'string' ? pools.get(ref.name) : [...pools.values()].find((p) => p.cidr === ref.cidr);
      if (!pool) continue;
      ip = this.ipam.assign(pool, String(spec.nodeName), this.podHandle(next));
      poolName = pool.name;
      if (ip) break;
    }
    if (!ip) {
      this.setPending(next, 'IPAMFailed', refs.length === 0 ? 'EgressGateway has no spec.ipPools' : `no free address in IPPool(s) ${refs.map((r) => String(r.name ?? r.cidr)).join(', ')}`);
      return;
    }
    const md = metadataOf(next);
    md.annotations = { ...stringMap(md.annotations), 'cni.projectcalico.org/podIP': `${ip}/32`, 'cni.projectcalico.org/podIPs': `${ip}/32`, 'cni.projectcalico.org/ipv4pools': JSON.stringify([poolName]) };
    next.status = {
      phase: 'Pending', hostIP: node ? nodeIp(node) : '', podIP: ip, podIPs: [{ ip }],
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.timestamp() }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: this.timestamp() }],
    };
    this.store.update(this.k.pod, next);
    this.scheduleReady(next);
  }

  private setPending(pod: JsonObject, reason: string, message: string): void {
    pod.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason, message, lastTransitionTime: this.timestamp() }] };
    this.store.update(this.k.pod, pod);
  }

  private scheduleReady(pod: JsonObject): void {
    const handle = this.podHandle(pod);
    if (this.readyTimers.has(handle)) return;
    const timer = setTimeout(() => {
      this.readyTimers.delete(handle);
      if (this.stopped) return;
      const md = metadataOf(pod);
      const current = this.store.get(this.k.pod, String(md.namespace), String(md.name));
      if (!current || metadataOf(current).uid !== md.uid) return;
      const next = clone(current);
      const status = isObject(next.status) ? next.status : (next.status = {});
      status.phase = 'Running';
      status.startTime ??= this.timestamp();
      status.conditions = [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: this.timestamp() },
        { type: 'Initialized', status: 'True', lastTransitionTime: this.timestamp() },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: this.timestamp() },
        { type: 'Ready', status: 'True', lastTransitionTime: this.timestamp() },
      ];
      status.containerStatuses = [{ name: 'egress-gateway', ready: true, started: true, restartCount: 0, image: 'quay.io/tigera/egress-gateway', state: { running: { startedAt: this.timestamp() } } }];
      this.store.update(this.k.pod, next);
      const owner = this.store.list(this.k.egw, String(md.namespace)).find((g) => JSON.stringify(md.ownerReferences ?? []).includes(String(metadataOf(g).uid)));
      if (owner) this.updateGatewayStatus(owner);
    }, this.timings.gatewayPodReadyMs);
    timer.unref?.();
    this.readyTimers.set(handle, timer);
  }

  private deletePod(pod: JsonObject): void {
    const md = metadataOf(pod);
    const handle = this.podHandle(pod);
    const t = this.readyTimers.get(handle);
    if (t) clearTimeout(t);
    this.readyTimers.delete(handle);
    if (this.store.get(this.k.pod, String(md.namespace), String(md.name))) this.store.delete(this.k.pod, String(md.namespace), String(md.name));
    this.ipam.release(handle);
  }

  private updateGatewayStatus(egw: JsonObject): void {
    const pods = this.ownedPods(egw);
    const desired = num(getIn(egw, ['spec', 'replicas'])) ?? 1;
    const ready = pods.filter((p) => getIn(p, ['status', 'phase']) === 'Running').length;
    const allReady = ready >= desired;
    const current = this.store.get(this.k.egw, String(metadataOf(egw).namespace), String(metadataOf(egw).name));
    if (!current) return;
    const previous = getIn(current, ['status', 'conditions']);
    const prevReady = Array.isArray(previous) ? previous.find((c) => isObject(c) && c.type === 'Ready') : undefined;
    const status = allReady ? 'True' : 'False';
    if (isObject(prevReady) && prevReady.status === status && getIn(current, ['status', 'state']) === (allReady ? 'Ready' : 'Progressing')) return;
    const next = clone(current);
    next.status = {
      state: allReady ? 'Ready' : 'Progressing',
      conditions: [{
        type: 'Ready', status, reason: allReady ? 'AllReplicasReady' : 'ReplicasNotReady', message: `${ready}/${desired} gateway pods ready`,
        lastTransitionTime: this.timestamp(), observedGeneration: num(metadataOf(current).generation) ?? 1,
      }],
    };
    this.store.update(this.k.egw, next);
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private bgpInput(): BgpInput {
    return readBgpInput(this.store, this.k, this.ipam.blockList());
  }
}

/** Exposed for tests of selectors used by IPPool nodeSelector. */
export { parseCalicoSelector };
