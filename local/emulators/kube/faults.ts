/**
 * Fault and latency injection per verb and path prefix, and request counters: data, not code paths.
 * Set over `POST /_emulator/faults` or in process through `FaultBook`.
 */
import { z } from 'zod';
import { kubeErrors, type StatusError } from './errors';

export const faultRuleSchema = z.object({
  method: z.string().toUpperCase().optional().describe('HTTP method to match; absent or "*" matches every method'),
  pathPrefix: z.string().startsWith('/').default('/'),
  status: z.number().int().min(400).max(599).optional().describe('error to answer with; absent = latency only'),
  count: z.number().int().positive().optional().describe('how many matching requests to affect; absent = until reset'),
  delayMs: z.number().int().min(0).max(600_000).default(0),
  retryAfterSeconds: z.number().int().min(0).optional(),
  message: z.string().optional(),
});
export type FaultRule = z.input<typeof faultRuleSchema>;
type ActiveRule = z.output<typeof faultRuleSchema> & { id: number; remaining: number; hits: number };

export interface FaultDecision { delayMs: number; error?: StatusError }

export interface Counters {
  total: number;
  faultsInjected: number;
  byMethod: Record<string, number>;
  /** `"GET /apis/projectcalico.org/v3/ippools"` → count (path without query string). */
  byRoute: Record<string, number>;
}

export class FaultBook {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private counters: Counters = { total: 0, faultsInjected: 0, byMethod: {}, byRoute: {} };

  add(rule: FaultRule): { id: number } {
    const parsed = faultRuleSchema.parse(rule);
    const id = this.nextId++;
    this.rules.push({ ...parsed, id, remaining: parsed.count ?? Infinity, hits: 0 });
    return { id };
  }

  list(): Array<Omit<ActiveRule, 'remaining'> & { remaining: number | null }> {
    return this.rules.map((r) => ({ ...r, remaining: Number.isFinite(r.remaining) ? r.remaining : null }));
  }

  reset(): void {
    this.rules = [];
  }

  resetCounters(): void {
    this.counters = { total: 0, faultsInjected: 0, byMethod: {}, byRoute: {} };
  }

  snapshot(): Counters {
    return structuredClone(this.counters);
  }

  /** Counts the request and says what to do with it (first matching rule with budget left wins). */
  decide(method: string, path: string): FaultDecision {
    const c = this.counters;
    c.total++;
    c.byMethod[method] = (c.byMethod[method] ?? 0) + 1;
    const route = `${method} ${path}`;
    c.byRoute[route] = (c.byRoute[route] ?? 0) + 1;
    const rule = this.rules.find((r) => r.remaining > 0 && (!r.method || r.method === '*' || r.method === method) && path.startsWith(r.pathPrefix));
    if (!rule) return { delayMs: 0 };
    rule.remaining--;
    rule.hits++;
    if (rule.status === undefined) return { delayMs: rule.delayMs };
    c.faultsInjected++;
    const message = rule.message ?? `injected fault: ${rule.status} for ${method} ${rule.pathPrefix}`;
    const error = rule.status === 429 ? kubeErrors.tooManyRequests(rule.retryAfterSeconds ?? 1) : kubeErrors.forCode(rule.status, message, rule.retryAfterSeconds);
    return { delayMs: rule.delayMs, error };
  }
}
