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
import { randomUUID } from 'node:crypto';
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

export interface Message { id: string; executionId?: string; event: HistoryEvent }

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

  private recordEntity(r: InstanceRecord, ops: TransactionAction[]): Entity {
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
        e[`${field}Key`] = `x:${r.executionId}:${field}:${randomUUID().slice(0, 8)}`;
        rows.forEach((t, i) => ops.push(['upsert', { partitionKey: r.instanceId, rowKey: `${String(e[`${field}Key`])}:${pad(i, 3)}`, ...packText('d', t) }, 'Replace']));
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

  /** Creates (or replaces a finished) instance with its ExecutionStarted message, atomically. */
  async createInstance(record: InstanceRecord, start: Message, replace: boolean): Promise<void> {
    const ops: TransactionAction[] = [];
    const entity = this.recordEntity(record, ops);
    ops.unshift(replace ? ['upsert', entity, 'Replace'] : ['create', entity]);
    ops.push(['create', this.messageEntity(record.instanceId, start)]);
    await this.submit(record.instanceId, ops);
  }

  async commitEpisode(c: EpisodeCommit): Promise<void> {
    const ops: TransactionAction[] = [];
    const entity = this.recordEntity(c.record, ops);
    ops.unshift(['upsert', entity, 'Replace']);
    const text = JSON.stringify({ events: c.events, consumed: c.consumed });
    splitRows(text).forEach((t, i) => ops.push(['upsert', {
      partitionKey: c.record.instanceId, rowKey: `h:${c.historyExecutionId}:${pad(c.episode, 6)}:${pad(i, 3)}`, ...packText('d', t),
    }, 'Replace']));
    for (const m of c.newMessages ?? []) ops.push(['create', this.messageEntity(c.record.instanceId, m)]);
    await this.submit(c.record.instanceId, ops);
  }

  async updateRecord(record: InstanceRecord): Promise<void> {
    const ops: TransactionAction[] = [];
    ops.unshift(['upsert', this.recordEntity(record, ops), 'Replace']);
    await this.submit(record.instanceId, ops);
  }

  /** History of one execution plus the ids of every message already consumed into it. */
  async readHistory(instanceId: string, executionId: string): Promise<{ events: HistoryEvent[]; consumed: Set<string> }> {
    const prefix = `h:${executionId}:`;
    const rows = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${prefix} and RowKey lt ${`h:${executionId};`}`);
    rows.sort((a, b) => String(a['rowKey']).localeCompare(String(b['rowKey'])));
    const events: HistoryEvent[] = [];
    const consumed = new Set<string>();
    let buffer = '';
    let episode = '';
    const flush = (): void => {
      if (!buffer) return;
      const parsed = JSON.parse(buffer) as { events: HistoryEvent[]; consumed: string[] };
      events.push(...parsed.events);
      for (const id of parsed.consumed) consumed.add(id);
      buffer = '';
    };
    for (const row of rows) {
      const ep = String(row['rowKey']).split(':')[2] ?? '';
      if (ep !== episode) { flush(); episode = ep; }
      buffer += unpackText(row, 'd') ?? '';
    }
    flush();
    return { events, consumed };
  }

  private messageEntity(instanceId: string, m: Message): Entity {
    return { partitionKey: instanceId, rowKey: `m:${m.id}`, executionId: m.executionId ?? '', ...packText('d', JSON.stringify(m.event)) };
  }

  async readMessages(instanceId: string): Promise<Message[]> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${'m:'} and RowKey lt ${'m;'}`);
    rows.sort((a, b) => String(a['rowKey']).localeCompare(String(b['rowKey'])));
    return rows.map((r) => ({
      id: String(r['rowKey']).slice(2),
      executionId: r['executionId'] ? String(r['executionId']) : undefined,
      event: JSON.parse(unpackText(r, 'd') ?? 'null') as HistoryEvent,
    }));
  }

  async putMessages(instanceId: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 100) {
      await this.submit(instanceId, messages.slice(i, i + 100).map((m): TransactionAction => ['upsert', this.messageEntity(instanceId, m), 'Replace']));
    }
  }

  async deleteMessages(instanceId: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 100) {
      const ops = ids.slice(i, i + 100).map((id): TransactionAction => ['delete', { partitionKey: instanceId, rowKey: `m:${id}` }]);
      try {
        await this.submit(instanceId, ops);
      } catch {
        // some were already gone: delete one by one
        for (const [, e] of ops) await this.table.deleteEntity(e.partitionKey, e.rowKey).catch(() => undefined);
      }
    }
  }

  /** Deletes every row of one instance; returns whether it existed. */
  async purge(instanceId: string): Promise<boolean> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId}`, ['RowKey']);
    if (!rows.some((r) => r['rowKey'] === statusRow)) return false;
    const keys = rows.map((r) => String(r['rowKey']));
    for (let i = 0; i < keys.length; i += 100) {
      await this.submit(instanceId, keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: instanceId, rowKey }]));
    }
    return true;
  }

  /** Deletes rows of executions other than the current one (after continueAsNew / replacement). */
  async deleteOldExecutions(instanceId: string, keepExecutionId: string): Promise<void> {
    const rows = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${'h:'} and RowKey lt ${'h;'}`, ['RowKey']);
    const xs = await this.query(odata`PartitionKey eq ${instanceId} and RowKey ge ${'x:'} and RowKey lt ${'x;'}`, ['RowKey']);
    const stale = [...rows, ...xs].map((r) => String(r['rowKey'])).filter((k) => !k.startsWith(`h:${keepExecutionId}:`) && !k.startsWith(`x:${keepExecutionId}:`));
    for (let i = 0; i < stale.length; i += 100) {
      await this.submit(instanceId, stale.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: instanceId, rowKey }])).catch(() => undefined);
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

  private async submit(_partition: string, ops: TransactionAction[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > 100) throw new Error(`transaction of ${ops.length} operations exceeds the 100-operation limit`);
    await this.table.submitTransaction(ops);
  }
}

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}
