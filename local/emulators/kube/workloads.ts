/**
 * The rest of a cluster's behaviour, as far as ordinary workloads need it: a scheduler + kubelet that
 * puts pods (other than egress gateway pods, which the Calico twin places) on a Ready node matching
 * their nodeSelector, addresses them through Calico IPAM and makes them Running/Ready after a delay,
 * and a Job controller that runs one pod per Job and marks it Complete after a delay. Timings are data.
 */
import { clone, getIn, isObject, stringMap, type JsonObject } from './json';
import type { ResourceRegistry, ResourceType } from './resources';
import { metadataOf, type ObjectStore, type StoreEvent } from './store';
import type { TwinTimings } from './calico-twin';

export interface PodAddressing { assignPodAddress(node: string, handle: string): string | undefined }

function need(registry: ResourceRegistry, apiVersion: string, kind: string): ResourceType {
  const r = registry.byKind(apiVersion, kind);
  if (!r) throw new Error(`workloads need ${apiVersion} ${kind}`);
  return r;
}

export class WorkloadSimulator {
  private readonly pod: ResourceType;
  private readonly node: ResourceType;
  private readonly job: ResourceType;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private busy = false;
  private again = false;
  private stopped = false;

  constructor(private readonly store: ObjectStore, registry: ResourceRegistry, private readonly addressing: PodAddressing, private readonly timings: TwinTimings, private readonly now: () => Date) {
    this.pod = need(registry, 'v1', 'Pod');
    this.node = need(registry, 'v1', 'Node');
    this.job = need(registry, 'batch/v1', 'Job');
    this.unsubscribe = store.on((e: StoreEvent) => {
      if (e.type !== 'DELETED' && (e.resource === this.pod || e.resource === this.job)) this.reconcile();
      if (e.type === 'DELETED' && e.resource === this.job) this.deleteJobPods(e.object);
    });
    this.resume();
  }

  /** After a restart: pods placed but not yet Running start, Job pods that run finish (timers are not saved). */
  private resume(): void {
    for (const pod of this.store.list(this.pod)) {
      if (this.ownerKind(pod) === 'EgressGateway' || !getIn(pod, ['spec', 'nodeName'])) continue;
      const phase = getIn(pod, ['status', 'phase']);
      if (phase === 'Pending') this.later(this.timings.podReadyMs, () => this.run(pod));
      else if (phase === 'Running' && this.ownerKind(pod) === 'Job') this.later(this.timings.jobCompleteMs, () => this.finish(pod));
    }
    this.reconcile();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private ts(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  private reconcile(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        for (const job of this.store.list(this.job)) this.reconcileJob(job);
        for (const pod of this.store.list(this.pod)) if (this.isOrdinaryUnplaced(pod)) this.place(pod);
      } while (this.again);
    } finally {
      this.busy = false;
    }
  }

  private ownerKind(pod: JsonObject): string | undefined {
    const refs = metadataOf(pod).ownerReferences;
    const owner = Array.isArray(refs) ? refs.find((r) => isObject(r) && r.controller === true) : undefined;
    return isObject(owner) && typeof owner.kind === 'string' ? owner.kind : undefined;
  }

  private isOrdinaryUnplaced(pod: JsonObject): boolean {
    return this.ownerKind(pod) !== 'EgressGateway' && !getIn(pod, ['spec', 'nodeName']) && getIn(pod, ['status', 'phase']) === undefined;
  }

  private place(pod: JsonObject): void {
    const selector = stringMap(getIn(pod, ['spec', 'nodeSelector']));
    const pods = this.store.list(this.pod);
    const nodes = this.store.list(this.node).filter((n) => {
      const labels = stringMap(metadataOf(n).labels);
      const conditions = getIn(n, ['status', 'conditions']);
      const ready = Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
      return ready && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    const next = clone(pod);
    const md = metadataOf(next);
    if (nodes.length === 0) {
      next.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0 nodes match the pod\'s node selector', lastTransitionTime: this.ts() }] };
      this.store.update(this.pod, next);
      return;
    }
    const load = (n: JsonObject): number => pods.filter((p) => getIn(p, ['spec', 'nodeName']) === metadataOf(n).name).length;
    const node = [...nodes].sort((a, b) => load(a) - load(b) || String(metadataOf(a).name).localeCompare(String(metadataOf(b).name)))[0]!;
    const nodeName = String(metadataOf(node).name);
    const hostNetwork = getIn(pod, ['spec', 'hostNetwork']) === true;
    const addresses = getIn(node, ['status', 'addresses']);
    const hostIp = Array.isArray(addresses) ? String((addresses.find((a) => isObject(a) && a.type === 'InternalIP') as JsonObject | undefined)?.address ?? '') : '';
    const ip = hostNetwork ? hostIp : this.addressing.assignPodAddress(nodeName, `${String(md.namespace)}/${String(md.name)}`);
    (next.spec as JsonObject).nodeName = nodeName;
    next.status = {
      phase: 'Pending', hostIP: hostIp, ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.ts() }],
    };
    const placed = this.store.update(this.pod, next);
    this.later(this.timings.podReadyMs, () => this.run(placed));
  }

  private run(pod: JsonObject): void {
    const md = metadataOf(pod);
    const current = this.store.get(this.pod, String(md.namespace), String(md.name));
    if (!current || metadataOf(current).uid !== md.uid) return;
    const next = clone(current);
    const containers = getIn(next, ['spec', 'containers']);
    const names = (Array.isArray(containers) ? containers : []).filter(isObject).map((c) => String(c.name));
    const status = next.status as JsonObject;
    status.phase = 'Running';
    status.startTime = this.ts();
    status.conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: this.ts() }));
    status.containerStatuses = names.map((name) => ({ name, ready: true, started: true, restartCount: 0, state: { running: { startedAt: this.ts() } } }));
    const running = this.store.update(this.pod, next);
    if (this.ownerKind(running) === 'Job') this.later(this.timings.jobCompleteMs, () => this.finish(running));
  }

  private finish(pod: JsonObject): void {
    const md = metadataOf(pod);
    const current = this.store.get(this.pod, String(md.namespace), String(md.name));
    if (!current || metadataOf(current).uid !== md.uid) return;
    const next = clone(current);
    const status = next.status as JsonObject;
    status.phase = 'Succeeded';
    status.conditions = [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: this.ts() }];
    const containerStatuses = Array.isArray(status.containerStatuses) ? status.containerStatuses : [];
    status.containerStatuses = containerStatuses.filter(isObject).map((c) => ({ ...c, ready: false, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: this.ts() } } }));
    this.store.update(this.pod, next);
    const refs = md.ownerReferences;
    const owner = Array.isArray(refs) ? refs.find((r) => isObject(r) && r.kind === 'Job') : undefined;
    const job = isObject(owner) ? this.store.get(this.job, String(md.namespace), String(owner.name)) : undefined;
    if (!job) return;
    const done = clone(job);
    done.status = {
      ...(isObject(job.status) ? job.status : {}), active: 0, succeeded: 1, ready: 0, completionTime: this.ts(),
      conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: this.ts() }, { type: 'Complete', status: 'True', lastTransitionTime: this.ts() }],
    };
    this.store.update(this.job, done);
  }

  private jobPods(job: JsonObject): JsonObject[] {
    const uid = metadataOf(job).uid;
    return this.store.list(this.pod, String(metadataOf(job).namespace)).filter((p) => {
      const refs = metadataOf(p).ownerReferences;
      return Array.isArray(refs) && refs.some((r) => isObject(r) && r.uid === uid);
    });
  }

  private reconcileJob(job: JsonObject): void {
    if (getIn(job, ['status', 'startTime']) !== undefined || this.jobPods(job).length > 0) return;
    const md = metadataOf(job);
    const template = getIn(job, ['spec', 'template']);
    const tmd = isObject(template) && isObject(template.metadata) ? template.metadata : {};
    const spec = isObject(template) && isObject(template.spec) ? clone(template.spec) : {};
    this.store.create(this.pod, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: `${String(md.name)}-${String(md.uid).slice(0, 5)}`, namespace: md.namespace,
        labels: { ...stringMap(tmd.labels), 'batch.kubernetes.io/job-name': String(md.name), 'job-name': String(md.name) },
        ...(isObject(tmd.annotations) ? { annotations: tmd.annotations } : {}),
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: md.name, uid: md.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec,
    });
    const started = clone(this.store.get(this.job, String(md.namespace), String(md.name)) ?? job);
    started.status = { ...(isObject(started.status) ? started.status : {}), startTime: this.ts(), active: 1 };
    this.store.update(this.job, started);
  }

  private deleteJobPods(job: JsonObject): void {
    for (const p of this.jobPods(job)) {
      const md = metadataOf(p);
      if (this.store.get(this.pod, String(md.namespace), String(md.name))) this.store.delete(this.pod, String(md.namespace), String(md.name));
    }
  }
}
