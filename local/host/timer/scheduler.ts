/**
 * Timer triggers: NCRONTAB schedules (UTC), `runOnStartup`, `useMonitor` (last/next persisted in the task hub's
 * lease table so an occurrence missed while the host was down fires once at start with `isPastDue: true`),
 * no overlapping runs of one function, and `fireNow` for the admin API (tests never wait for the clock).
 */
import type { Invoker } from '../core/invoke';
import type { FunctionRegistry } from '../core/shim';
import type { RegisteredFunction, RpcTypedData } from '../core/types';
import { resolveSetting } from '../config';
import type { TimerStatus } from '../durable/hostTable';
import { errorText, type Logger } from '../log';
import { parseSchedule, type Schedule } from './ncrontab';

export interface TimerStatusStore {
  readTimerStatus(name: string): Promise<TimerStatus | undefined>;
  writeTimerStatus(name: string, status: TimerStatus): Promise<void>;
}

interface TimerEntry { fn: RegisteredFunction; schedule: Schedule; useMonitor: boolean; timer?: NodeJS.Timeout; running: boolean; last?: Date; next?: Date }

const maxDelay = 2 ** 31 - 1;

export class TimerScheduler {
  private readonly entries = new Map<string, TimerEntry>();
  private stopped = false;

  constructor(private readonly o: {
    registry: FunctionRegistry; invoker: Invoker; logger: Logger; settings: Record<string, string>;
    bindingInputs: () => Record<string, RpcTypedData>; statusStore?: TimerStatusStore;
  }) {
    for (const fn of o.registry.byTriggerType('timerTrigger')) {
      const raw = String(fn.trigger['schedule'] ?? '');
      const schedule = parseSchedule(resolveSetting(raw, o.settings, `function ${fn.name} schedule`));
      this.entries.set(fn.name.toLowerCase(), { fn, schedule, useMonitor: fn.trigger['useMonitor'] !== false, running: false });
    }
  }

  start(): void {
    for (const e of this.entries.values()) void this.startOne(e);
  }

  private async startOne(e: TimerEntry): Promise<void> {
    const now = new Date();
    let stored: TimerStatus | undefined;
    if (e.useMonitor && this.o.statusStore) {
      stored = await this.o.statusStore.readTimerStatus(e.fn.name).catch(() => undefined);
      if (stored?.last) e.last = new Date(stored.last);
    }
    e.next = e.schedule.next(now);
    if (stored?.next && new Date(stored.next).getTime() < now.getTime()) {
      void this.run(e, true, new Date(stored.next));
    } else {
      // record the next occurrence now, so one missed while the host is down is caught up at the next start
      if (e.useMonitor && this.o.statusStore) {
        await this.o.statusStore.writeTimerStatus(e.fn.name, { last: stored?.last ?? now.toISOString(), next: e.next.toISOString(), lastUpdated: now.toISOString() })
          .catch((err: unknown) => this.o.logger.warn('Host.Timers', `could not persist schedule status: ${errorText(err)}`));
      }
      if (e.fn.trigger['runOnStartup'] === true) void this.run(e, false, now);
    }
    this.arm(e);
  }

  private arm(e: TimerEntry): void {
    if (this.stopped || !e.next) return;
    const due = e.next;
    const wait = due.getTime() - Date.now();
    e.timer = setTimeout(() => {
      if (Date.now() < due.getTime()) { this.arm(e); return; }
      e.next = e.schedule.next(new Date(Math.max(Date.now(), due.getTime())));
      void this.run(e, Date.now() - due.getTime() > 15000, due);
      this.arm(e);
    }, Math.max(0, Math.min(wait, maxDelay)));
  }

  /** Fires a timer function now (admin API). Returns false when no such timer function exists. */
  fireNow(name: string): boolean {
    const e = this.entries.get(name.toLowerCase());
    if (!e) return false;
    void this.run(e, false, new Date());
    return true;
  }

  has(name: string): boolean { return this.entries.has(name.toLowerCase()); }

  private async run(e: TimerEntry, isPastDue: boolean, scheduled: Date): Promise<void> {
    if (e.running) {
      this.o.logger.warn(`Function.${e.fn.name}`, 'previous invocation still running; this occurrence is skipped');
      return;
    }
    e.running = true;
    const status = e.useMonitor ? { Last: (e.last ?? new Date(0)).toISOString(), Next: (e.next ?? scheduled).toISOString(), LastUpdated: new Date().toISOString() } : null;
    const payload = { Schedule: { AdjustForDST: true }, ScheduleStatus: status, IsPastDue: isPastDue };
    try {
      await this.o.invoker.invoke(e.fn, { triggerData: { json: JSON.stringify(payload) }, inputsByType: this.o.bindingInputs() });
    } catch {
      // logged by the invoker
    } finally {
      e.running = false;
      e.last = scheduled;
      if (e.useMonitor && this.o.statusStore && e.next) {
        await this.o.statusStore.writeTimerStatus(e.fn.name, { last: scheduled.toISOString(), next: e.next.toISOString(), lastUpdated: new Date().toISOString() })
          .catch((err: unknown) => this.o.logger.warn('Host.Timers', `could not persist schedule status: ${errorText(err)}`));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
  }
}
