import { z } from 'zod';

/**
 * Test and benchmark knobs that are not Azure behaviour: per-operation latency, injected faults
 * (consumed one by one, with counts), and request counters.
 */
export const faultSpecSchema = z.object({
  /** Operation name (`firewallPolicyRuleCollectionGroups.createOrUpdate`), a group wildcard (`firewallPolicyRuleCollectionGroups.*`) or `*`. */
  operation: z.string().min(1),
  /**
   * throttle: 429 TooManyRequests + Retry-After; conflict: 409 AnotherOperationInProgress;
   * serverError: 500; drop: the connection is destroyed without a response;
   * lroFailure: the long-running operation started by the request ends `Failed`.
   */
  kind: z.enum(['throttle', 'conflict', 'serverError', 'drop', 'lroFailure']),
  count: z.number().int().positive().default(1),
  retryAfterSeconds: z.number().int().nonnegative().default(1),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;

export interface Counters {
  /** Requests per operation (after routing, including rejected ones). */
  requests: Record<string, number>;
  /** Responses per `<operation> <status>`. */
  responses: Record<string, number>;
  /** Accepted writes (PUT/DELETE of the policy or any of its rule collection groups) per firewall policy id. */
  policyWrites: Record<string, number>;
  /** Writes refused because the policy was busy (409 or 429), per firewall policy id. */
  policyBusyRejections: Record<string, number>;
  /** Faults injected, per kind. */
  faultsInjected: Record<string, number>;
  /** Tokens issued by the identity endpoint, per audience. */
  tokensIssued: Record<string, number>;
  /** Requests refused with 401. */
  unauthorized: number;
  /** Requests refused with 403 AuthorizationFailed (Azure RBAC, `authorization` option), per action. */
  refusedByRbac: Record<string, number>;
  /**
   * Requests by ARM's budget they draw on (its throttling counts per subscription: reads = GET/HEAD,
   * LRO polls included; writes = PUT/PATCH/POST, so a learnedRoutes POST is a write; deletes = DELETE).
   */
  armBudget: { reads: number; writes: number; deletes: number };
  /** 429 SubscriptionRequestsThrottled from the read and write token buckets. */
  subscriptionThrottled: { reads: number; writes: number };
  /** Long-running-operation polls (operations.status / operations.result), by the operation that started them. */
  lroPolls: Record<string, number>;
  /** Every accepted firewall write: when, how long it runs (base + per-rule cost), how many rules the group held. */
  policyWriteLog: Array<{ policy: string; operation: string; at: number; durationMs: number; rules: number }>;
}

export const emptyCounters = (): Counters => ({
  requests: {}, responses: {}, policyWrites: {}, policyBusyRejections: {}, faultsInjected: {}, tokensIssued: {}, unauthorized: 0, refusedByRbac: {},
  armBudget: { reads: 0, writes: 0, deletes: 0 }, subscriptionThrottled: { reads: 0, writes: 0 }, lroPolls: {}, policyWriteLog: [],
});

/** Which of ARM's per-subscription budgets a request of this method draws on. */
export const budgetOf = (method: string): 'reads' | 'writes' | 'deletes' =>
  method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';

export const bump = (record: Record<string, number>, key: string, by = 1): void => {
  record[key] = (record[key] ?? 0) + by;
};

function operationMatches(pattern: string, operation: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return operation.startsWith(pattern.slice(0, -1));
  return pattern === operation;
}

export class Knobs {
  latencyMs: Record<string, number> = {};
  private faults: FaultSpec[] = [];
  counters: Counters = emptyCounters();

  latencyFor(operation: string): number {
    return this.latencyMs[operation] ?? this.latencyMs[`${operation.split('.')[0] ?? ''}.*`] ?? this.latencyMs['*'] ?? 0;
  }

  addFault(spec: FaultSpecInput): FaultSpec {
    const parsed = faultSpecSchema.parse(spec);
    this.faults.push(parsed);
    return parsed;
  }

  /** Take one fault matching the operation (request-level kinds, or lroFailure when `lro`). */
  takeFault(operation: string, kinds: readonly FaultSpec['kind'][]): FaultSpec | undefined {
    const fault = this.faults.find((f) => kinds.includes(f.kind) && operationMatches(f.operation, operation));
    if (fault === undefined) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) this.faults = this.faults.filter((f) => f !== fault);
    bump(this.counters.faultsInjected, fault.kind);
    return { ...fault };
  }

  pendingFaults(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clearFaults(): void {
    this.faults = [];
  }

  private resetHooks: (() => void)[] = [];

  resetCounters(): void {
    this.counters = emptyCounters();
    for (const hook of this.resetHooks) hook();
  }

  /** Called on counter reset (and so on emulator reset), e.g. to refill the write bucket. */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }
}

/** ARM's throttling as a token bucket (NOTES: writes 200 tokens refilled at 10/s; reads 250). */
export class TokenBucket {
  private tokens = Number.NaN;
  private at = 0;

  /** Take one token; returns the tokens left, or the seconds to wait when the bucket is empty. */
  take(now: number, size: number, refillPerSecond: number): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number } {
    if (Number.isNaN(this.tokens)) { this.tokens = size; this.at = now; }
    this.tokens = Math.min(size, this.tokens + ((now - this.at) / 1000) * refillPerSecond);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / refillPerSecond)) };
  }

  reset(): void {
    this.tokens = Number.NaN;
  }
}
