/** Simulated durations as data (kwok style); every default is named here and nowhere else. */
export interface TwinTimings {
  /** From gateway pod creation (IP assigned, routes advertised) to Running + Ready. */
  gatewayPodReadyMs: number;
  /** From an ordinary pod's creation to Running + Ready (simulated scheduler + kubelet). */
  podReadyMs: number;
  /** From a Job's pod starting to the pod Succeeded and the Job Complete. */
  jobCompleteMs: number;
}

export const DEFAULT_TIMINGS: TwinTimings = {
  gatewayPodReadyMs: 1500,
  podReadyMs: 500,
  jobCompleteMs: 1000,
};
