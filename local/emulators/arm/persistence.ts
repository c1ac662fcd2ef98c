/**
 * The ARM emulator's state in a file (`arm.json` in the state folder): every resource with its etag
 * (Route Servers and their BGP connections, firewall policies and rule collection groups, IP groups,
 * AKS clusters, resource groups, subnets), the long-running operations, and Route Server's BGP view
 * (sessions, learned routes and when they were learned or withdrawn).
 *
 * An operation in flight when the emulator stopped finishes at its due time after the restart, as in
 * Azure, whose control plane goes on while its client is away: the resource it left `Updating` /
 * `Creating` becomes `Succeeded` (or `Failed` for an injected `lroFailure`), one left `Deleting` is
 * deleted, and a firewall policy it locked is released at the same time. Operations that only compute
 * an answer (learned / advertised routes queries) or only schedule an AKS state change are not carried
 * over: their URLs answer 404 after a restart and the caller asks again. Finished operations keep
 * answering their URLs until their retention ends. Knobs (timings, limits, faults, latency, counters)
 * and cluster endpoints are configuration, given again at every start, not state.
 */
import path from 'node:path';
import { z } from 'zod';
import { keepStateFile, parseWithSchema, readStateFile, type StateOptions, type StateRestore, type StateWriter } from '../shared/state-file';
import type { EmulatorContext } from './context';
import { ArmError } from './errors';
import type { Operation, SavedOperation } from './operations';
import type { BgpTwinState } from './providers/bgpTwin';
import type { StoredResource } from './store';

export const ARM_STATE_FORMAT = 'egress-pilot/arm-emulator';
export const ARM_STATE_VERSION = 1;

export interface ArmState {
  resources: StoredResource[];
  operations: SavedOperation[];
  bgp: BgpTwinState;
}

const record = z.record(z.string(), z.unknown());
const route = z.object({ prefix: z.string(), nextHop: z.string(), asPath: z.string() });
const armStateSchema = z.object({
  resources: z.array(z.object({
    id: z.string().min(1), name: z.string(), type: z.string().min(1), resourceGroup: z.string(), parentKey: z.string().optional(),
    etag: z.string().min(1), body: record, meta: record.optional(),
  })),
  operations: z.array(z.object({
    id: z.string().min(1), resourceId: z.string(), status: z.enum(['InProgress', 'Succeeded', 'Failed']), dueAt: z.number(),
    doneStatus: z.union([z.literal(200), z.literal(204)]), locks: z.array(z.string()), finishedAt: z.number().optional(),
    result: z.unknown().optional(), error: z.object({ code: z.string(), message: z.string() }).optional(),
    failWith: z.object({ status: z.number().int(), code: z.string(), message: z.string() }).optional(),
    startedBy: z.string().optional(),
  })),
  bgp: z.object({
    sessions: z.array(z.object({
      nodeIp: z.string(), peerIp: z.string(), localAsn: z.number(), peerAsn: z.number(), cluster: z.string(), nodeName: z.string(),
      upSince: z.number().optional(), resetAt: z.number().optional(),
      routes: z.array(z.object({ route, since: z.number(), withdrawnAt: z.number().optional(), delayMs: z.number().optional(), withdrawDelayMs: z.number().optional(), learnBy: z.number().optional(), goneBy: z.number().optional() })),
    })),
    resets: z.record(z.string(), z.number()),
  }),
});

export function armStateFile(dir: string): string {
  return path.join(dir, 'arm.json');
}

export function readArmState(file: string): StateRestore<ArmState> {
  return readStateFile(file, ARM_STATE_FORMAT, ARM_STATE_VERSION, parseWithSchema(armStateSchema));
}

export function armSnapshot(ctx: EmulatorContext): ArmState {
  return { resources: ctx.store.snapshot(), operations: ctx.operations.snapshot(), bgp: ctx.bgp.twin.snapshot() };
}

const TRANSITIONAL = new Set(['Updating', 'Creating', 'Deleting']);

function provisioningState(resource: StoredResource | undefined): string | undefined {
  const props = resource?.body.properties;
  return typeof props === 'object' && props !== null ? (props as { provisioningState?: string }).provisioningState : undefined;
}

function setProvisioningState(ctx: EmulatorContext, id: string, state: string): void {
  ctx.store.update(id, (b) => ({ ...b, properties: { ...(b.properties as Record<string, unknown>), provisioningState: state } }));
}

/** Finishes what a saved operation left in a transitional state (see the file comment). */
function settleSaved(ctx: EmulatorContext, saved: SavedOperation, outcome: 'Succeeded' | 'Failed'): void {
  const target = ctx.store.get(saved.resourceId);
  const state = provisioningState(target);
  if (target !== undefined && state === 'Deleting' && outcome === 'Succeeded') ctx.store.delete(target.id);
  else if (target !== undefined && state !== undefined && TRANSITIONAL.has(state)) setProvisioningState(ctx, target.id, outcome);
  for (const lock of saved.locks) {
    const locked = ctx.store.get(lock);
    if (locked !== undefined && provisioningState(locked) === 'Updating') setProvisioningState(ctx, locked.id, outcome);
  }
}

/** True when a saved in-flight operation has a transition to finish (else it only computed an answer). */
function carriesTransition(ctx: EmulatorContext, saved: SavedOperation): boolean {
  return [saved.resourceId, ...saved.locks].some((id) => TRANSITIONAL.has(provisioningState(ctx.store.get(id)) ?? ''));
}

/** Puts a saved state into a context whose store is empty; returns how many in-flight operations were dropped. */
export function restoreArmState(ctx: EmulatorContext, state: ArmState): { droppedOperations: number } {
  ctx.store.restore(state.resources);
  ctx.bgp.twin.restore(state.bgp);
  let dropped = 0;
  for (const saved of state.operations) {
    if (saved.status === 'InProgress' && !carriesTransition(ctx, saved)) {
      dropped += 1;
      continue;
    }
    const op: Operation = {
      id: saved.id, resourceId: saved.resourceId, status: saved.status, dueAt: saved.dueAt, doneStatus: saved.doneStatus, locks: saved.locks,
      ...(saved.finishedAt !== undefined ? { finishedAt: saved.finishedAt } : {}),
      ...(saved.result !== undefined ? { result: saved.result } : {}),
      ...(saved.error !== undefined ? { error: saved.error } : {}),
      ...(saved.startedBy !== undefined ? { startedBy: saved.startedBy } : {}),
      complete: () => { settleSaved(ctx, saved, 'Succeeded'); },
      ...(saved.failWith !== undefined
        ? { failWith: new ArmError(saved.failWith.status, saved.failWith.code, saved.failWith.message), onFail: () => { settleSaved(ctx, saved, 'Failed'); } }
        : {}),
    };
    ctx.operations.adopt(op);
  }
  return { droppedOperations: dropped };
}

export function armStateWriter(file: string, ctx: EmulatorContext, options: StateOptions, restored: boolean): StateWriter {
  return keepStateFile(file, ARM_STATE_FORMAT, ARM_STATE_VERSION, () => armSnapshot(ctx), options, restored);
}
