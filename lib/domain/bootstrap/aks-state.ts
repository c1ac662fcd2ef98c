/**
 * Whether egress-pilot may talk to an AKS cluster's API server now. `provisioningState` is free
 * text and terminal only at Succeeded, Failed or Canceled (reference/azure/NOTES.md §4); a stopped
 * cluster reports Succeeded with powerState Stopped.
 */
export type ClusterUsability =
  | { kind: 'usable' }
  | { kind: 'wait'; reason: string }
  | { kind: 'unusable'; reason: string };

export function clusterUsability(cluster: string, provisioningState: string | undefined, powerState: string | undefined): ClusterUsability {
  const state = provisioningState ?? 'Unknown';
  if (state === 'Failed' || state === 'Canceled') return { kind: 'unusable', reason: `cluster ${cluster} is ${state}` };
  if (powerState === 'Stopped') return { kind: 'unusable', reason: `cluster ${cluster} is stopped; start it first` };
  if (state !== 'Succeeded') return { kind: 'wait', reason: `cluster ${cluster} is ${state}; waiting for Succeeded` };
  return { kind: 'usable' };
}
