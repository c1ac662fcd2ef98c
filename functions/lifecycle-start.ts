import type { DurableClient } from 'durable-functions';
import type { AppServices } from '../lib/adapters/app-services';
import { lifecycleInstanceId, type Operation } from '../lib/domain/lifecycle/progress';
import type { LifecycleInput } from '../orchestrations/lifecycle-input';
import { isRunning, terminateAndWait } from './durable-instances';

/** The orchestration input for one tenant operation: settings travel in it (orchestrators read no environment). */
export function lifecycleInput(services: AppServices, spec: { cluster: string; name: string }, operation: Operation, changes?: LifecycleInput['changes']): LifecycleInput {
  const c = services.config;
  return {
    cluster: spec.cluster, name: spec.name, operation, changes,
    timing: { routeDeadlineSeconds: c.routeWaitDeadlineSeconds, pollInitialSeconds: c.routePollInitialSeconds, pollMaxSeconds: c.routePollMaxSeconds },
    onRouteFailure: c.onRouteFailure,
    ...(c.egressProbe.enabled ? { egressVerify: { deadlineSeconds: c.egressProbe.deadlineSeconds } } : {}),
  };
}

/** Starts the tenant's lifecycle; an instance already running under the deterministic id is kept. */
export async function startLifecycle(client: DurableClient, input: LifecycleInput, terminateRunning: boolean): Promise<void> {
  const instanceId = lifecycleInstanceId(input.cluster, input.name);
  if (terminateRunning) await terminateAndWait(client, instanceId, `superseded by ${input.operation}`);
  try {
    await client.startNew('tenantLifecycle', { instanceId, input });
  } catch (error) {
    if (!(await isRunning(client, instanceId))) throw error;
  }
}
