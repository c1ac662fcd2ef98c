/**
 * The Durable Task engine: runs orchestration episodes through durable-functions' own replay executor,
 * runs activities, fires timers, starts sub-orchestrations, and keeps everything in the task hub store.
 *
 * Single writer: the hub lease guarantees one host per hub, so the in-memory view of non-final instances is
 * authoritative once loaded; storage is written first (message, then episode commit) so a crash at any point
 * is recovered by `recover()`. Messages are batched per episode (all pending completions replay in one run),
 * which keeps fan-out linear instead of quadratic.
 */
import { randomUUID } from 'node:crypto';
import type { Invoker } from '../core/invoke';
import type { FunctionRegistry } from '../core/shim';
import type { RegisteredFunction, RpcTypedData } from '../core/types';
import { errorText, type Logger } from '../log';
import { KeyedMutex, Semaphore } from './concurrency';
import { MessageWriter } from './messageWriter';
import { activityFailure, executorOpenTasks, resultJson, typedDataValue } from './payloads';
import { DurableTimers } from './timers';
import { planEpisode, stateFromError, UnsupportedActionError, type ActivityWork, type ChildWork, type EpisodePlan, type OrchestratorStateJson, type TimerWork } from './decide';
import { completedTaskId, EventType, historyEvent, indexHistory, jsonText, type HistoryEvent } from './history';
import { finalStatuses, newMessageId, type InstanceRecord, type Message, type TaskHubStore } from './store';

export class InstanceExistsError extends Error {}
export class UnknownOrchestratorError extends Error {}
export class InvalidInstanceIdError extends Error {}

export type DeliveryResult = 'accepted' | 'notFound' | 'gone';

interface ActiveInstance {
  record: InstanceRecord;
  history: HistoryEvent[];
  pending: Message[];
  queued: boolean;
}

export interface EngineOptions {
  store: TaskHubStore;
  registry: FunctionRegistry;
  invoker: Invoker;
  logger: Logger;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** Non-trigger input binding data (the durable client) for functions that declare them. */
  bindingInputs: () => Record<string, RpcTypedData>;
}

/** Largest message batch (chars of event JSON) replayed in one episode; keeps a commit under the 4 MB transaction cap. */
const batchCharBudget = 1_500_000;

export function validateInstanceId(id: string): void {
  if (!id || id.length > 256 || id.startsWith('@') || /[/\\?#\u0000-\u001f\u007f-\u009f]/.test(id)) {
    throw new InvalidInstanceIdError(`Instance ID "${id}" is invalid: it must be 1-256 characters, not start with '@', and contain no '/', '\\', '?', '#' or control characters`);
  }
}

const now = (): Date => new Date();
const isoSeconds = (d: Date): string => d.toISOString();

export class DurableEngine {
  private readonly active = new Map<string, ActiveInstance>();
  private readonly mutex = new KeyedMutex();
  private readonly orchestrators: Semaphore;
  private readonly activities: Semaphore;
  private readonly timers = new DurableTimers();
  private readonly writer: MessageWriter;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly o: EngineOptions) {
    this.orchestrators = new Semaphore(o.maxConcurrentOrchestratorFunctions);
    this.activities = new Semaphore(o.maxConcurrentActivityFunctions);
    this.writer = new MessageWriter(o.store, (p) => this.track(p));
  }

  get hubName(): string { return this.o.store.hubName; }
  get store(): TaskHubStore { return this.o.store; }

  // ---------------------------------------------------------------- public API (client / HTTP)

  async startNew(name: string, instanceId: string | undefined, input: unknown, parent?: { instanceId: string; executionId: string; taskId: number; name: string }, version?: string): Promise<string> {
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    validateInstanceId(id);
    if (!this.orchestratorFunction(name)) throw new UnknownOrchestratorError(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    await this.mutex.run(id, async () => {
      const existing = this.active.get(id)?.record ?? await this.o.store.readInstance(id);
      if (existing && !finalStatuses.has(existing.status)) {
        throw new InstanceExistsError(`An instance with ID '${id}' already exists (status ${existing.status}).`);
      }
      if (existing) {
        const stale = await this.o.store.readMessages(id);
        await this.o.store.deleteMessages(id, stale);
      }
      const executionId = randomUUID().replace(/-/g, '');
      const t = isoSeconds(now());
      const inputText = input === undefined ? undefined : jsonText(input);
      const record: InstanceRecord = {
        instanceId: id, name, status: 'Pending', executionId, createdTime: t, lastUpdatedTime: t,
        input: inputText, output: undefined, customStatus: undefined,
        parentInstanceId: parent?.instanceId, parentExecutionId: parent?.executionId, parentTaskId: parent?.taskId,
        version, episodes: 0,
      };
      const start: Message = { id: newMessageId(), executionId, event: this.executionStarted(record) };
      await this.o.store.createInstance(record, start, existing !== undefined);
      if (existing) this.background(this.o.store.deleteOldExecutions(id, executionId));
      this.active.set(id, { record, history: [], pending: [start], queued: false });
      this.schedule(id);
    });
    return id;
  }

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    return this.o.store.readInstance(id);
  }

  async getHistory(record: InstanceRecord): Promise<HistoryEvent[]> {
    return (await this.o.store.readHistory(record.instanceId, record.executionId, record.episodes)).events;
  }

  raiseEvent(id: string, eventName: string, data: unknown): Promise<DeliveryResult> {
    const event = historyEvent(EventType.EventRaised, now(), data === undefined ? { Name: eventName } : { Name: eventName, Input: JSON.stringify(data) });
    return this.sendControl(id, event);
  }

  terminate(id: string, reason: string | undefined): Promise<DeliveryResult> {
    return this.sendControl(id, historyEvent(EventType.ExecutionTerminated, now(), { Input: reason ?? null }));
  }

  suspend(id: string, reason: string | undefined): Promise<DeliveryResult> {
    return this.sendControl(id, historyEvent(EventType.ExecutionSuspended, now(), { Reason: reason ?? null }));
  }

  resume(id: string, reason: string | undefined): Promise<DeliveryResult> {
    return this.sendControl(id, historyEvent(EventType.ExecutionResumed, now(), { Reason: reason ?? null }));
  }

  /** Purges a finished instance; running ones are left alone (as DTFx does) and count as not found. */
  purge(id: string): Promise<boolean> {
    return this.mutex.run(id, async () => {
      if (this.active.has(id)) return false;
      const record = await this.o.store.readInstance(id);
      if (!record || !finalStatuses.has(record.status)) return false;
      return this.o.store.purge(id);
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Loads every unfinished instance and re-issues its outstanding work (after a crash or restart). */
  async recover(): Promise<number> {
    const records = await this.o.store.listActive();
    for (const record of records) {
      const { events, consumed } = await this.o.store.readHistory(record.instanceId, record.executionId, record.episodes);
      const messages = await this.o.store.readMessages(record.instanceId);
      const pending = messages.filter((m) => !consumed.has(m.id));
      const done = messages.filter((m) => consumed.has(m.id));
      if (done.length) this.background(this.o.store.deleteMessages(record.instanceId, done));
      const inst: ActiveInstance = { record, history: events.map((e) => ({ ...e, IsPlayed: true })), pending, queued: false };
      this.active.set(record.instanceId, inst);
      this.reissueOutstanding(inst);
      if (pending.length) this.schedule(record.instanceId);
    }
    if (records.length) this.o.logger.info('DurableTask', `recovered ${records.length} unfinished instance(s) from task hub ${this.hubName}`);
    return records.length;
  }

  /** Stops dispatching work and waits (bounded) for in-flight episodes and activities. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.timers.clear();
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, graceMs))]);
  }

  // ---------------------------------------------------------------- internals: messages

  private async sendControl(id: string, event: HistoryEvent): Promise<DeliveryResult> {
    return this.mutex.run(id, async () => {
      const inst = this.active.get(id);
      if (!inst) {
        const record = await this.o.store.readInstance(id);
        return record ? 'gone' : 'notFound';
      }
      if (finalStatuses.has(inst.record.status)) return 'gone';
      await this.deliver(id, { id: newMessageId(), event });
      return 'accepted';
    });
  }

  /** Persists a message (batched per partition), then hands it to the live instance. */
  private async deliver(instanceId: string, message: Message): Promise<void> {
    const target = this.active.get(instanceId);
    // finished (or replaced/continued) instances take no more messages: late completions are dropped
    if (!target || (message.executionId && message.executionId !== target.record.executionId)) return;
    await this.writer.write(instanceId, message);
    const inst = this.active.get(instanceId);
    if (!inst) return;
    if (message.executionId && message.executionId !== inst.record.executionId) return;
    inst.pending.push(message);
    this.schedule(instanceId);
  }

  private schedule(instanceId: string): void {
    const inst = this.active.get(instanceId);
    if (!inst || inst.queued || this.stopping) return;
    inst.queued = true;
    setImmediate(() => {
      this.track(this.orchestrators.run(() => this.mutex.run(instanceId, async () => {
        inst.queued = false;
        await this.runEpisode(instanceId);
      })));
    });
  }

  private track<T>(p: Promise<T>): void {
    const tracked = p.catch((err: unknown) => this.o.logger.error('DurableTask', errorText(err)));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private background(p: Promise<unknown>): void {
    this.track(p.catch((err: unknown) => this.o.logger.warn('DurableTask', `background cleanup failed: ${errorText(err)}`)));
  }

  private takeBatch(inst: ActiveInstance): Message[] {
    const suspended = inst.record.status === 'Suspended';
    const batch: Message[] = [];
    const rest: Message[] = [];
    let chars = 0;
    for (const m of inst.pending) {
      const control = m.event.EventType === EventType.ExecutionResumed || m.event.EventType === EventType.ExecutionTerminated;
      if ((suspended && !control) || (batch.length > 0 && chars > batchCharBudget)) { rest.push(m); continue; }
      batch.push(m);
      chars += JSON.stringify(m.event).length;
    }
    inst.pending = rest;
    return batch;
  }

  // ---------------------------------------------------------------- internals: episodes

  /** One episode; if its commit fails (storage hiccup) the batch goes back and the episode is retried. */
  private async runEpisode(instanceId: string): Promise<void> {
    const inst = this.active.get(instanceId);
    if (!inst || this.stopping) return;
    const batch = this.takeBatch(inst);
    if (batch.length === 0) return;
    const progress = { committed: false };
    try {
      await this.processBatch(instanceId, inst, batch, progress);
    } catch (err) {
      if (progress.committed) {
        this.o.logger.error('DurableTask', `after the episode of ${instanceId}: ${errorText(err)}`);
      } else if (this.active.get(instanceId) === inst) {
        this.o.logger.error('DurableTask', `episode of ${instanceId} failed to commit, retrying in 1 s: ${errorText(err)}`);
        inst.pending = [...batch, ...inst.pending];
        setTimeout(() => this.schedule(instanceId), 1000).unref();
      }
    }
  }

  private async processBatch(instanceId: string, inst: ActiveInstance, batch: Message[], progress: { committed: boolean }): Promise<void> {
    const record = inst.record;
    const t = now();
    const index = indexHistory(inst.history);
    const started = inst.history.some((e) => e.EventType === EventType.ExecutionStarted);
    const events: HistoryEvent[] = [];
    let terminate: HistoryEvent | undefined;
    let suspendState: 'Suspended' | 'Running' | undefined;
    for (const m of batch) {
      if (m.executionId && m.executionId !== record.executionId) continue;
      const e = { ...m.event, IsPlayed: false };
      const done = completedTaskId(e);
      if (done !== undefined) {
        if (index.completed.has(done) || !index.scheduled.has(done)) continue;
        index.completed.add(done);
      }
      if (e.EventType === EventType.ExecutionStarted && (started || events.some((x) => x.EventType === EventType.ExecutionStarted))) continue;
      if (e.EventType === EventType.ExecutionTerminated) { terminate = e; continue; }
      if (e.EventType === EventType.ExecutionSuspended) suspendState = 'Suspended';
      if (e.EventType === EventType.ExecutionResumed) suspendState = 'Running';
      events.push(e);
    }
    events.sort((a, b) => Number(b.EventType === EventType.ExecutionStarted) - Number(a.EventType === EventType.ExecutionStarted));
    const consumed = batch.map((m) => m.id);
    const orchestratorStarted = historyEvent(EventType.OrchestratorStarted, t);
    const next: InstanceRecord = { ...record, lastUpdatedTime: isoSeconds(t), episodes: record.episodes + 1 };
    let episodeEvents: HistoryEvent[];
    let plan: EpisodePlan | undefined;

    if (terminate) {
      const reason = terminate['Input'];
      episodeEvents = [orchestratorStarted, ...events, terminate, historyEvent(EventType.OrchestratorCompleted, t)];
      Object.assign(next, { status: 'Terminated', output: jsonText(reason) });
    } else if (events.length === 0 || !(started || events[0]?.EventType === EventType.ExecutionStarted)) {
      // only stale/duplicate messages: record their consumption, nothing to replay
      episodeEvents = [];
      next.episodes = record.episodes;
      if (batch.length) this.background(this.o.store.deleteMessages(instanceId, batch));
      if (inst.pending.length) this.schedule(instanceId);
      return;
    } else if (suspendState === 'Suspended' || (record.status === 'Suspended' && suspendState !== 'Running')) {
      episodeEvents = [orchestratorStarted, ...events, historyEvent(EventType.OrchestratorCompleted, t)];
      next.status = 'Suspended';
      // events other than suspend/resume wait in the history until resumed; they replay then
    } else {
      const history = [...inst.history, orchestratorStarted, ...events];
      plan = await this.runOrchestrator(record, history, t);
      episodeEvents = [orchestratorStarted, ...events, ...plan.scheduling];
      const o = plan.outcome;
      if (o.hasCustomStatus) next.customStatus = jsonText(o.customStatus);
      if (o.kind === 'running') {
        next.status = 'Running';
      } else if (o.kind === 'completed') {
        next.status = 'Completed';
        next.output = jsonText(o.output);
        episodeEvents.push(historyEvent(EventType.ExecutionCompleted, t, { OrchestrationStatus: 'Completed', Result: jsonText(o.output) }));
      } else if (o.kind === 'failed') {
        next.status = 'Failed';
        next.output = jsonText(o.error);
        episodeEvents.push(historyEvent(EventType.ExecutionFailed, t, { OrchestrationStatus: 'Failed', Reason: o.error, Details: null }));
      } else {
        episodeEvents.push(historyEvent(EventType.ExecutionCompleted, t, { OrchestrationStatus: 'ContinuedAsNew', Result: null }));
      }
      episodeEvents.push(historyEvent(EventType.OrchestratorCompleted, t));
    }

    if (plan?.outcome.kind === 'continuedAsNew') {
      const executionId = randomUUID().replace(/-/g, '');
      const renewed: InstanceRecord = { ...next, status: 'Running', executionId, input: jsonText(plan.outcome.continueInput), output: undefined, episodes: 0 };
      const start: Message = { id: newMessageId(), executionId, event: this.executionStarted(renewed) };
      await this.o.store.commitEpisode({ record: renewed, historyExecutionId: record.executionId, episode: record.episodes, events: episodeEvents, consumed, newMessages: [start] });
      progress.committed = true;
      inst.record = renewed;
      inst.history = [];
      inst.pending = [start, ...inst.pending.filter((m) => !m.executionId)];
      this.timers.cancelInstance(instanceId);
      this.background(this.o.store.deleteMessages(instanceId, batch).then(() => this.o.store.deleteOldExecutions(instanceId, executionId)));
      this.schedule(instanceId);
      return;
    }

    await this.o.store.commitEpisode({ record: next, historyExecutionId: record.executionId, episode: record.episodes, events: episodeEvents, consumed });
    progress.committed = true;
    inst.record = next;
    inst.history.push(...episodeEvents.map((e) => ({ ...e, IsPlayed: true })));
    this.background(this.o.store.deleteMessages(instanceId, batch));

    if (finalStatuses.has(next.status)) {
      await this.finish(inst);
      return;
    }
    if (plan && next.status === 'Running') this.dispatch(next, plan.activities, plan.timers, plan.children);
    if (inst.pending.length) this.schedule(instanceId);
  }

  private async runOrchestrator(record: InstanceRecord, history: HistoryEvent[], t: Date): Promise<EpisodePlan> {
    const fn = this.orchestratorFunction(record.name);
    let state: OrchestratorStateJson;
    let openTasks: Record<string, unknown> = {};
    if (!fn) {
      state = { error: `The function '${record.name}' doesn't exist, is disabled, or is not an orchestrator function.` };
    } else {
      const payload = {
        history, input: record.input === undefined ? null : JSON.parse(record.input) as unknown, instanceId: record.instanceId,
        isReplaying: false, parentInstanceId: record.parentInstanceId ?? null, upperSchemaVersion: 1, upperSchemaVersionNew: 2,
        longRunningTimerIntervalDuration: '3.00:00:00', maximumShortTimerDuration: '6.00:00:00', defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      };
      try {
        const result = await this.o.invoker.invoke(fn, { triggerData: { json: JSON.stringify(payload) }, inputsByType: this.o.bindingInputs(), triggerMetadata: { instanceId: { string: record.instanceId } } });
        state = typedDataValue(result.returnValue) as OrchestratorStateJson;
        openTasks = executorOpenTasks(result.context);
      } catch (err) {
        state = stateFromError(err);
      }
    }
    try {
      return planEpisode({ history, openTasks, state, now: t, executionId: record.executionId, orchestratorName: record.name });
    } catch (err) {
      if (!(err instanceof UnsupportedActionError)) throw err;
      return planEpisode({ history, openTasks: {}, state: { error: err.message }, now: t, executionId: record.executionId, orchestratorName: record.name });
    }
  }

  private executionStarted(record: InstanceRecord): HistoryEvent {
    return historyEvent(EventType.ExecutionStarted, now(), {
      Name: record.name, Input: record.input ?? null, Version: record.version ?? '',
      OrchestrationInstance: { InstanceId: record.instanceId, ExecutionId: record.executionId },
      ParentInstance: record.parentInstanceId ? { OrchestrationInstance: { InstanceId: record.parentInstanceId, ExecutionId: record.parentExecutionId }, TaskScheduleId: record.parentTaskId } : null,
    });
  }

  private orchestratorFunction(name: string): RegisteredFunction | undefined {
    const fn = this.o.registry.get(name);
    return fn?.trigger.type === 'orchestrationTrigger' ? fn : undefined;
  }

  private async finish(inst: ActiveInstance): Promise<void> {
    const r = inst.record;
    this.active.delete(r.instanceId);
    this.timers.cancelInstance(r.instanceId);
    this.o.logger.info('DurableTask', `${r.name} (${r.instanceId}) ${r.status}`);
    if (r.parentInstanceId && r.parentExecutionId && r.parentTaskId !== undefined) {
      await this.notifyParent(r);
    }
  }

  private async notifyParent(child: InstanceRecord): Promise<void> {
    const parentId = child.parentInstanceId!;
    const fields = child.status === 'Completed'
      ? { TaskScheduledId: child.parentTaskId, Result: child.output ?? 'null' }
      : { TaskScheduledId: child.parentTaskId, Reason: child.status === 'Failed' ? String(JSON.parse(child.output ?? '""')) : `Sub-orchestration '${child.name}' (instance ${child.instanceId}) was ${child.status.toLowerCase()}: ${child.output ?? ''}`, Details: '' };
    const type = child.status === 'Completed' ? EventType.SubOrchestrationInstanceCompleted : EventType.SubOrchestrationInstanceFailed;
    await this.deliver(parentId, { id: newMessageId(), executionId: child.parentExecutionId, event: historyEvent(type, now(), fields) });
  }

  // ---------------------------------------------------------------- internals: work

  private dispatch(record: InstanceRecord, activities: ActivityWork[], timers: TimerWork[], children: ChildWork[]): void {
    for (const a of activities) this.runActivity(record.instanceId, record.executionId, a);
    for (const t of timers) this.armTimer(record.instanceId, record.executionId, t);
    for (const c of children) this.track(this.startChild(record, c));
  }

  /** After recovery: every scheduled task without a completion (in history or pending) runs again. */
  private reissueOutstanding(inst: ActiveInstance): void {
    const r = inst.record;
    const index = indexHistory(inst.history);
    for (const m of inst.pending) {
      if (m.executionId && m.executionId !== r.executionId) continue;
      const done = completedTaskId(m.event);
      if (done !== undefined) index.completed.add(done);
    }
    for (const [id, e] of index.scheduled) {
      if (index.completed.has(id)) continue;
      if (e.EventType === EventType.TaskScheduled) {
        this.runActivity(r.instanceId, r.executionId, { taskId: id, name: String(e['Name']), input: e['Input'] === undefined || e['Input'] === null ? undefined : JSON.parse(String(e['Input'])) as unknown });
      } else if (e.EventType === EventType.TimerCreated) {
        this.armTimer(r.instanceId, r.executionId, { taskId: id, fireAt: new Date(String(e['FireAt'])) });
      } else if (e.EventType === EventType.SubOrchestrationInstanceCreated) {
        this.track(this.recoverChild(r, id, e));
      }
    }
  }

  private async recoverChild(parent: InstanceRecord, taskId: number, e: HistoryEvent): Promise<void> {
    const childId = String(e['InstanceId']);
    const child = await this.o.store.readInstance(childId);
    if (!child || (finalStatuses.has(child.status) && child.parentInstanceId !== parent.instanceId)) {
      await this.startChild(parent, { taskId, name: String(e['Name']), instanceId: childId, input: JSON.parse(String(e['Input'] ?? 'null')) as unknown });
    } else if (finalStatuses.has(child.status)) {
      await this.notifyParent(child);
    }
  }

  private async startChild(parent: InstanceRecord, c: ChildWork): Promise<void> {
    try {
      await this.startNew(c.name, c.instanceId, c.input, { instanceId: parent.instanceId, executionId: parent.executionId, taskId: c.taskId, name: parent.name }, c.version);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.deliver(parent.instanceId, {
        id: newMessageId(), executionId: parent.executionId,
        event: historyEvent(EventType.SubOrchestrationInstanceFailed, now(), { TaskScheduledId: c.taskId, Reason: `Sub-orchestration '${c.name}' could not start: ${message}`, Details: '' }),
      });
    }
  }

  private runActivity(instanceId: string, executionId: string, work: ActivityWork): void {
    this.track(this.activities.run(async () => {
      const inst = this.active.get(instanceId);
      if (this.stopping || !inst || inst.record.executionId !== executionId) return;
      const fn = this.o.registry.get(work.name);
      let event: HistoryEvent;
      if (!fn || fn.trigger.type !== 'activityTrigger') {
        event = historyEvent(EventType.TaskFailed, now(), { TaskScheduledId: work.taskId, Reason: `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`, Details: '' });
      } else {
        try {
          const result = await this.o.invoker.invoke(fn, {
            triggerData: work.input === undefined ? undefined : { json: JSON.stringify(work.input) },
            inputsByType: this.o.bindingInputs(),
            triggerMetadata: { instanceId: { string: instanceId } },
          });
          event = historyEvent(EventType.TaskCompleted, now(), { TaskScheduledId: work.taskId, Result: resultJson(result.returnValue) });
        } catch (err) {
          if (this.stopping) return;
          event = historyEvent(EventType.TaskFailed, now(), { TaskScheduledId: work.taskId, ...activityFailure(work.name, err) });
        }
      }
      if (this.stopping) return;
      await this.deliver(instanceId, { id: newMessageId(), executionId, event });
    }));
  }

  private armTimer(instanceId: string, executionId: string, work: TimerWork): void {
    this.timers.arm(instanceId, work.taskId, work.fireAt, () => {
      if (this.stopping) return;
      this.track(this.deliver(instanceId, { id: newMessageId(), executionId, event: historyEvent(EventType.TimerFired, now(), { TimerId: work.taskId, FireAt: work.fireAt.toISOString() }) }));
    });
  }

}
