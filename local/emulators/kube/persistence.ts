/**
 * A cluster's state in a file (`kube-<cluster>.json` in the state folder): every object of the store
 * (namespaces, nodes, pods, CRD instances, with their uid, resourceVersion and managedFields), the
 * store's revision counter and the Calico twin's IPAM (blocks, affinities, allocations). Timers are not
 * saved: after a restart the twin and the workload simulator resume them from the objects (a Pending
 * gateway pod becomes Ready after its delay again), and BGP is derived again from the objects.
 */
import path from 'node:path';
import { z } from 'zod';
import { keepStateFile, parseWithSchema, readStateFile, type StateOptions, type StateRestore, type StateWriter } from '../shared/state-file';
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

export function readClusterState(file: string): StateRestore<ClusterState> {
  return readStateFile(file, KUBE_STATE_FORMAT, KUBE_STATE_VERSION, parseWithSchema(clusterStateSchema));
}

export function clusterStateWriter(file: string, snapshot: () => ClusterState, options: StateOptions, restored: boolean): StateWriter {
  return keepStateFile(file, KUBE_STATE_FORMAT, KUBE_STATE_VERSION, snapshot, options, restored);
}
