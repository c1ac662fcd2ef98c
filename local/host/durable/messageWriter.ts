/**
 * Batches message writes: everything delivered to one instance within a tick goes to storage in one
 * entity-group transaction (up to 100 rows each); every writer is told when its message is durable.
 */
import type { Message, TaskHubStore } from './store';

interface Pending { messages: Message[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }

export class MessageWriter {
  private readonly pending = new Map<string, Pending>();
  private flushScheduled = false;

  constructor(private readonly store: TaskHubStore, private readonly track: (p: Promise<unknown>) => void) {}

  /** Resolves once the message is stored. */
  write(instanceId: string, message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let entry = this.pending.get(instanceId);
      if (!entry) { entry = { messages: [], waiters: [] }; this.pending.set(instanceId, entry); }
      entry.messages.push(message);
      entry.waiters.push({ resolve, reject });
      if (!this.flushScheduled) { this.flushScheduled = true; setImmediate(() => this.flush()); }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [instanceId, { messages, waiters }] of batches) {
      this.track(this.store.putMessages(instanceId, messages).then(
        () => { for (const w of waiters) w.resolve(); },
        (err: unknown) => { for (const w of waiters) w.reject(err); },
      ));
    }
  }
}
