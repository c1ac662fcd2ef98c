/**
 * Exit codes a pipeline can rely on (also in `--help` and the README):
 *   0  done: Ready / Deleted (or the command succeeded)
 *   1  the outcome is bad: a tenant Failed or Degraded, Ready only on its previous spec (the last update failed),
 *      a drift report that is not clean, a cluster not Ready or out of sync, no room for the next tenant
 *   2  usage: bad arguments or file, or the API refused the request's content (400, 413, 415, 422: the field is named)
 *   3  the API could not be reached, refused the key (401/403), or answered another error (404, 409, 5xx)
 */
import type { TenantView } from './api-types';

export const EXIT = { ok: 0, failed: 1, usage: 2, api: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  Ready / Deleted (or the command succeeded)
  1  Failed or Degraded: a tenant Failed or Degraded (egress not verified), or Ready only on its previous spec;
     a drift report that is not clean; a cluster not Ready or out of sync; no cluster has room for the next tenant
  2  usage: bad arguments or file, or the API refused the request's content (HTTP 400/413/415/422, field named)
  3  API or auth error: not reachable, key refused (401/403), or another error (404, 409, 5xx)`;

/** The API's refusal of what was sent (fix the input) is usage; everything else it refuses is an API error. */
export function exitForStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return EXIT.ok;
  return [400, 413, 415, 422].includes(status) ? EXIT.usage : EXIT.api;
}

/** A tenant's state as an outcome: Ready (without a failed last attempt) and Deleted are good; Failed and Degraded (egress verification failed) are not. */
export function exitForTenant(tenant: Pick<TenantView, 'phase' | 'lastAttempt'>): ExitCode {
  if (tenant.phase === 'Failed' || tenant.phase === 'Degraded') return EXIT.failed;
  if (tenant.phase === 'Ready' && tenant.lastAttempt) return EXIT.failed;
  return EXIT.ok;
}
