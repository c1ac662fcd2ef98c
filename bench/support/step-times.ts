/**
 * Where a run's wall time goes: each tenant's lifecycle steps (startedAt / endedAt from GET /tenants)
 * summarised per step, so a benchmark can say which step a slow run waited in.
 */
import { quantile } from '../../local/emulators/arm/timing';

export interface StepTiming {
  name: string;
  startedAt?: string;
  endedAt?: string;
}

export interface StepSummary {
  step: string;
  /** Seconds spent in the step: median, 90th percentile and max over the tenants. */
  medianS: number;
  p90S: number;
  maxS: number;
  /** Seconds from the run's start until the last tenant ended the step. */
  lastEndS: number;
}

/** Per step, over every tenant that ran it; `startedAtMs` is the run's start (epoch ms). */
export function summariseSteps(perTenant: ReadonlyArray<readonly StepTiming[]>, startedAtMs: number): StepSummary[] {
  const names = [...new Set(perTenant.flatMap((steps) => steps.map((s) => s.name)))];
  const out: StepSummary[] = [];
  for (const step of names) {
    const spans: number[] = [];
    const ends: number[] = [];
    for (const steps of perTenant) {
      const s = steps.find((x) => x.name === step);
      if (!s?.startedAt || !s.endedAt) continue;
      spans.push((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000);
      ends.push((Date.parse(s.endedAt) - startedAtMs) / 1000);
    }
    if (spans.length === 0) continue;
    out.push({ step, medianS: quantile(spans, 0.5), p90S: quantile(spans, 0.9), maxS: Math.max(...spans), lastEndS: Math.max(...ends) });
  }
  return out;
}

/** One line per step: `name median/p90/max s, last ended at +t s`. */
export function formatSteps(summary: readonly StepSummary[]): string {
  return summary.map((s) => `${s.step} ${s.medianS.toFixed(1)}/${s.p90S.toFixed(1)}/${s.maxS.toFixed(1)} s (last end +${s.lastEndS.toFixed(1)} s)`).join('; ');
}
