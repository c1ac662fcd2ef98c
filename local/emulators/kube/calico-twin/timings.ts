/** Simulated durations as data (kwok style); every default is named here and nowhere else. */
export interface TwinTimings {
  /** From gateway pod creation (IP assigned, routes advertised) to Running + Ready. */
  gatewayPodReadyMs: number;
}

export const DEFAULT_TIMINGS: TwinTimings = {
  gatewayPodReadyMs: 1500,
};
