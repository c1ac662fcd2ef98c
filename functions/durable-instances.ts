import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

const runningStates = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/**
 * The instance's status, or undefined when the task hub has no such instance. durable-functions 3
 * reports that 404 only as an Error whose message says so; any other failure is thrown, so a caller
 * never mistakes "could not ask" for "not there".
 */
export async function instanceStatus(client: DurableClient, instanceId: string, options: { showInput?: boolean } = {}): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId, { showHistory: false, showInput: options.showInput ?? false });
  } catch (error) {
    if (error instanceof Error && /replied with HTTP 404 response/.test(error.message)) return undefined;
    throw error;
  }
}

/** True while the instance exists and has not finished; false when it finished or never existed. */
export async function isRunning(client: DurableClient, instanceId: string): Promise<boolean> {
  const status = await instanceStatus(client, instanceId);
  return status !== undefined && runningStates.has(String(status.runtimeStatus));
}

/** Terminates a running instance and waits (up to ~10 s) until the task hub says it stopped. */
export async function terminateAndWait(client: DurableClient, instanceId: string, reason: string): Promise<void> {
  if (!(await isRunning(client, instanceId))) return;
  await client.terminate(instanceId, reason);
  for (let i = 0; i < 50 && (await isRunning(client, instanceId)); i++) await new Promise((r) => setTimeout(r, 200));
}
