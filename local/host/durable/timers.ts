/**
 * Durable timers in memory (their TimerCreated events are in storage; recovery re-arms them): one Node timer per
 * (instance, task id), re-armed in steps for delays beyond setTimeout's 24.8-day limit.
 */
const maxDelay = 2 ** 31 - 1;

export class DurableTimers {
  private readonly handles = new Map<string, NodeJS.Timeout>();

  arm(instanceId: string, taskId: number, fireAt: Date, onDue: () => void): void {
    const key = `${instanceId}\u0000${taskId}`;
    const fire = (): void => {
      const left = fireAt.getTime() - Date.now();
      if (left > 0) {
        this.handles.set(key, setTimeout(fire, Math.min(left, maxDelay)));
        return;
      }
      this.handles.delete(key);
      onDue();
    };
    clearTimeout(this.handles.get(key));
    this.handles.set(key, setTimeout(fire, Math.max(0, Math.min(fireAt.getTime() - Date.now(), maxDelay))));
  }

  cancelInstance(instanceId: string): void {
    for (const [key, t] of this.handles) {
      if (key.startsWith(`${instanceId}\u0000`)) { clearTimeout(t); this.handles.delete(key); }
    }
  }

  clear(): void {
    for (const t of this.handles.values()) clearTimeout(t);
    this.handles.clear();
  }
}
