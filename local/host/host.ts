/**
 * Assembles the host: core shim -> app settings in env -> task hub store + lease -> HTTP server -> app load
 * (package.json main) -> appStart hooks -> durable recovery -> timers -> ready. `stop()` runs appTerminate hooks.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostConfig } from './config';
import { Invoker } from './core/invoke';
import { loadApp } from './core/loadApp';
import { FunctionRegistry, installCoreShim } from './core/shim';
import type { RpcTypedData } from './core/types';
import { durableClientData, webhookPath } from './durable/clientData';
import { DurableEngine } from './durable/engine';
import { HostTable, LeaseError, leaseIdentity } from './durable/hostTable';
import { TaskHubStore } from './durable/store';
import { handleAdmin } from './http/admin';
import { publicUrl, sendJson, sendText } from './http/common';
import { handleDurableApi } from './http/durableApi';
import { handleEventGrid } from './http/eventGrid';
import { buildHttpRoutes, handleHttpTrigger } from './http/functions';
import { errorText, Logger, parseLogLevel } from './log';
import { TimerScheduler } from './timer/scheduler';

export interface RunningHost {
  baseUrl: string;
  port: number;
  registry: FunctionRegistry;
  stop(): Promise<void>;
}

export interface HostOptions {
  logger?: Logger;
  /** Called when the host can no longer run safely (lost its task-hub lease). */
  onFatal?: (message: string) => void;
}

/** Whether a process is alive; a zombie (killed, not yet reaped) counts as dead. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return true;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startHost(config: HostConfig, options: HostOptions = {}): Promise<RunningHost> {
  const logger = options.logger ?? new Logger(config.logLevels);
  const registry = new FunctionRegistry();
  registry.systemLog = (level, category, message) => logger.log(`Worker.${category}`, parseLogLevel(level) ?? 'information', message);
  installCoreShim(registry);

  for (const [k, v] of Object.entries(config.settings)) process.env[k] = v;
  const noProxy = new Set([...(process.env['NO_PROXY'] ?? process.env['no_proxy'] ?? '').split(',').filter(Boolean), 'localhost', '127.0.0.1']);
  process.env['NO_PROXY'] = process.env['no_proxy'] = [...noProxy].join(',');
  process.env['FUNCTIONS_WORKER_RUNTIME'] ??= 'node';
  process.env['AzureWebJobsScriptRoot'] = config.appDir;

  const store = await TaskHubStore.open(config.storageConnection, config.hubName);
  const hostTable = await HostTable.open(config.storageConnection, config.hubName);
  const me = leaseIdentity();
  await hostTable.acquireLease(me, config.leaseMs, pidAlive);
  // Renew every lease/3. Another owner = fatal at once; storage errors are tolerated until the lease would lapse.
  let renewedAt = Date.now();
  const renew = setInterval(() => {
    hostTable.renewLease(me, config.leaseMs).then(() => { renewedAt = Date.now(); }, (err: unknown) => {
      if (err instanceof LeaseError || Date.now() - renewedAt > config.leaseMs) {
        const msg = `lost the lease of task hub "${config.hubName}": ${errorText(err)}`;
        logger.error('Host', msg);
        options.onFatal?.(msg);
      } else {
        logger.warn('Host', `could not renew the task hub lease (will retry): ${errorText(err)}`);
      }
    });
  }, Math.max(500, Math.floor(config.leaseMs / 3)));
  renew.unref();

  const routing: { handler?: (req: IncomingMessage, res: ServerResponse) => Promise<void> } = {};
  const server = createServer((req, res) => {
    if (!routing.handler) { sendText(res, 503, 'Host is starting'); return; }
    routing.handler(req, res).catch((err: unknown) => {
      logger.error('Host', errorText(err));
      if (!res.headersSent) sendText(res, 500, '');
      else res.end();
    });
  });
  const port = await listen(server, config.port, config.bindHost);
  const origin = `http://127.0.0.1:${port}`;
  process.env['WEBSITE_HOSTNAME'] = `127.0.0.1:${port}`;

  const invoker = new Invoker(registry, logger, config.functionTimeoutMs);
  const clientJson = JSON.stringify(durableClientData(origin, config.hubName, config.durableSystemKey));
  const bindingInputs = (): Record<string, RpcTypedData> => ({ durableClient: { json: clientJson }, orchestrationClient: { json: clientJson } });

  const previousCwd = process.cwd();
  process.chdir(config.appDir);
  let engine: DurableEngine | undefined;
  let timers: TimerScheduler | undefined;
  try {
    const files = await loadApp(config.appDir, registry, invoker.appHookData);
    logger.info('Host', `loaded ${files.length} entry file(s); functions: ${[...registry.functions.values()].map((f) => `${f.name} [${f.trigger.type}]`).join(', ')}`);
    if (registry.model) {
      const caps = await registry.model.getCapabilities({});
      if (caps['HttpUri']) logger.error('Host', 'app.setup({ enableHttpStream: true }) is not supported by this local host; HTTP triggers will not receive requests');
    }
    engine = new DurableEngine({
      store, registry, invoker, logger, bindingInputs,
      maxConcurrentActivityFunctions: config.maxConcurrentActivityFunctions,
      maxConcurrentOrchestratorFunctions: config.maxConcurrentOrchestratorFunctions,
    });
    await engine.recover();
    timers = new TimerScheduler({ registry, invoker, logger, settings: config.settings, bindingInputs, statusStore: hostTable });
  } catch (err) {
    clearInterval(renew);
    server.close();
    await hostTable.releaseLease(me);
    process.chdir(previousCwd);
    throw err;
  }

  const routes = buildHttpRoutes(registry);
  const keys = { functionKeys: config.functionKeys, masterKey: config.masterKey };
  const routePrefix = config.routePrefix ? `/${config.routePrefix}` : '';
  const durable = { engine, systemKey: config.durableSystemKey, masterKey: config.masterKey, logger };
  const eng = engine;
  const tim = timers;
  routing.handler = async (req, res) => {
    const url = publicUrl(req, origin);
    const path = url.pathname;
    const lower = path.toLowerCase();
    if (lower.startsWith(`${webhookPath}/`)) return handleDurableApi(req, res, url, path.slice(webhookPath.length), durable);
    if (lower === '/runtime/webhooks/eventgrid') return handleEventGrid({ req, res, url, registry, invoker, logger, keys, bindingInputs });
    if (lower.startsWith('/admin/')) return handleAdmin({ req, res, url, subPath: path.slice('/admin/'.length), registry, keys, timers: tim, engine: eng, invoker, bindingInputs });
    if (lower === '/' || lower === '') { sendJson(res, 200, { status: 'Running' }); return; }
    if (routePrefix === '' || lower === routePrefix.toLowerCase() || lower.startsWith(`${routePrefix.toLowerCase()}/`)) {
      return handleHttpTrigger({ req, res, url, subPath: path.slice(routePrefix.length), routes, keys, invoker, logger, bindingInputs });
    }
    sendText(res, 404, '');
  };
  timers.start();

  let stopped = false;
  return {
    baseUrl: origin,
    port,
    registry,
    async stop() {
      if (stopped) return;
      stopped = true;
      tim.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await eng.stop();
      for (const hook of registry.hooks.appTerminate) {
        try {
          await hook({ hookData: {}, appHookData: invoker.appHookData });
        } catch (err) {
          logger.error('Host', `appTerminate hook failed: ${errorText(err)}`);
        }
      }
      clearInterval(renew);
      await hostTable.releaseLease(me);
    },
  };
}
