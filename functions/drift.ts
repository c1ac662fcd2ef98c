import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { appServices } from '../lib/adapters/app-services';
import type { DriftCheckInput } from '../orchestrations/drift-check';
import { isRunning } from './durable-instances';
import { lifecycleInput } from './lifecycle-start';
import { problem } from './http-problems';

const DRIFT_INSTANCE = 'drift-check';

/** Starts the drift check unless one is running; one instance id, so runs never overlap. */
async function startDriftCheck(client: DurableClient): Promise<'started' | 'running'> {
  if (await isRunning(client, DRIFT_INSTANCE)) return 'running';
  const services = await appServices();
  const { config } = services;
  const { cluster: _cluster, name: _name, operation: _operation, ...lifecycle } = lifecycleInput(services, { cluster: '', name: '' }, 'update');
  const input: DriftCheckInput = {
    supernet: config.egressSupernet, repair: config.driftRepair,
    ...(config.driftVerifyEgress && lifecycle.egressVerify ? { verifyEgress: lifecycle } : {}),
  };
  await client.startNew('driftCheck', { instanceId: DRIFT_INSTANCE, input });
  return 'started';
}

/** Every 15 minutes. */
app.timer('driftTimer', {
  schedule: '0 */15 * * * *', extraInputs: [df.input.durableClient()],
  handler: async (timer: Timer, context: InvocationContext) => {
    const outcome = await startDriftCheck(df.getClient(context));
    context.info(`drift check ${outcome}${timer.isPastDue ? ' (past due)' : ''}`);
  },
});

/** GET: the last report (function key). */
app.http('drift', {
  route: 'drift', methods: ['GET'], authLevel: 'function',
  handler: async (): Promise<HttpResponseInit> => {
    const last = await (await appServices()).drift.last();
    return last ? { status: 200, jsonBody: last } : problem(404, 'NoDriftReport', 'no drift check has finished yet; POST /api/drift runs one');
  },
});

/**
 * POST: run a check now (202, or 409 while one runs). Admin (master) key only: with DRIFT_REPAIR on it
 * writes to clusters, Route Server and the firewall. A second registration on the same route, since one
 * function has one auth level.
 */
app.http('driftRun', {
  route: 'drift', methods: ['POST'], authLevel: 'admin', extraInputs: [df.input.durableClient()],
  handler: async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const outcome = await startDriftCheck(df.getClient(context));
    return outcome === 'started'
      ? { status: 202, headers: { Location: '/api/drift' }, jsonBody: { status: 'started' } }
      : problem(409, 'DriftCheckRunning', 'a drift check is already running; GET /api/drift shows the last report', undefined, { 'Retry-After': '10' });
  },
});
