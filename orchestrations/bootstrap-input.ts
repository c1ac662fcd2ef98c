/** Input of the cluster bootstrap; settings travel in the input so replays see the same values. */
export interface BootstrapInput {
  cluster: string;
  reason: string;
  timing: { deadlineSeconds: number; pollInitialSeconds: number; pollMaxSeconds: number };
}

export interface ClusterReadiness {
  complete: boolean;
  detail: string;
}

/** Calico Enterprise / Calico Cloud prerequisites: complete when met; detail says what is still missing. */
export interface CalicoReadiness {
  complete: boolean;
  detail: string;
}

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
