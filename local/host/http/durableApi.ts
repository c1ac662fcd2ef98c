/**
 * The Durable Functions HTTP management API under /runtime/webhooks/durabletask (what `df.getClient` calls),
 * following the extension's HttpApiHandler: start, status (+history), list with filters and paging, raise
 * event, terminate, suspend/resume, purge one / by filter. Auth: `code` or x-functions-key = durable system key or master key.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { managementUrls } from '../durable/clientData';
import { InstanceExistsError, InvalidInstanceIdError, UnknownOrchestratorError, type DeliveryResult, type DurableEngine } from '../durable/engine';
import { eventTypeName, EventType, type HistoryEvent } from '../durable/history';
import { finalStatuses, type InstanceRecord } from '../durable/store';
import { errorText, type Logger } from '../log';
import { presentedKey, readBody, sendJson, sendText } from './common';

export interface DurableApiOptions { engine: DurableEngine; systemKey: string; masterKey: string; logger: Logger }

const runningStatuses = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

const noMs = (iso: string): string => iso.replace(/\.\d{3}Z$/, 'Z');
const parseJsonText = (text: string | undefined): unknown => (text === undefined ? null : JSON.parse(text));

export function statusBody(r: InstanceRecord, opts: { showInput: boolean; history?: HistoryEvent[]; showHistoryOutput?: boolean }): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: r.name,
    instanceId: r.instanceId,
    runtimeStatus: r.status,
    input: opts.showInput ? parseJsonText(r.input) : null,
    customStatus: parseJsonText(r.customStatus),
    output: parseJsonText(r.output),
    createdTime: noMs(r.createdTime),
    lastUpdatedTime: noMs(r.lastUpdatedTime),
  };
  if (opts.history) body['historyEvents'] = formatHistory(opts.history, opts.showHistoryOutput ?? false);
  return body;
}

/** History as the extension's status API shows it (DurableClient.cs ConvertHistoryEvents). */
export function formatHistory(history: HistoryEvent[], showOutput: boolean): Record<string, unknown>[] {
  const scheduled = new Map<number, HistoryEvent>();
  for (const e of history) if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated) scheduled.set(e.EventId, e);
  const out: Record<string, unknown>[] = [];
  for (const e of history) {
    if ([EventType.OrchestratorStarted, EventType.OrchestratorCompleted, EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated].includes(e.EventType as 12)) continue;
    const { EventType: type, EventId: _id, IsPlayed: _played, Name, ...rest } = e;
    const row: Record<string, unknown> = { EventType: eventTypeName[type] ?? String(type), ...rest };
    if (Name !== undefined) row[type === EventType.EventRaised ? 'Name' : 'FunctionName'] = Name;
    const taskId = e['TaskScheduledId'];
    if (typeof taskId === 'number' && scheduled.has(taskId)) {
      const s = scheduled.get(taskId)!;
      row['FunctionName'] = s['Name'];
      row['ScheduledTime'] = s.Timestamp;
    }
    if (!showOutput) delete row['Result'];
    else if (typeof row['Result'] === 'string') {
      try { row['Result'] = JSON.parse(row['Result']); } catch { /* keep text */ }
    }
    if (type === EventType.ExecutionStarted && typeof row['Input'] === 'string') {
      try { row['Input'] = JSON.parse(row['Input']); } catch { /* keep text */ }
    }
    delete row['OrchestrationInstance'];
    delete row['ParentInstance'];
    out.push(row);
  }
  return out;
}

function checkStatusPayload(origin: string, hub: string, key: string, id: string): Record<string, string> {
  return managementUrls(origin, hub, key, id);
}

function bool(v: string | null, fallback: boolean): boolean {
  return v === null ? fallback : v.toLowerCase() === 'true';
}

function isoParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new BadRequest(`${name}: "${v}" is not a date`);
  return d.toISOString();
}

class BadRequest extends Error {}

export async function handleDurableApi(req: IncomingMessage, res: ServerResponse, url: URL, subPath: string, o: DurableApiOptions): Promise<void> {
  const key = presentedKey(req, url);
  if (key !== o.systemKey && key !== o.masterKey) {
    sendText(res, 401, '');
    return;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const parts = subPath.split('/').filter((p) => p !== '').map(decodeURIComponent);
  try {
    if (parts[0] === 'orchestrators' && method === 'POST' && (parts.length === 2 || parts.length === 3)) {
      await start(req, res, url, parts[1]!, parts[2], o);
      return;
    }
    if (parts[0] === 'entities') {
      sendJson(res, 501, { Message: 'Durable entities are not supported by this local host' });
      return;
    }
    if (parts[0] !== 'instances') {
      sendText(res, 404, '');
      return;
    }
    if (parts.length === 1) {
      if (method === 'GET') { await list(req, res, url, o); return; }
      if (method === 'DELETE') { await purgeBy(res, url, o); return; }
    }
    const id = parts[1];
    if (id === undefined) { sendText(res, 404, ''); return; }
    if (parts.length === 2 && method === 'GET') {
      const r = await o.engine.getInstance(id);
      if (!r) { sendText(res, 404, ''); return; }
      const showHistory = bool(url.searchParams.get('showHistory'), false);
      const body = statusBody(r, {
        showInput: bool(url.searchParams.get('showInput'), true),
        history: showHistory ? await o.engine.getHistory(r) : undefined,
        showHistoryOutput: bool(url.searchParams.get('showHistoryOutput'), false),
      });
      if (runningStatuses.has(r.status)) {
        sendJson(res, 202, body, { location: url.toString(), 'retry-after': '5' });
      } else {
        const failed500 = r.status === 'Failed' && bool(url.searchParams.get('returnInternalServerErrorOnFailure'), false);
        sendJson(res, failed500 ? 500 : 200, body);
      }
      return;
    }
    if (parts.length === 2 && method === 'DELETE') {
      const deleted = await o.engine.purge(id);
      if (deleted) sendJson(res, 200, { instancesDeleted: 1 });
      else sendText(res, 404, '');
      return;
    }
    if (method === 'POST' && parts.length === 4 && parts[2]?.toLowerCase() === 'raiseevent') {
      const body = await readBody(req);
      let data: unknown = undefined;
      if (body.length > 0) {
        if (!/application\/json/i.test(String(req.headers['content-type'] ?? ''))) throw new BadRequest('raiseEvent: Content-Type must be application/json');
        try { data = JSON.parse(body.toString('utf8')); } catch { throw new BadRequest('raiseEvent: body is not valid JSON'); }
      }
      deliveryResponse(res, await o.engine.raiseEvent(id, parts[3]!, data));
      return;
    }
    if (method === 'POST' && parts.length === 3) {
      const reason = url.searchParams.get('reason') ?? undefined;
      switch (parts[2]!.toLowerCase()) {
        case 'terminate': deliveryResponse(res, await o.engine.terminate(id, reason)); return;
        case 'suspend': deliveryResponse(res, await o.engine.suspend(id, reason)); return;
        case 'resume': deliveryResponse(res, await o.engine.resume(id, reason)); return;
        case 'rewind':
        case 'restart':
          sendJson(res, 501, { Message: `${parts[2]} is not supported by this local host` });
          return;
      }
    }
    sendText(res, 404, '');
  } catch (err) {
    if (err instanceof BadRequest || err instanceof InvalidInstanceIdError || err instanceof UnknownOrchestratorError) {
      sendJson(res, 400, { Message: 'One or more of the arguments submitted is incorrect', ExceptionMessage: err.message });
    } else if (err instanceof InstanceExistsError) {
      sendJson(res, 409, { Message: err.message, ExceptionMessage: err.message });
    } else {
      o.logger.error('DurableTask.Http', errorText(err));
      sendJson(res, 500, { Message: 'An error has occurred.', ExceptionMessage: (err as Error).message });
    }
  }
}

function deliveryResponse(res: ServerResponse, result: DeliveryResult): void {
  if (result === 'accepted') sendText(res, 202, '');
  else if (result === 'gone') sendText(res, 410, '');
  else sendText(res, 404, '');
}

async function start(req: IncomingMessage, res: ServerResponse, url: URL, name: string, instanceId: string | undefined, o: DurableApiOptions): Promise<void> {
  const body = (await readBody(req)).toString('utf8');
  let input: unknown = undefined;
  if (body.length > 0) {
    try { input = JSON.parse(body); } catch { throw new BadRequest('request body is not valid JSON'); }
  }
  const version = url.searchParams.get('version') ?? undefined;
  const id = await o.engine.startNew(name, instanceId, input, undefined, version);
  const links = checkStatusPayload(url.origin, o.engine.hubName, o.systemKey, id);
  const timeout = url.searchParams.get('timeout');
  if (timeout !== null) {
    const deadline = Date.now() + Number(timeout) * 1000;
    const interval = Math.max(100, Number(url.searchParams.get('pollingInterval') ?? '1') * 1000);
    for (;;) {
      const r = await o.engine.getInstance(id);
      if (r && finalStatuses.has(r.status)) {
        if (r.status === 'Completed') sendJson(res, 200, parseJsonText(r.output));
        else sendJson(res, r.status === 'Failed' ? 500 : 200, statusBody(r, { showInput: true }));
        return;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
    }
  }
  sendJson(res, 202, links, { location: links['statusQueryGetUri']!, 'retry-after': '10' });
}

async function list(req: IncomingMessage, res: ServerResponse, url: URL, o: DurableApiOptions): Promise<void> {
  const statuses = url.searchParams.get('runtimeStatus')?.split(',').map((s) => s.trim()).filter(Boolean);
  const topText = url.searchParams.get('top');
  const top = topText ? Number(topText) : 100;
  if (!Number.isInteger(top) || top <= 0) throw new BadRequest(`top: "${topText}" is not a positive integer`);
  const tokenHeader = req.headers['x-ms-continuation-token'];
  const token = (Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader) || undefined;
  const page = await o.engine.store.listInstances({
    statuses, createdFrom: isoParam(url, 'createdTimeFrom'), createdTo: isoParam(url, 'createdTimeTo'), prefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
  }, top, token);
  const showInput = bool(url.searchParams.get('showInput'), false);
  const headers: Record<string, string> = page.continuationToken ? { 'x-ms-continuation-token': page.continuationToken } : {};
  sendJson(res, 200, page.records.map((r) => statusBody(r, { showInput })), headers);
}

async function purgeBy(res: ServerResponse, url: URL, o: DurableApiOptions): Promise<void> {
  const from = isoParam(url, 'createdTimeFrom');
  if (!from) throw new BadRequest('createdTimeFrom is required to purge instances by filter');
  const to = isoParam(url, 'createdTimeTo') ?? new Date().toISOString();
  const statuses = url.searchParams.get('runtimeStatus')?.split(',').map((s) => s.trim()).filter(Boolean);
  let deleted = 0;
  let token: string | undefined;
  const ids: string[] = [];
  do {
    const page = await o.engine.store.listInstances({ statuses, createdFrom: from, createdTo: to }, 1000, token);
    ids.push(...page.records.filter((r) => finalStatuses.has(r.status)).map((r) => r.instanceId));
    token = page.continuationToken;
  } while (token);
  for (const id of ids) if (await o.engine.purge(id)) deleted++;
  if (deleted === 0) sendText(res, 404, '');
  else sendJson(res, 200, { instancesDeleted: deleted });
}
