/**
 * Table `<hub>Leases`: the single-host lease on the task hub (row hub/owner, renewed every lease/3 by its owner)
 * and each timer function's schedule status (rows timer/<function>), used for isPastDue after downtime.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { TableClient, type TableEntity } from '@azure/data-tables';
import { statusOf } from './store';

export class LeaseError extends Error {}

export interface TimerStatus { last: string; next: string; lastUpdated: string }

export interface LeaseInfo { ownerId: string; pid: number; hostname: string; expiresAt: number; startedAt: string }

type Entity = TableEntity<Record<string, unknown>>;

export class HostTable {
  private constructor(readonly hubName: string, private readonly leases: TableClient) {}

  static async open(connectionString: string, hubName: string): Promise<HostTable> {
    const leases = TableClient.fromConnectionString(connectionString, `${hubName}Leases`, { allowInsecureConnection: true });
    await leases.createTable();
    return new HostTable(hubName, leases);
  }

  /**
   * Takes the hub lease. A live holder is refused (same machine, pid alive: after a 2 s grace in case it is
   * exiting; another machine: once its lease outlives our wait); an expired lease or a dead holder on this
   * machine (SIGKILL) is taken over at once.
   */
  async acquireLease(me: LeaseInfo, leaseMs: number, isAlive: (pid: number) => boolean): Promise<void> {
    const deadline = Date.now() + leaseMs + 2000;
    const sameMachineDeadline = Date.now() + 2000;
    for (;;) {
      const entity = { partitionKey: 'hub', rowKey: 'owner', ...me, expiresAt: Date.now() + leaseMs };
      try {
        await this.leases.createEntity(entity);
        return;
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
      let current: Entity & Partial<LeaseInfo> & { etag: string };
      try {
        current = await this.leases.getEntity('hub', 'owner') as Entity & Partial<LeaseInfo> & { etag: string };
      } catch (err) {
        if (statusOf(err) === 404) continue;
        throw err;
      }
      const expired = Number(current.expiresAt ?? 0) < Date.now();
      const sameMachine = current.hostname === me.hostname;
      const holderDead = sameMachine && typeof current.pid === 'number' && !isAlive(current.pid);
      if (current.ownerId === me.ownerId || expired || holderDead) {
        try {
          await this.leases.updateEntity(entity, 'Replace', { etag: current.etag });
          return;
        } catch (err) {
          if (statusOf(err) !== 412) throw err;
          continue;
        }
      }
      const who = `host pid ${current.pid} on ${current.hostname} (started ${current.startedAt})`;
      // a holder on this machine whose pid is alive is refused after a short grace (it may be exiting)
      if ((sameMachine && Date.now() > sameMachineDeadline) || Date.now() > deadline) {
        throw new LeaseError(`Task hub "${this.hubName}" is already in use by another host: ${who} holds its lease until ${new Date(Number(current.expiresAt)).toISOString()}. Stop that host or use another hubName.`);
      }
      await new Promise((r) => setTimeout(r, sameMachine ? 250 : 1000));
    }
  }

  async renewLease(me: LeaseInfo, leaseMs: number): Promise<void> {
    const current = await this.leases.getEntity('hub', 'owner') as Entity & Partial<LeaseInfo> & { etag: string };
    if (current.ownerId !== me.ownerId) throw new LeaseError(`lease of task hub "${this.hubName}" was taken by pid ${current.pid} on ${current.hostname}`);
    await this.leases.updateEntity({ partitionKey: 'hub', rowKey: 'owner', ...me, expiresAt: Date.now() + leaseMs }, 'Replace', { etag: current.etag });
  }

  async releaseLease(me: LeaseInfo): Promise<void> {
    try {
      const current = await this.leases.getEntity('hub', 'owner') as Entity & Partial<LeaseInfo> & { etag: string };
      if (current.ownerId === me.ownerId) await this.leases.deleteEntity('hub', 'owner', { etag: current.etag });
    } catch {
      // best effort: an expired lease is taken over anyway
    }
  }

  async readTimerStatus(functionName: string): Promise<TimerStatus | undefined> {
    try {
      const e = await this.leases.getEntity<Record<string, unknown>>('timer', functionName.toLowerCase());
      return { last: String(e['last']), next: String(e['next']), lastUpdated: String(e['lastUpdated']) };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async writeTimerStatus(functionName: string, status: TimerStatus): Promise<void> {
    await this.leases.upsertEntity({ partitionKey: 'timer', rowKey: functionName.toLowerCase(), ...status }, 'Replace');
  }
}

export function leaseIdentity(): LeaseInfo {
  return { ownerId: randomUUID(), pid: process.pid, hostname: hostname(), expiresAt: 0, startedAt: new Date().toISOString() };
}
