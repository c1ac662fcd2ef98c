import { appServices } from '../../lib/adapters/app-services';
import { PermanentError } from '../../lib/adapters/errors';
import { runProbeJob } from '../../lib/adapters/kubernetes/probe-job';
import { DEFAULT_PROBE_COMMAND, judgeProbe, parseProbeLog, planProbeTargets, probeTargetsEnv, type EgressVerification } from '../../lib/domain/egress-verification';
import { registerActivity } from '../activity-outcome';
import type { TenantRef } from '../lifecycle-input';
import { requireCluster } from './tenant-cluster';
import { requireCurrentRun, requireTenant } from './tenant-record';

/** How long one probe Job may take (every target times out after 5 s; a few dozen targets at most). */
const PROBE_WAIT_MS = 90_000;

/** One verification attempt; `complete` when it passed or there is nothing to probe (the orchestrator retries otherwise). */
export type EgressAttempt = EgressVerification & { complete: boolean };

/**
 * Probes the tenant's egress from its first application namespace (steered like the application's pods) with
 * the spec its lifecycle applies: a Job that tries every planned target, read back through the pod's log and
 * judged in the domain. Only while its lifecycle run holds the tenant.
 */
registerActivity('verifyTenantEgress', async (input: TenantRef & { run: number }): Promise<EgressAttempt> => {
  const services = await appServices();
  const record = await requireCurrentRun(input, input.run);
  const verifiedAt = new Date().toISOString();
  const namespace = record.spec.namespaces[0];
  if (namespace === undefined) {
    return { verifiedAt, ok: true, results: [], problems: [], skipped: 'the tenant has no application namespace: nothing to probe from', complete: true };
  }
  if (!record.cidr) throw new PermanentError(`tenant ${input.cluster}/${input.name} has no CIDR`);
  const settings = services.config.egressProbe;
  // During an update the serving spec is still the previous one: what it allowed and this one does not must be refused.
  const previous = record.servingSpec !== undefined && record.servingFingerprint !== record.specFingerprint ? record.servingSpec : undefined;
  const planned = planProbeTargets(record.spec, { refusedFqdn: settings.refusedFqdn, ...(settings.echo ? { echo: settings.echo } : {}) }, previous);
  try {
    const cluster = await requireCluster(services, input.cluster);
    const run = await runProbeJob(cluster, {
      tenant: input.name, namespace, image: settings.image, command: settings.command ?? DEFAULT_PROBE_COMMAND,
      env: { EGRESS_PROBE_TARGETS: probeTargetsEnv(planned) }, waitMs: PROBE_WAIT_MS,
    });
    const verdict = judgeProbe(planned, parseProbeLog(run.log), record.cidr, verifiedAt);
    const unfinished = run.state === 'Unfinished' ? [`probe Job ${namespace}/${run.job} did not finish within ${PROBE_WAIT_MS / 1000}s`] : [];
    const problems = [...unfinished, ...verdict.problems];
    return { ...verdict, problems, ok: problems.length === 0, ranIn: { namespace, job: run.job }, complete: problems.length === 0 };
  } catch (error) {
    // A probe that cannot run is a failed attempt, retried by the orchestrator until its deadline, never a
    // failed lifecycle: the rules and the gateway stay as they are.
    const message = error instanceof Error ? error.message : String(error);
    return { verifiedAt, ok: false, results: [], problems: [`the probe could not run in ${namespace}: ${message}`], complete: false };
  }
});

/**
 * The drift check's scheduled verification takes a tenant only if its spec serves and no change is pending,
 * read fresh: the record it returns goes into the lifecycle as `resumeOf`, so a tenant that moved on since
 * (a request, an offboarding) is left alone by the lifecycle's first step.
 */
registerActivity('readVerifiableTenant', async (input: TenantRef): Promise<{ phase: string; updatedAt: string } | { skipped: string }> => {
  const record = await requireTenant(input);
  if (record.phase !== 'Ready' && record.phase !== 'Degraded') return { skipped: `phase is ${record.phase}` };
  if (record.servingFingerprint !== record.specFingerprint) return { skipped: 'an update of its spec is pending' };
  return { phase: record.phase, updatedAt: record.updatedAt };
});
