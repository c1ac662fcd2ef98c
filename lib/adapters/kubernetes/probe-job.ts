import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Job } from '@kubernetes/client-node';
import { MANAGED_BY, TENANT_LABEL } from '../../domain/kube-objects';
import type { ClusterClient } from './cluster-client';

/**
 * Runs one egress probe as a short-lived Job in an application namespace (so Calico steers its traffic like
 * the application's), waits for it, reads its pod's log through the API and deletes it. A Job an interrupted
 * run leaves behind is removed by Kubernetes itself (`ttlSecondsAfterFinished`, `activeDeadlineSeconds`).
 */
export interface ProbeJobSpec {
  tenant: string;
  namespace: string;
  image: string;
  /** Shell script, run with `sh -c`. */
  command: string;
  env: Record<string, string>;
  /** How long to wait for the Job to finish (ms). */
  waitMs: number;
}

export interface ProbeJobRun {
  job: string;
  namespace: string;
  /** Complete, Failed, or still running when the wait ended. */
  state: 'Complete' | 'Failed' | 'Unfinished';
  log: string;
}

const POLL_MS = 500;

export function probeJobManifest(spec: ProbeJobSpec, name: string): V1Job & KubernetesObject {
  const labels = { ...MANAGED_BY, [TENANT_LABEL]: spec.tenant, 'egress-pilot.io/probe': 'egress' };
  const deadline = Math.max(30, Math.ceil(spec.waitMs / 1000));
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: spec.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadline,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [{
            name: 'probe', image: spec.image, command: ['sh', '-c', spec.command],
            env: Object.entries(spec.env).map(([envName, value]) => ({ name: envName, value })),
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  };
}

function jobState(job: V1Job | undefined): ProbeJobRun['state'] | undefined {
  const conditions = job?.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  return undefined;
}

export async function runProbeJob(cluster: ClusterClient, spec: ProbeJobSpec, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<ProbeJobRun> {
  const name = `egress-probe-${randomBytes(3).toString('hex')}`;
  const manifest = probeJobManifest(spec, name);
  await cluster.create(manifest);
  try {
    let state: ProbeJobRun['state'] | undefined;
    for (const started = Date.now(); state === undefined && Date.now() - started < spec.waitMs; ) {
      await sleep(POLL_MS);
      state = jobState(await cluster.read<V1Job & KubernetesObject>(manifest));
    }
    const pods = await cluster.listPodObjects(spec.namespace, `job-name=${name}`);
    const pod = pods.find((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') ?? pods[0];
    const log = pod?.metadata?.name ? await cluster.podLog(spec.namespace, pod.metadata.name) : '';
    return { job: name, namespace: spec.namespace, state: state ?? 'Unfinished', log };
  } finally {
    await cluster.removeWithDependents(manifest);
  }
}
