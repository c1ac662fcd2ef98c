/**
 * Event Grid webhook: POST /runtime/webhooks/eventgrid?functionName=<name>. Event Grid schema (array) and
 * CloudEvents (object or array); `aeg-event-type` SubscriptionValidation -> 200 {validationResponse},
 * Notification -> one invocation per event (in parallel), 202 if all succeed, else 500 so the sender retries;
 * Unsubscribe -> 202; CloudEvents abuse-protection OPTIONS handshake -> 200 with WebHook-Allowed-Origin.
 * Like Core Tools, no key is required locally.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Invoker } from '../core/invoke';
import type { RpcTypedData } from '../core/types';
import type { FunctionRegistry } from '../core/shim';
import type { Logger } from '../log';
import { readBody, sendJson, sendText } from './common';
import type { Keys } from './functions';

export async function handleEventGrid(a: {
  req: IncomingMessage; res: ServerResponse; url: URL; registry: FunctionRegistry; invoker: Invoker; logger: Logger; keys: Keys;
  bindingInputs: () => Record<string, RpcTypedData>;
}): Promise<void> {
  const { req, res, url } = a;
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'OPTIONS') {
    const origin = req.headers['webhook-request-origin'];
    res.writeHead(200, { 'webhook-allowed-origin': Array.isArray(origin) ? origin[0] ?? '*' : origin ?? '*', 'webhook-allowed-rate': '*' });
    res.end();
    return;
  }
  if (method !== 'POST') { sendText(res, 405, ''); return; }
  const name = [...url.searchParams].find(([k]) => k.toLowerCase() === 'functionname')?.[1];
  const fn = name ? a.registry.get(name) : undefined;
  if (!fn || fn.trigger.type !== 'eventGridTrigger') {
    sendText(res, 404, `cannot find function: '${name ?? ''}'`);
    return;
  }
  const text = (await readBody(req)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    sendText(res, 400, 'request body is not valid JSON');
    return;
  }
  const events = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
  const kind = String(req.headers['aeg-event-type'] ?? '');
  if (kind === 'SubscriptionValidation') {
    let data = events[0]?.['data'];
    if (typeof data === 'string') { try { data = JSON.parse(data); } catch { /* not JSON */ } }
    const code = (data as { validationCode?: unknown } | undefined)?.validationCode;
    if (typeof code !== 'string') { sendText(res, 400, 'SubscriptionValidation event has no data.validationCode'); return; }
    sendJson(res, 200, { validationResponse: code });
    return;
  }
  if (kind === 'Unsubscribe') { sendText(res, 202, ''); return; }
  if (kind !== 'Notification') { sendText(res, 400, `aeg-event-type header must be SubscriptionValidation, Notification or Unsubscribe (got "${kind}")`); return; }
  const results = await Promise.allSettled(events.map((event) => a.invoker.invoke(fn, { triggerData: { json: JSON.stringify(event) }, inputsByType: a.bindingInputs() })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    sendText(res, 500, `Exception while executing function: Functions.${fn.name}. ${(failed.reason as Error)?.message ?? String(failed.reason)}`);
    return;
  }
  sendText(res, 202, '');
}
