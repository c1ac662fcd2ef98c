/**
 * Durable Task history events in the PascalCase JSON shape the durable-functions replay executor reads
 * (DTFx HistoryEvent; see shared/reference/durable-functions-host-notes.md §3.3). Pure constructors.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;
export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

export const eventTypeName: Record<number, string> = Object.fromEntries(Object.entries(EventType).map(([k, v]) => [v, k]));

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(type: EventTypeNumber, timestamp: Date, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: timestamp.toISOString(), ...fields };
}

/** Event types that schedule work under a sequence id (EventId). */
export const schedulingTypes: ReadonlySet<number> = new Set([EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated, EventType.TimerCreated, EventType.EventSent]);

/** Completion events and the field holding the sequence id they complete. */
export function completedTaskId(e: HistoryEvent): number | undefined {
  switch (e.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return typeof e['TaskScheduledId'] === 'number' ? e['TaskScheduledId'] : undefined;
    case EventType.TimerFired:
      return typeof e['TimerId'] === 'number' ? e['TimerId'] : undefined;
    default:
      return undefined;
  }
}

export interface HistoryIndex {
  scheduled: Map<number, HistoryEvent>;
  completed: Set<number>;
}

export function indexHistory(history: readonly HistoryEvent[]): HistoryIndex {
  const scheduled = new Map<number, HistoryEvent>();
  const completed = new Set<number>();
  for (const e of history) {
    if (schedulingTypes.has(e.EventType)) scheduled.set(e.EventId, e);
    const done = completedTaskId(e);
    if (done !== undefined) completed.add(done);
  }
  return { scheduled, completed };
}

/** Orchestrator-visible JSON text for a value (undefined travels as null, like the extension). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}
