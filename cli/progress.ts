/**
 * Following a lifecycle (`--wait`): successive GETs of the tenant reduced to what changed, as plain lines when
 * stdout is not a terminal, and as one live block (redrawn in place by log-update) when it is. Pure: the
 * watcher (watch.ts) polls and prints; time is passed in.
 */
import type { StepView, TenantView } from './api-types';

/** Phases a lifecycle ends in (Degraded: its spec serves but egress verification failed, issue 14). */
const SETTLED = new Set(['Ready', 'Failed', 'Deleted', 'Degraded']);
const FIREWALL_STEPS = new Set(['openFirewall', 'closeFirewall']);

/** What the command waits for: any settled phase after an apply, Deleted (or Failed) after a delete. */
export function isSettled(view: Pick<TenantView, 'phase'>): boolean {
  return SETTLED.has(view.phase);
}

/**
 * The view with only what the lifecycle started by this command reported: right after the 202 the tenant's
 * progress may still be the previous run's (its steps started before `since`, the server's time of the 202), and
 * those steps and routes are not this run's.
 */
export function currentRun(view: TenantView, since: number | undefined): TenantView {
  if (since === undefined) return view;
  const stale = view.steps.some((s) => s.startedAt !== undefined && Date.parse(s.startedAt) < since);
  return stale ? { ...view, steps: [], routes: { expected: [], learned: {} } } : view;
}

export type FirewallStage = 'waiting' | 'requested' | 'queued' | 'writing' | 'done' | 'failed' | 'skipped';

/** Where the firewall write stands, from the firewall step and the single writer's words (queued: / writing: / done:). */
export function firewallStage(step: StepView | undefined): FirewallStage | undefined {
  if (!step) return undefined;
  switch (step.state) {
    case 'Pending': return 'waiting';
    case 'Skipped': return 'skipped';
    case 'Failed': return 'failed';
    case 'Succeeded': return 'done';
    default: {
      const said = /^(queued|writing|done):/.exec(step.detail ?? '')?.[1];
      return said === 'queued' || said === 'writing' || said === 'done' ? said : 'requested';
    }
  }
}

export const firewallStep = (view: TenantView): StepView | undefined => view.steps.find((s) => FIREWALL_STEPS.has(s.name));

/** 0.4s, 12s, 2m05s. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 10_000) return `${(safe / 1000).toFixed(1)}s`;
  const seconds = Math.round(safe / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** How long a step took (ended) or has taken so far (running, against `now`). */
export function stepDuration(step: StepView, now: number): string | undefined {
  if (!step.startedAt) return undefined;
  const start = Date.parse(step.startedAt);
  const end = step.endedAt ? Date.parse(step.endedAt) : step.state === 'Running' ? now : undefined;
  return end === undefined || Number.isNaN(start) || Number.isNaN(end) ? undefined : formatDuration(end - start);
}

/** `RouteServiceRole_IN_0 1/2, RouteServiceRole_IN_1 0/2`: /31s learned per Route Server instance of those expected. */
export function routesSummary(routes: TenantView['routes']): string | undefined {
  const instances = Object.keys(routes.learned).sort();
  // Nothing expected yet (no gateway pod ready): "0/0" would say nothing.
  if (instances.length === 0 || routes.expected.length === 0) return undefined;
  return instances.map((i) => `${i} ${routes.learned[i]}/${routes.expected.length}`).join(', ');
}

const firewallWords = (step: StepView): string => (step.detail ?? '').replace(/^(queued|writing|done):\s*/, '');

/**
 * The lines that say what changed between two views of the tenant (all of it for the first view), in the
 * lifecycle's order: each step whose state or note changed (with the firewall write's stage), then the phase they
 * moved the tenant to, then the /31s learned.
 */
export function changeLines(previous: TenantView | undefined, next: TenantView): string[] {
  const lines: string[] = [];
  if (!previous) lines.push(`tenant ${next.cluster}/${next.name}: phase ${next.phase}${next.cidr ? `, CIDR ${next.cidr}` : ''}`);
  for (const step of next.steps) {
    const before = previous?.steps.find((s) => s.name === step.name);
    if (!before && step.state === 'Pending') continue;
    const firewall = FIREWALL_STEPS.has(step.name);
    if (before?.state !== step.state) {
      const took = step.state === 'Succeeded' || step.state === 'Failed' ? stepDuration(step, 0) : undefined;
      const note = step.detail && (step.state !== 'Running' || !firewall) ? ` - ${step.detail}` : '';
      lines.push(`step ${step.name}: ${step.state}${took ? ` in ${took}` : ''}${note}`);
    } else if (step.detail !== before.detail && step.detail && !firewall) {
      lines.push(`step ${step.name}: ${step.detail}`);
    }
    if (firewall) {
      const stage = firewallStage(step);
      const was = firewallStage(before);
      if (stage && stage !== 'waiting' && stage !== 'skipped' && (stage !== was || (step.state === 'Running' && step.detail !== before?.detail && step.detail)))
        lines.push(`firewall ${stage}${step.state === 'Running' && step.detail ? `: ${firewallWords(step)}` : ''}`);
    }
  }
  // After the steps: what they did is what moved the phase on.
  if (previous && previous.phase !== next.phase) lines.push(`phase ${next.phase}`);
  if (previous && previous.cidr !== next.cidr && next.cidr) lines.push(`CIDR ${next.cidr}`);
  const routes = routesSummary(next.routes);
  if (routes && routes !== (previous ? routesSummary(previous.routes) : undefined)) lines.push(`routes learned ${routes}`);
  if (isSettled(next) && (!previous || !isSettled(previous))) lines.push(finalLine(next));
  return lines;
}

/** The last line: what the tenant ended as, and why when it is not good. */
export function finalLine(view: TenantView): string {
  const id = `${view.cluster}/${view.name}`;
  if (view.phase === 'Failed' || view.phase === 'Degraded') return `${id} ${view.phase}: ${view.error ?? 'no reason recorded'}`;
  if (view.phase === 'Ready' && view.lastAttempt) return `${id} Ready on its previous spec; the update failed${view.lastAttempt.step ? ` at ${view.lastAttempt.step}` : ''}: ${view.lastAttempt.error ?? ''}`;
  return `${id} ${view.phase}${view.phase === 'Ready' && view.cidr ? ` (${view.cidr})` : ''}`;
}

/** Colours for the live block; identity when colour is off (not a terminal, NO_COLOR). */
export interface Paint {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}
export const noPaint: Paint = { green: (t) => t, red: (t) => t, yellow: (t) => t, dim: (t) => t, bold: (t) => t };

const SPINNER = ['-', '\\', '|', '/'];

/** The live block on a terminal: every step with its state and duration, /31s learned x/y per instance, the firewall write. */
export function liveBlock(view: TenantView, now: number, paint: Paint = noPaint, frame = 0): string {
  const mark = (step: StepView): string => {
    switch (step.state) {
      case 'Succeeded': return paint.green('✔');
      case 'Failed': return paint.red('✖');
      case 'Running': return paint.yellow(SPINNER[frame % SPINNER.length]!);
      case 'Skipped': return paint.dim('-');
      default: return paint.dim('·');
    }
  };
  const nameWidth = Math.max(0, ...view.steps.map((s) => s.name.length));
  const lines = [`${paint.bold(`${view.cluster}/${view.name}`)}  ${view.phase}${view.operation ? paint.dim(` (${view.operation})`) : ''}${view.cidr ? `  ${view.cidr}` : ''}`];
  for (const step of view.steps) {
    const took = stepDuration(step, now) ?? '';
    const detail = step.detail && step.state !== 'Pending' ? paint.dim(`  ${step.detail}`) : '';
    lines.push(`  ${mark(step)} ${step.name.padEnd(nameWidth)}  ${step.state.padEnd(9)} ${took.padStart(6)}${detail}`);
  }
  const expected = view.routes.expected.length;
  const instances = Object.keys(view.routes.learned).sort();
  if (instances.length > 0 && expected === 0) lines.push(`  /31s learned  ${paint.dim('none expected yet (no gateway pod ready)')}`);
  else if (instances.length > 0) {
    lines.push(`  /31s learned  ${instances.map((i) => {
      const n = view.routes.learned[i] ?? 0;
      const text = `${i} ${n}/${expected}`;
      return expected > 0 && n >= expected ? paint.green(text) : text;
    }).join('   ')}`);
  }
  const stage = firewallStage(firewallStep(view));
  if (stage) lines.push(`  firewall write  ${stage === 'done' ? paint.green(stage) : stage === 'failed' ? paint.red(stage) : stage}`);
  if (isSettled(view)) lines.push(view.phase === 'Ready' || view.phase === 'Deleted' ? (view.lastAttempt ? paint.red(finalLine(view)) : paint.green(finalLine(view))) : paint.red(finalLine(view)));
  return lines.join('\n');
}
