/** Test helpers: real clients pointed at an emulated cluster (client-node KubeConfig, kubectl with a temp HOME). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';

export function kubeConfig(url: string, token = 'test-token'): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'emu', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'emu', cluster: 'emu', user: 'u', namespace: 'default' }],
    currentContext: 'emu',
  });
  return kc;
}

/** The Status body of a failed client-node call (client-node 2.x may hand it over as a string). */
export function statusOf(e: unknown): { code: number; reason: string; message: string; details?: { causes?: Array<{ field?: string; reason: string; message: string }> } } {
  const err = e as { code?: number; body?: unknown };
  const body = typeof err.body === 'string' ? (JSON.parse(err.body) as unknown) : err.body;
  return body as ReturnType<typeof statusOf>;
}

export async function expectStatus(p: Promise<unknown>, code: number, reason: string): Promise<ReturnType<typeof statusOf>> {
  try {
    await p;
  } catch (e) {
    const s = statusOf(e);
    expect((e as { code?: number }).code).toBe(code);
    // The typed APIs (CoreV1Api…) drop the body of some errors (401); KubernetesObjectApi keeps it.
    if (s !== undefined) expect({ reason: s.reason, code: s.code }).toEqual({ reason, code });
    return s ?? { code, reason, message: '' };
  }
  throw new Error(`expected ${code} ${reason}, but the call succeeded`);
}

export interface Kubectl {
  available: boolean;
  /** major.minor of the client, e.g. "1.32". */
  version: string;
  reason: string;
  /** Asynchronous: the emulator usually runs in this same process and must keep answering. */
  run(args: string[], stdin?: string): Promise<{ status: number; stdout: string; stderr: string }>;
  cleanup(): void;
}

/** kubectl against `url` with a temporary kubeconfig, HOME and discovery cache. */
/** Whether the kubectl binary runs at all (decided when a test file loads, so missing means skipped). */
export function kubectlInstalled(): { available: boolean; reason: string } {
  const bin = process.env.KUBECTL || 'kubectl';
  const probe = spawnSync(bin, ['version', '--client'], { encoding: 'utf8' });
  const available = !probe.error && probe.status === 0;
  return { available, reason: available ? '' : `${bin} is not installed (${probe.error?.message ?? probe.stderr}); .ci/run installs Debian's kubernetes-client` };
}

export function kubectl(url: string, token = 'test-token'): Kubectl {
  // $KUBECTL picks another binary (e.g. Debian's kubernetes-client 1.20 next to a current kubectl).
  const bin = process.env.KUBECTL || 'kubectl';
  const probe = spawnSync(bin, ['version', '--client'], { encoding: 'utf8' });
  const available = !probe.error && probe.status === 0;
  const home = mkdtempSync(path.join(os.tmpdir(), 'kubectl-home-'));
  const config = path.join(home, 'kubeconfig');
  writeFileSync(config, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: emu', `  cluster: { server: "${url}", insecure-skip-tls-verify: true }`,
    'users:', '- name: u', `  user: { token: "${token}" }`,
    'contexts:', '- name: emu', '  context: { cluster: emu, user: u }',
    'current-context: emu', '',
  ].join('\n'));
  return {
    available,
    version: available ? (/v?(\d+\.\d+)/.exec(probe.stdout)?.[1] ?? 'unknown') : '',
    reason: available ? '' : `${bin} is not installed (${probe.error?.message ?? probe.stderr}); .ci/run installs Debian's kubernetes-client`,
    run(args, stdin) {
      return new Promise((resolve, reject) => {
        const child = spawn(bin, args, {
          env: { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: config, KUBECACHEDIR: path.join(home, 'cache') },
          timeout: 30_000,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
        child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
        child.on('error', reject);
        child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
        child.stdin.end(stdin ?? '');
      });
    },
    cleanup() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
