/**
 * The tenant lifecycle's vocabulary: phases, steps, and the progress record an orchestration keeps.
 * Pure and deterministic: timestamps are passed in (the orchestrator passes currentUtcDateTime).
 */
export const phases = [
  'Pending', 'Allocating', 'ApplyingGateway', 'WaitingForRoutes', 'OpeningFirewall', 'Ready',
  'Updating', 'Deleting', 'Deleted', 'Failed',
  // Settled like Ready (its spec serves: gateway, routes and rules stay), but egress verification failed.
  'Degraded',
] as const;
export type Phase = (typeof phases)[number];

export type Operation = 'onboard' | 'update' | 'offboard';

export type StepState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped';

export interface Step {
  name: string;
  state: StepState;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
}

/** The steps each operation walks through, in order (the manual walkthrough's order). */
export const plannedSteps: Record<Operation, readonly string[]> = {
  onboard: ['allocateCidr', 'checkCapacity', 'applyGateway', 'waitForRoutes', 'openFirewall', 'verifyEgress', 'publishReady'],
  update: ['applyGateway', 'waitForRoutes', 'openFirewall', 'verifyEgress', 'publishReady'],
  offboard: ['closeFirewall', 'removeGateway', 'waitForWithdrawal', 'releaseCidr'],
};

/** The phase a step puts the tenant in while it runs. */
export function phaseOfStep(operation: Operation, step: string): Phase {
  if (operation === 'offboard') return 'Deleting';
  if (operation === 'update') return 'Updating';
  switch (step) {
    case 'allocateCidr':
    case 'checkCapacity':
      return 'Allocating';
    case 'applyGateway':
      return 'ApplyingGateway';
    case 'waitForRoutes':
      return 'WaitingForRoutes';
    default:
      return 'OpeningFirewall';
  }
}

export function initialSteps(operation: Operation, skip: ReadonlySet<string> = new Set()): Step[] {
  return plannedSteps[operation].map((name) => ({ name, state: skip.has(name) ? 'Skipped' : 'Pending' }));
}

function replace(steps: readonly Step[], name: string, change: (s: Step) => Step): Step[] {
  return steps.map((s) => (s.name === name ? change(s) : s));
}

export const startStep = (steps: readonly Step[], name: string, at: string, detail?: string): Step[] =>
  replace(steps, name, (s) => ({ ...s, state: 'Running', startedAt: s.startedAt ?? at, endedAt: undefined, detail }));

export const succeedStep = (steps: readonly Step[], name: string, at: string, detail?: string): Step[] =>
  replace(steps, name, (s) => ({ ...s, state: 'Succeeded', endedAt: at, detail: detail ?? s.detail }));

export const failStep = (steps: readonly Step[], name: string, at: string, detail: string): Step[] =>
  replace(steps, name, (s) => ({ ...s, state: 'Failed', startedAt: s.startedAt ?? at, endedAt: at, detail }));

export const noteStep = (steps: readonly Step[], name: string, detail: string): Step[] =>
  replace(steps, name, (s) => ({ ...s, detail }));

/** The step running now (for the custom status), or the last one touched. */
export function currentStep(steps: readonly Step[]): string | undefined {
  return steps.find((s) => s.state === 'Running')?.name ?? [...steps].reverse().find((s) => s.state !== 'Pending')?.name;
}

/** Deterministic orchestration instance id: one lifecycle per tenant, ever, at a time. */
export function lifecycleInstanceId(cluster: string, name: string): string {
  return `tenant:${cluster}:${name}`;
}
