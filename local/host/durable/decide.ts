/**
 * Turns one orchestrator run into new history and work, from what durable-functions' replay executor left
 * behind: its open tasks (id -> task, ids allocated by the JS executor itself, so the sequence ids in history
 * match by construction) and the returned OrchestratorState (or the OrchestrationFailureError it threw).
 * Pure: no I/O; the engine commits the result. See notes §3.2-§3.7.
 */
import { EventType, historyEvent, indexHistory, jsonText, type HistoryEvent } from './history';

export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

export interface ActivityWork { taskId: number; name: string; input: unknown }
export interface TimerWork { taskId: number; fireAt: Date }
export interface ChildWork { taskId: number; name: string; instanceId: string; input: unknown; version?: string }

export interface OrchestratorOutcome {
  kind: 'running' | 'completed' | 'failed' | 'continuedAsNew';
  output?: unknown;
  error?: string;
  /** Present when the run set a (truthy) custom status. */
  customStatus?: unknown;
  hasCustomStatus: boolean;
  continueInput?: unknown;
}

export interface EpisodePlan {
  scheduling: HistoryEvent[];
  activities: ActivityWork[];
  timers: TimerWork[];
  children: ChildWork[];
  outcome: OrchestratorOutcome;
}

/** The V3 orchestrator state as returned (or embedded after `$OutOfProcData$:` in the thrown error). */
export interface OrchestratorStateJson {
  isDone?: boolean;
  actions?: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

interface ActionLike { actionType?: number; functionName?: string; input?: unknown; instanceId?: string; version?: string; fireAt?: unknown; isCanceled?: boolean; retryOptions?: RetryPolicy }
interface TaskLike { id?: unknown; actionObj?: unknown; parent?: TaskLike; isWaitingOnTimer?: boolean; attemptNumber?: number; retryOptions?: RetryPolicy }

const outOfProcLabel = '$OutOfProcData$:';

/** Parses the executor's thrown OrchestrationFailureError into its state; other errors become `{error}`. */
export function stateFromError(err: unknown): OrchestratorStateJson {
  const message = err instanceof Error ? err.message : String(err);
  const at = message.indexOf(outOfProcLabel);
  if (at >= 0) {
    try {
      return JSON.parse(message.slice(at + outOfProcLabel.length)) as OrchestratorStateJson;
    } catch {
      // fall through: report the raw message
    }
  }
  return { isDone: false, error: message };
}

/** Inputs of CallActivity/WithRetry/ContinueAsNew went through Utils.processInput (strings JSON-encoded once). */
export function decodeProcessedInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

export function retryDelayMs(policy: RetryPolicy, attemptNumber: number): number {
  const coefficient = policy.backoffCoefficient ?? 1;
  let delay = policy.firstRetryIntervalInMilliseconds * Math.pow(coefficient, Math.max(0, attemptNumber - 2));
  if (policy.maxRetryIntervalInMilliseconds && policy.maxRetryIntervalInMilliseconds > 0) delay = Math.min(delay, policy.maxRetryIntervalInMilliseconds);
  return Math.max(0, delay);
}

export class UnsupportedActionError extends Error {}

/** The orchestrator yielded something other than what history recorded under the same sequence id. */
export class NonDeterminismError extends UnsupportedActionError {}

const expectedScheduling: Record<number, number> = { 0: EventType.TaskScheduled, 1: EventType.TaskScheduled, 2: EventType.SubOrchestrationInstanceCreated, 3: EventType.SubOrchestrationInstanceCreated, 5: EventType.TimerCreated };

/** DTFx-style replay check for a task that history already scheduled under `id`. */
function checkReplay(id: number, action: ActionLike, recorded: HistoryEvent): void {
  const expected = action.actionType === undefined ? undefined : expectedScheduling[action.actionType];
  if (expected === undefined) return;
  const recordedName = recorded['Name'];
  const sameName = expected === EventType.TimerCreated || recordedName === action.functionName;
  if (recorded.EventType !== expected || !sameName) {
    throw new NonDeterminismError(`Non-deterministic workflow detected: task ${id} was recorded as ${String(recorded.EventType)}${recordedName ? ` '${String(recordedName)}'` : ''} but the orchestrator now schedules action type ${String(action.actionType)}${action.functionName ? ` '${action.functionName}'` : ''}. Orchestrator code must not change while instances are in flight.`);
  }
}

export function planEpisode(args: {
  history: readonly HistoryEvent[];
  openTasks: Record<string, unknown>;
  state: OrchestratorStateJson;
  now: Date;
  executionId: string;
  orchestratorName: string;
}): EpisodePlan {
  const { history, now } = args;
  const index = indexHistory(history);
  const scheduling: HistoryEvent[] = [];
  const activities: ActivityWork[] = [];
  const timers: TimerWork[] = [];
  const children: ChildWork[] = [];

  const ids = Object.keys(args.openTasks).filter((k) => /^\d+$/.test(k)).map(Number).sort((a, b) => a - b);
  for (const id of ids) {
    const task = args.openTasks[String(id)] as TaskLike;
    const recorded = index.scheduled.get(id);
    if (recorded) {
      if (task.actionObj && typeof task.actionObj === 'object') checkReplay(id, task.actionObj as ActionLike, recorded);
      continue;
    }
    let action = task.actionObj as ActionLike | string | undefined;
    if (action === 'noOp') {
      const parent = task.parent;
      if (!parent) throw new UnsupportedActionError(`task ${id} is a no-op without a retry parent`);
      if (parent.isWaitingOnTimer) {
        const policy = parent.retryOptions ?? (parent.actionObj as ActionLike | undefined)?.retryOptions;
        const delay = policy ? retryDelayMs(policy, parent.attemptNumber ?? 2) : 0;
        const fireAt = new Date(now.getTime() + delay);
        scheduling.push(historyEvent(EventType.TimerCreated, now, { FireAt: fireAt.toISOString() }, id));
        timers.push({ taskId: id, fireAt });
        continue;
      }
      action = parent.actionObj as ActionLike | undefined;
    }
    if (!action || typeof action !== 'object') throw new UnsupportedActionError(`task ${id} has no action`);
    switch (action.actionType) {
      case 0:
      case 1: {
        const input = decodeProcessedInput(action.input);
        const name = String(action.functionName);
        scheduling.push(historyEvent(EventType.TaskScheduled, now, { Name: name, Input: jsonText(input) }, id));
        activities.push({ taskId: id, name, input });
        break;
      }
      case 2:
      case 3: {
        const name = String(action.functionName);
        const instanceId = action.instanceId || `${args.executionId}:${id}`;
        scheduling.push(historyEvent(EventType.SubOrchestrationInstanceCreated, now, { Name: name, InstanceId: instanceId, Input: jsonText(action.input) }, id));
        children.push({ taskId: id, name, instanceId, input: action.input ?? null, version: action.version });
        break;
      }
      case 5: {
        if (action.isCanceled) continue;
        const fireAt = new Date(action.fireAt as string | Date);
        scheduling.push(historyEvent(EventType.TimerCreated, now, { FireAt: fireAt.toISOString() }, id));
        timers.push({ taskId: id, fireAt });
        break;
      }
      case 7:
      case 9:
      case 13:
        throw new UnsupportedActionError('Durable entities are not supported by this local host (callEntity/signalEntity/lock)');
      case 8:
        throw new UnsupportedActionError('callHttp is not supported by this local host');
      default:
        throw new UnsupportedActionError(`action type ${String(action.actionType)} is not supported by this local host`);
    }
  }

  const state = args.state;
  const flat = (state.actions ?? []).flat();
  if (flat.some((a) => [7, 9, 13].includes((a as ActionLike).actionType ?? -1))) {
    throw new UnsupportedActionError('Durable entities are not supported by this local host (callEntity/signalEntity/lock)');
  }
  const hasCustomStatus = state.customStatus !== undefined && state.customStatus !== null;
  let outcome: OrchestratorOutcome;
  if (state.error !== undefined) {
    outcome = { kind: 'failed', error: `Orchestrator function '${args.orchestratorName}' failed: ${state.error}`, hasCustomStatus, customStatus: state.customStatus };
  } else if (state.isDone) {
    const last = flat[flat.length - 1] as ActionLike | undefined;
    if (last?.actionType === 4) {
      outcome = { kind: 'continuedAsNew', continueInput: decodeProcessedInput(last.input), hasCustomStatus, customStatus: state.customStatus };
    } else {
      outcome = { kind: 'completed', output: state.output, hasCustomStatus, customStatus: state.customStatus };
    }
  } else {
    outcome = { kind: 'running', hasCustomStatus, customStatus: state.customStatus };
  }
  return { scheduling, activities, timers, children, outcome };
}
