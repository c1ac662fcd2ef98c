/**
 * A cluster's state in a file (`kube-<cluster>.json` in the state folder): every object of the store
 * (namespaces, nodes, pods, CRD instances, with their uid, resourceVersion and managedFields), the
 * store's revision counter and the Calico twin's IPAM (blocks, affinities, allocations). Timers are not
 * saved: after a restart the twin and the workload simulator resume them from the objects (a Pending
 * gateway pod becomes Ready after its delay again), and BGP is derived again from the objects.
 */
import path from 'node:path';
import { z } from 'zod';
import { readStateFile, StateWriter, type StateRestore } from '../shared/state-file';
import type { ClusterState } from './cluster';
import type { JsonObject } from './json';

export const KUBE_STATE_FORMAT = 'egress-pilot/kube-emulator-cluster';
export const KUBE_STATE_VERSION = 1;

const jsonObject = z.custom<JsonObject>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object');
const clusterStateSchema = z.object({
  store: z.object({ revision: z.number().int().nonnegative(), objects: z.record(z.string(), z.array(jsonObject)) }),
  ipam: z.array(z.object({
    cidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/), pool: z.string(), node: z.string(),
    allocations: z.record(z.string(), z.string()),
    borrowed: z.array(z.object({ ip: z.string(), node: z.string() })),
  })),
});

export function clusterStateFile(dir: string, cluster: string): string {
  return path.join(dir, `kube-${cluster}.json`);
}

function parseClusterState(state: unknown): ClusterState {
  const parsed = clusterStateSchema.safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join('.') || '(state)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function readClusterState(file: string): StateRestore<ClusterState> {
  return readStateFile(file, KUBE_STATE_FORMAT, KUBE_STATE_VERSION, parseClusterState);
}

export function clusterStateWriter(file: string, snapshot: () => ClusterState, debounceMs: number | undefined, onError: (e: Error) => void): StateWriter {
  return new StateWriter({ file, format: KUBE_STATE_FORMAT, version: KUBE_STATE_VERSION, snapshot, onError, ...(debounceMs !== undefined ? { debounceMs } : {}) });
}
