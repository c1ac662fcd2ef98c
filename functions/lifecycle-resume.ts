import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { appServices } from '../lib/adapters/app-services';
import { everyItem } from '../lib/adapters/registry';
import { resumeOf, SETTLED_PHASES } from '../lib/domain/lifecycle/admission';
import { lifecycleInstanceId } from '../lib/domain/lifecycle/progress';
import { isRunning } from './durable-instances';
import { lifecycleInput, startLifecycle } from './lifecycle-start';

/**
 * Finishes what was accepted: a tenant whose record says a lifecycle is under way while none runs (the
 * process that answered 202 died before starting it, or the task hub lost it in a crash) gets that
 * lifecycle started again. Reads only unsettled tenants (server-side filter). Returns what it started.
 */
export async function resumeStrandedLifecycles(client: DurableClient, log: (message: string) => void): Promise<string[]> {
  const services = await appServices();
  const unsettled = await everyItem((page) => services.registry.tenants.listExceptPhases(SETTLED_PHASES, page));
  const started: string[] = [];
  for (const record of unsettled) {
    // A record written this recently may belong to a request that is still starting its lifecycle.
    const resume = resumeOf(record, new Date(), services.config.lifecycleResumeGraceSeconds * 1000);
    if (!resume || (await isRunning(client, lifecycleInstanceId(record.key.cluster, record.key.name)))) continue;
    const input = { ...lifecycleInput(services, record.key, resume.operation, resume.changes), removedNamespaces: resume.removedNamespaces, resumeOf: { phase: record.phase, updatedAt: record.updatedAt } };
    await startLifecycle(client, input, false);
    log(`tenant ${record.key.cluster}/${record.key.name}: phase ${record.phase} but no lifecycle ran; ${resume.operation} started again`);
    started.push(`${record.key.cluster}/${record.key.name}`);
  }
  return started;
}

/** Every minute, and once when the host starts (right after a crash is when lifecycles go missing). */
app.timer('resumeLifecycles', {
  schedule: '0 */1 * * * *', runOnStartup: true, extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const started = await resumeStrandedLifecycles(df.getClient(context), (m) => context.warn(m));
    if (started.length > 0) context.info(`resumed ${started.length} stranded lifecycle(s)`);
  },
});
