import type { Config } from '../lib/domain/config';

/** Input of the cluster bootstrap; settings travel in the input so replays see the same values. */
export interface BootstrapInput {
  cluster: string;
  reason: string;
  timing: BootstrapTiming;
}

export interface BootstrapTiming {
  deadlineSeconds: number;
  pollInitialSeconds: number;
  pollMaxSeconds: number;
}

type TimingSettings = Pick<Config, 'routeWaitDeadlineSeconds' | 'routePollInitialSeconds' | 'routePollMaxSeconds'>;

/** The one place the bootstrap's waits come from (Event Grid, POST /api/clusters/{name}/bootstrap, the drift check). */
export function bootstrapTiming(config: TimingSettings): BootstrapTiming {
  return { deadlineSeconds: config.routeWaitDeadlineSeconds, pollInitialSeconds: config.routePollInitialSeconds, pollMaxSeconds: config.routePollMaxSeconds };
}

export function bootstrapInput(config: TimingSettings, cluster: string, reason: string): BootstrapInput {
  return { cluster, reason, timing: bootstrapTiming(config) };
}

/** One bootstrap per cluster at a time: the instance id is the cluster's. */
export const clusterBootstrapInstanceId = (cluster: string): string => `cluster:${cluster}`;

export interface ClusterReadiness {
  complete: boolean;
  detail: string;
}

/** Calico Enterprise / Calico Cloud prerequisites: complete when met; detail says what is still missing. */
export type CalicoReadiness = ClusterReadiness;

export interface RouteReflector {
  name: string;
  ip: string;
}

export interface SessionProgress {
  complete: boolean;
  detail: string;
}

/** One round of Route Server peering; `complete: false` when the rest waits for the new sessions. */
export interface RouteServerPeering {
  connections: string[];
  created: string[];
  removed: string[];
  complete: boolean;
}
