import type { DurableClient } from 'durable-functions';

const runningStates = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** True while the instance exists and has not finished; false when it finished or never existed. */
export async function isRunning(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId, { showHistory: false, showInput: false });
    return runningStates.has(String(status.runtimeStatus));
  } catch {
    return false; // the client throws on 404: no such instance
  }
}

/** Terminates a running instance and waits (up to ~10 s) until the task hub says it stopped. */
export async function terminateAndWait(client: DurableClient, instanceId: string, reason: string): Promise<void> {
  if (!(await isRunning(client, instanceId))) return;
  await client.terminate(instanceId, reason);
  for (let i = 0; i < 50 && (await isRunning(client, instanceId)); i++) await new Promise((r) => setTimeout(r, 200));
}
