/**
 * The task hub in Azure Table storage. One table `<hub>Instances`, partition = instance id, so that one
 * orchestration episode (history rows + status row + spilled large values) commits in ONE entity-group
 * transaction: that is the crash-safety unit. Rows in a partition:
 *   `!status`                        instance status (name, runtime status, execution id, input/output/custom status)
 *   `h:<executionId>:<episode>:<part>` history events of one episode (+ ids of the messages it consumed)
 *   `m:<time-ordered id>`             pending messages (completions, events, starts, terminate)
 *   `x:<executionId>:<field>:<part>`  spilled large values
 * Strings are split into 30,000-char properties (Azure caps a property at 64 KiB and an entity at 1 MiB).
 * The single-host lease and timer schedule status live in `<hub>Leases` (hostTable.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { TableClient, odata, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { HistoryEvent } from './history';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended' | 'Canceled';
export const finalStatuses: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  executionId: string;
  createdTime: string;
  lastUpdatedTime: string;
  /** JSON texts. */
  input: string | undefined;
  output: string | undefined;
  customStatus: string | undefined;
  parentInstanceId: string | undefined;
  parentExecutionId: string | undefined;
  parentTaskId: number | undefined;
  version: string | undefined;
  /** Number of history episodes committed for the current execution. */
  episodes: number;
}

export interface Message {
  id: string;
  executionId?: string;
  event: HistoryEvent;
  /** Number of extra rows holding a large message's text (set when written or read). */
  parts?: number;
}

export interface EpisodeCommit {
  record: InstanceRecord;
  /** Execution and episode number the history rows belong to (differs from record after continueAsNew). */
  historyExecutionId: string;
  episode: number;
  events: HistoryEvent[];
  consumed: string[];
  /** Messages to create in the same transaction (e.g. the first event of a continued-as-new execution). */
  newMessages?: Message[];
}

type Entity = TableEntity<Record<string, unknown>>;

const chunkChars = 30000;
const chunksPerRow = 14;
const inlineLimit = 60000;
/** A message up to this many chars is one row; larger ones spill into part rows written before it. */
const messageInlineLimit = 400000;
/** Chars per transaction (UTF-16: x2 bytes) so a batch stays under the 4 MB entity-group limit. */
const transactionChars = 1_500_000;
const statusRow = '!status';
const valueFields = ['input', 'output', 'customStatus'] as const;

export function packText(prefix: string, text: string): Record<string, string | number> {
  const props: Record<string, string | number> = {};
  const n = Math.ceil(text.length / chunkChars);
  props[`${prefix}N`] = n;
  for (let i = 0; i < n; i++) props[`${prefix}${i}`] = text.slice(i * chunkChars, (i + 1) * chunkChars);
  return props;
}

export function unpackText(entity: Record<string, unknown>, prefix: string): string | undefined {
  const n = entity[`${prefix}N`];
  if (typeof n !== 'number') return undefined;
  let text = '';
  for (let i = 0; i < n; i++) text += String(entity[`${prefix}${i}`] ?? '');
  return text;
}

/** Splits text into row-sized pieces (each fits one entity). */
export function splitRows(text: string): string[] {
  const size = chunkChars * chunksPerRow;
  const rows: string[] = [];
  for (let i = 0; i < text.length; i += size) rows.push(text.slice(i, i + size));
  return rows.length ? rows : [''];
}

let messageCounter = 0;
export function newMessageId(): string {
  messageCounter = (messageCounter + 1) % 1_000_000;
  return `${Date.now().toString(36).padStart(10, '0')}${messageCounter.toString(36).padStart(4, '0')}${randomUUID().slice(0, 8)}`;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export class TaskHubStore {
  private constructor(
    readonly hubName: string,
    private readonly table: TableClient,
  ) {}

  static async open(connectionString: string, hubName: string): Promise<TaskHubStore> {
    const options = { allowInsecureConnection: true };
    const table = TableClient.fromConnectionString(connectionString, `${hubName}Instances`, options);
    await table.createTable();
    return new TaskHubStore(hubName, table);
  }

  // ---------- instances ----------

  /** The status row; values over 60,000 chars go to `x:` rows collected in `prewrites` (written before the commit). */
  private recordEntity(r: InstanceRecord, prewrites: Entity[]): Entity {
    const e: Entity = {
      partitionKey: r.instanceId, rowKey: statusRow,
      name: r.name, status: r.status, executionId: r.executionId, createdTime: r.createdTime, lastUpdatedTime: r.lastUpdatedTime,
      parentInstanceId: r.parentInstanceId ?? '', parentExecutionId: r.parentExecutionId ?? '', parentTaskId: r.parentTaskId ?? -1,
      version: r.version ?? '', episodes: r.episodes,
    };
    for (const field of valueFields) {
      const text = r[field];
      if (text === undefined) continue;
      if (text.length <= inlineLimit) {
        Object.assign(e, packText(field, text));
      } else {
        const rows = splitRows(text);
        e[`${field}Rows`] = rows.length;
        // keyed by content: an unchanged value is not written again, a changed one never overwrites the committed rows
        e[`${field}Key`] = `x:${r.executionId}:${field}:${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
        rows.forEach((t, i) => prewrites.push({ partitionKey: r.instanceId, rowKey: `${String(e[`${field}Key`])}:${pad(i, 3)}`, ...packText('d', t) }));
      }
    }
    return e;
  }

  private async recordFrom(e: Record<string, unknown>): Promise<InstanceRecord> {
    const instanceId = String(e['partitionKey']);
    const values: Partial<Record<(typeof valueFields)[number], string>> = {};
    for (const field of valueFields) {
      const rows = e[`${field}Rows`];
      if (typeof rows === 'number') {
        let text = '';
        for (let i = 0; i < rows; i++) {
          const row = await this.table.getEntity<Record<string, unknown>>(instanceId, `${String(e[`${field}Key`])}:${pad(i, 3)}`);
          text += unpackText(row, 'd') ?? '';
        }
        values[field] = text;
      } else {
        values[field] = unpackText(e, field);
      }
    }
    const parentTaskId = Number(e['parentTaskId']);
    return {
      instanceId,
      name: String(e['name']),
      status: String(e['status']) as RuntimeStatus,
      executionId: String(e['executionId']),
      createdTime: String(e['createdTime']),
      lastUpdatedTime: String(e['lastUpdatedTime']),
      input: values.input,
      output: values.output,
      customStatus: values.customStatus,
      parentInstanceId: e['parentInstanceId'] ? String(e['parentInstanceId']) : undefined,
      parentExecutionId: e['parentExecutionId'] ? String(e['parentExecutionId']) : undefined,
      parentTaskId: parentTaskId >= 0 ? parentTaskId : undefined,
      version: e['version'] ? String(e['version']) : undefined,
      episodes: Number(e['episodes'] ?? 0),
    };
  }

  async readInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      return await this.recordFrom(await this.table.getEntity<Record<string, unknown>>(instanceId, statusRow));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Creates (or replaces a finished) instance with its ExecutionStarted message, atomically. Large values are
   * written first into rows nothing references yet; the transaction is the commit point.
   */
  async createInstance(record: InstanceRecord, start: Message, replace: boolean): Promise<void> {
    const prewrites: Entity[] = [];
    const entity = this.recordEntity(record, prewrites);
    const ops: TransactionAction[] = [replace ? ['upsert', entity, 'Replace'] : ['create', entity], ['upsert', this.messageEntity(record.instanceId, start, prewrites), 'Replace']];
    await this.prewrite(prewrites);
    await this.submit(ops);
  }

  /**
   * One episode: status row + history rows (+ messages) in one transaction. Each episode's history is split into
   * 420,000-char rows; row 0 (in the transaction) carries the part count, the other parts are written first, so an
   * uncommitted attempt leaves nothing a reader would use (readers also stop at the status row's episode count).
   */
  async commitEpisode(c: EpisodeCommit): Promise<void> {
    const prewrites: Entity[] = [];
    const ops: TransactionAction[] = [['upsert', this.recordEntity(c.record, prewrites), 'Replace']];
    const rows = splitRows(JSON.stringify({ events: c.events, consumed: c.consumed }));
    const key = (i: number): string => `h:${c.historyExecutionId}:${pad(c.episode, 6)}:${pad(i, 3)}`;
    rows.forEach((t, i) => {
      const row: Entity = { partitionKey: c.record.instanceId, rowKey: key(i), ...packText('d', t) };
      if (i === 0) ops.push(['upsert', { ...row, parts: rows.length }, 'Replace']);
      else prewrites.push(row);
    });
    for (const m of c.newMessages ?? []) ops.push(['upsert', this.messageEntity(c.record.instanceId, m, prewrites), 'Replace']);
    await this.prewrite(prewrites);
    await this.submit(ops);
  }

  /** History of one execution (its first `episodes` episodes) plus the ids of every message consumed into it. */
  async readHistory(instanceId: string, executionId: string, episodes: number): Promise<{ events: HistoryEvent[]; consumed: Set<string> }> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${`h:${executionId}:`} and RowKey lt ${`h:${executionId};`}`);
    const byEpisode = new Map<number, Map<number, Record<string, unknown>>>();
    for (const row of rows) {
      const [, , ep, part] = String(row['rowKey']).split(':');
      const e = Number(ep);
      if (e >= episodes) continue; // an attempt that never committed
      if (!byEpisode.has(e)) byEpisode.set(e, new Map());
      byEpisode.get(e)!.set(Number(part), row);
    }
    const events: HistoryEvent[] = [];
    const consumed = new Set<string>();
    for (const e of [...byEpisode.keys()].sort((a, b) => a - b)) {
      const parts = byEpisode.get(e)!;
      const count = Number(parts.get(0)?.['parts'] ?? parts.size);
      let text = '';
      for (let i = 0; i < count; i++) {
        const row = parts.get(i);
        if (!row) throw new Error(`history of ${instanceId} is missing row ${i} of episode ${e}`);
        text += unpackText(row, 'd') ?? '';
      }
      const parsed = JSON.parse(text) as { events: HistoryEvent[]; consumed: string[] };
      events.push(...parsed.events);
      for (const id of parsed.consumed) consumed.add(id);
    }
    return { events, consumed };
  }

  /** A message row; text over 400,000 chars goes to `m:<id>.<n>` part rows ('#' is not allowed in keys) collected in `prewrites`. */
  private messageEntity(instanceId: string, m: Message, prewrites: Entity[]): Entity {
    const text = JSON.stringify(m.event);
    const base = { partitionKey: instanceId, rowKey: `m:${m.id}`, executionId: m.executionId ?? '' };
    if (text.length <= messageInlineLimit) return { ...base, ...packText('d', text) };
    const rows = splitRows(text);
    rows.forEach((t, i) => prewrites.push({ partitionKey: instanceId, rowKey: `m:${m.id}.${pad(i, 3)}`, ...packText('d', t) }));
    m.parts = rows.length;
    return { ...base, parts: rows.length };
  }

  async readMessages(instanceId: string): Promise<Message[]> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${'m:'} and RowKey lt ${'m;'}`);
    const parts = new Map<string, Record<string, unknown>>();
    for (const r of rows) if (String(r['rowKey']).includes('.')) parts.set(String(r['rowKey']), r);
    const out: Message[] = [];
    for (const r of rows.filter((x) => !String(x['rowKey']).includes('.')).sort((a, b) => String(a['rowKey']).localeCompare(String(b['rowKey'])))) {
      const id = String(r['rowKey']).slice(2);
      const count = typeof r['parts'] === 'number' ? r['parts'] : undefined;
      let text = unpackText(r, 'd');
      if (count !== undefined) {
        text = '';
        for (let i = 0; i < count; i++) text += unpackText(parts.get(`m:${id}.${pad(i, 3)}`) ?? {}, 'd') ?? '';
      }
      out.push({ id, executionId: r['executionId'] ? String(r['executionId']) : undefined, event: JSON.parse(text ?? 'null') as HistoryEvent, parts: count });
    }
    return out;
  }

  /** Stores messages: part rows of large ones first, then the message rows in size-bounded transactions. */
  async putMessages(instanceId: string, messages: Message[]): Promise<void> {
    const prewrites: Entity[] = [];
    const entities = messages.map((m) => this.messageEntity(instanceId, m, prewrites));
    await this.prewrite(prewrites);
    let batch: TransactionAction[] = [];
    let chars = 0;
    for (const e of entities) {
      const size = JSON.stringify(e).length;
      if (batch.length && (batch.length >= 100 || chars + size > transactionChars)) {
        await this.submit(batch);
        batch = [];
        chars = 0;
      }
      batch.push(['upsert', e, 'Replace']);
      chars += size;
    }
    await this.submit(batch);
  }

  async deleteMessages(instanceId: string, messages: Pick<Message, 'id' | 'parts'>[]): Promise<void> {
    const keys = messages.flatMap((m) => [`m:${m.id}`, ...Array.from({ length: m.parts ?? 0 }, (_, i) => `m:${m.id}.${pad(i, 3)}`)]);
    for (let i = 0; i < keys.length; i += 100) {
      const ops = keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: instanceId, rowKey }]);
      try {
        await this.submit(ops);
      } catch {
        // some were already gone: delete one by one
        for (const [, e] of ops) await this.table.deleteEntity(e.partitionKey, e.rowKey).catch(() => undefined);
      }
    }
  }

  /** Writes rows that no committed row references yet (large values); idempotent upserts, a few at a time. */
  private async prewrite(rows: Entity[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 4) {
      await Promise.all(rows.slice(i, i + 4).map((r) => this.table.upsertEntity(r, 'Replace')));
    }
  }

  /** Deletes every row of one instance; returns whether it existed. */
  async purge(instanceId: string): Promise<boolean> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId}`, ['RowKey']);
    if (!rows.some((r) => r['rowKey'] === statusRow)) return false;
    const keys = rows.map((r) => String(r['rowKey']));
    for (let i = 0; i < keys.length; i += 100) {
      await this.submit(keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: instanceId, rowKey }]));
    }
    return true;
  }

  /** Deletes rows of executions other than the current one (after continueAsNew / replacement). */
  async deleteOldExecutions(instanceId: string, keepExecutionId: string): Promise<void> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${'h:'} and RowKey lt ${'h;'}`, ['RowKey']);
    const xs = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${'x:'} and RowKey lt ${'x;'}`, ['RowKey']);
    const stale = [...rows, ...xs].map((r) => String(r['rowKey'])).filter((k) => !k.startsWith(`h:${keepExecutionId}:`) && !k.startsWith(`x:${keepExecutionId}:`));
    for (let i = 0; i < stale.length; i += 100) {
      await this.submit(stale.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: instanceId, rowKey }])).catch(() => undefined);
    }
  }

  /** Status rows, filtered server-side; one page of `top` rows with a continuation token. */
  async listInstances(filter: { statuses?: string[]; createdFrom?: string; createdTo?: string; prefix?: string }, top: number, continuationToken?: string): Promise<{ records: InstanceRecord[]; continuationToken?: string }> {
    const clauses = [odata`RowKey eq ${statusRow}`];
    if (filter.createdFrom) clauses.push(odata`createdTime ge ${filter.createdFrom}`);
    if (filter.createdTo) clauses.push(odata`createdTime le ${filter.createdTo}`);
    if (filter.prefix) clauses.push(odata`PartitionKey ge ${filter.prefix} and PartitionKey lt ${filter.prefix + '\uffff'}`);
    if (filter.statuses?.length) clauses.push(`(${filter.statuses.map((s) => odata`status eq ${s}`).join(' or ')})`);
    const pages = this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } }).byPage({ maxPageSize: top, continuationToken });
    const page = await pages.next();
    if (page.done) return { records: [] };
    const records = await Promise.all(page.value.map((e) => this.recordFrom(e)));
    return { records, continuationToken: page.value.continuationToken };
  }

  async listActive(): Promise<InstanceRecord[]> {
    const out: InstanceRecord[] = [];
    let token: string | undefined;
    do {
      const page = await this.listInstances({ statuses: ['Pending', 'Running', 'Suspended', 'ContinuedAsNew'] }, 1000, token);
      out.push(...page.records);
      token = page.continuationToken;
    } while (token);
    return out;
  }

  private async query(filter: string, select?: string[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } })) out.push(e);
    return out;
  }

  private async submit(ops: TransactionAction[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > 100) throw new Error(`transaction of ${ops.length} operations exceeds the 100-operation limit`);
    await this.table.submitTransaction(ops);
  }
}

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}
