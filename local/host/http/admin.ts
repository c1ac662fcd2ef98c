/**
 * The host's admin API subset (master key required, `x-functions-key` or `code`):
 *   POST /admin/functions/<name>  body {"input": ...}  runs a non-HTTP function now (timer: a normal tick;
 *        event grid: input is the event; activity: input is its input) -> 202, like the real host.
 *   GET  /admin/functions          registered functions and their bindings.
 *   GET  /admin/host/status        {state, id, hubName}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionRegistry } from '../core/shim';
import type { DurableEngine } from '../durable/engine';
import type { TimerScheduler } from '../timer/scheduler';
import { presentedKey, readBody, sendJson, sendText } from './common';
import type { Keys } from './functions';
import type { Invoker } from '../core/invoke';
import type { RpcTypedData } from '../core/types';

export async function handleAdmin(a: {
  req: IncomingMessage; res: ServerResponse; url: URL; subPath: string; registry: FunctionRegistry; keys: Keys;
  timers: TimerScheduler; engine: DurableEngine; invoker?: Invoker; bindingInputs?: () => Record<string, RpcTypedData>;
}): Promise<void> {
  const { req, res } = a;
  if (presentedKey(req, a.url) !== a.keys.masterKey) { sendText(res, 401, ''); return; }
  const method = (req.method ?? 'GET').toUpperCase();
  const parts = a.subPath.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'host' && parts[1] === 'status' && method === 'GET') {
    sendJson(res, 200, { state: 'Running', id: `local-${process.pid}`, processId: process.pid, hubName: a.engine.hubName });
    return;
  }
  if (parts[0] === 'functions' && parts.length === 1 && method === 'GET') {
    sendJson(res, 200, [...a.registry.functions.values()].map((f) => ({ name: f.name, trigger: f.trigger.type, bindings: Object.values(f.metadata.bindings) })));
    return;
  }
  if (parts[0] === 'functions' && parts.length === 2 && method === 'POST') {
    const name = parts[1]!;
    const fn = a.registry.get(name);
    if (!fn) { sendText(res, 404, ''); return; }
    const text = (await readBody(req)).toString('utf8');
    let input: unknown;
    if (text) {
      try { input = (JSON.parse(text) as { input?: unknown }).input; } catch { sendText(res, 400, 'body must be JSON {"input": ...}'); return; }
    }
    if (a.timers.has(name)) {
      a.timers.fireNow(name);
    } else if (a.invoker && fn.trigger.type !== 'httpTrigger' && fn.trigger.type !== 'orchestrationTrigger') {
      const data = typeof input === 'string' ? { string: input } : input === undefined ? undefined : { json: JSON.stringify(input) };
      void a.invoker.invoke(fn, { triggerData: data, inputsByType: a.bindingInputs?.() }).catch(() => undefined);
    } else {
      sendText(res, 400, `function ${fn.name} (${fn.trigger.type}) cannot be run through the admin API`);
      return;
    }
    sendText(res, 202, '');
    return;
  }
  sendText(res, 404, '');
}
