/**
 * Waits, through the host's durable HTTP API, until an orchestration instance completes and returns
 * its output; a Failed or Terminated instance, or the timeout, is an error naming the last status.
 */
export async function awaitInstance<T>(hostBaseUrl: string, masterKey: string, instanceId: string, timeoutMs = 120_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '(no status yet)';
  while (Date.now() < deadline) {
    const res = await fetch(`${hostBaseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}?code=${masterKey}`);
    if (res.status === 200 || res.status === 202) {
      const status = (await res.json()) as { runtimeStatus?: string; output?: T; customStatus?: unknown };
      last = JSON.stringify(status.customStatus ?? status.runtimeStatus);
      if (status.runtimeStatus === 'Completed') return status.output;
      if (status.runtimeStatus === 'Failed' || status.runtimeStatus === 'Terminated') throw new Error(`${instanceId} ${status.runtimeStatus}: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${instanceId} did not finish within ${timeoutMs} ms: ${last}`);
}
