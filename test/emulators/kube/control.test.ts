/** Authentication, TLS, fault/latency injection, counters, watch and the CLI, through real clients. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startKubeEmulator, type KubeEmulator } from '../../../local/emulators/kube';
import { expectStatus, kubeConfig, waitFor } from './support';

const authenticate = async (token: string) => (token === 'good' ? { ok: true as const, user: 'tester' } : { ok: false as const, reason: 'token not recognised' });

describe('bearer authentication', () => {
  let emu: KubeEmulator;
  beforeAll(async () => { emu = await startKubeEmulator({ clusters: [{ name: 'a' }], authenticate }); });
  afterAll(async () => emu.stop());

  it('accepts a valid token', async () => {
    const core = kubeConfig(emu.clusters.get('a')!.url, 'good').makeApiClient(k8s.CoreV1Api);
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
  });

  it('refuses an invalid token with a 401 Status', async () => {
    const core = kubeConfig(emu.clusters.get('a')!.url, 'bad').makeApiClient(k8s.CoreV1Api);
    await expectStatus(core.listNamespace(), 401, 'Unauthorized');
    const res = await fetch(`${emu.clusters.get('a')!.url}/api/v1/namespaces`, { headers: { Authorization: 'Bearer bad' } });
    expect(await res.json()).toEqual(expect.objectContaining({ kind: 'Status', reason: 'Unauthorized', code: 401, message: 'Unauthorized: token not recognised' }));
  });

  it('refuses a request without a token; /version stays public', async () => {
    const url = emu.clusters.get('a')!.url;
    const res = await fetch(`${url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(expect.objectContaining({ kind: 'Status', reason: 'Unauthorized', code: 401 }));
    expect((await fetch(`${url}/version`)).status).toBe(200);
  });
});

describe('control token', () => {
  it('guards /_emulator/* when set; the API keeps its own authentication', async () => {
    const emu = await startKubeEmulator({ clusters: [{ name: 'c' }], controlToken: 'ctl' });
    try {
      const url = emu.clusters.get('c')!.url;
      expect((await fetch(`${url}/_emulator/bgp/sessions`)).status).toBe(401);
      const ok = await fetch(`${url}/_emulator/ipam/blocks`, { headers: { Authorization: 'Bearer ctl' } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { blocks: Array<{ cidr: string }> }).blocks.map((b) => b.cidr)).toEqual(['10.244.0.0/26', '10.244.0.64/26', '10.244.0.128/26']);
      expect((await fetch(`${url}/api/v1/nodes`)).status).toBe(200);
    } finally {
      await emu.stop();
    }
  });
});

describe('TLS', () => {
  const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  // Without openssl (needed only to mint a test certificate) the test is skipped, never passed.
  if (openssl.status !== 0) console.log('TLS test skipped: openssl is not installed');
  (openssl.status === 0 ? it : it.skip)('serves HTTPS with the caller-owned certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-tls-'));
    try {
      const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const emu = await startKubeEmulator({ clusters: [{ name: 'tls' }], tls: { certPem: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(path.join(dir, 'key.pem'), 'utf8') } });
      try {
        const url = emu.clusters.get('tls')!.url;
        expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const core = kubeConfig(url).makeApiClient(k8s.CoreV1Api);
        expect((await core.listNode()).items).toHaveLength(3);
      } finally {
        await emu.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('faults, latency and counters over the control path', () => {
  let emu: KubeEmulator;
  let url: string;
  let objects: k8s.KubernetesObjectApi;
  const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { x: '1' } } });
  beforeAll(async () => {
    emu = await startKubeEmulator({ clusters: [{ name: 'f' }] });
    url = emu.clusters.get('f')!.url;
    objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig(url));
  });
  afterAll(async () => emu.stop());
  beforeEach(async () => {
    await fetch(`${url}/_emulator/reset-faults`, { method: 'POST' });
    await fetch(`${url}/_emulator/reset-counters`, { method: 'POST' });
  });

  it('429 with Retry-After for `count` matching requests, then normal answers', async () => {
    const set = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ method: 'PATCH', pathPrefix: '/api/v1/namespaces', status: 429, count: 2, retryAfterSeconds: 3 }) });
    expect(set.status).toBe(201);
    await objects.read(ns('default')); // GET is not affected
    for (let i = 0; i < 2; i++) {
      try {
        await objects.patch(ns('default'), undefined, undefined, 't', undefined, k8s.PatchStrategy.MergePatch);
        throw new Error('expected 429');
      } catch (e) {
        const err = e as { code: number; headers: Record<string, string> };
        expect(err.code).toBe(429);
        expect(err.headers['retry-after']).toBe('3');
      }
    }
    await objects.patch(ns('default'), undefined, undefined, 't', undefined, k8s.PatchStrategy.MergePatch);
    const counters = (await (await fetch(`${url}/_emulator/counters`)).json()) as { total: number; faultsInjected: number; byMethod: Record<string, number>; byRoute: Record<string, number> };
    expect(counters.faultsInjected).toBe(2);
    expect(counters.byRoute['PATCH /api/v1/namespaces/default']).toBe(3);
    expect(counters.byMethod.GET).toBeGreaterThanOrEqual(1);
  });

  it('409 and 500 faults answer Status objects with the matching reason', async () => {
    await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ method: 'POST', pathPrefix: '/api/v1/namespaces', status: 409, count: 1 }) });
    await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ method: 'POST', pathPrefix: '/api/v1/namespaces', status: 500, count: 1 }) });
    await expectStatus(objects.create(ns('n1')), 409, 'Conflict');
    await expectStatus(objects.create(ns('n1')), 500, 'InternalError');
    await objects.create(ns('n1'));
  });

  it('latency: delayMs holds matching requests', async () => {
    emu.clusters.get('f')!.faults.add({ method: 'GET', pathPrefix: '/api/v1/namespaces/default', delayMs: 150, count: 1 });
    const t0 = Date.now();
    await objects.read(ns('default'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('refuses a malformed fault with 400 naming the field', async () => {
    const res = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ pathPrefix: 'no-slash', status: 42 }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain('pathPrefix');
    expect(body.message).toContain('status');
  });

  it('unknown control paths answer 501 naming the path', async () => {
    const res = await fetch(`${url}/_emulator/nope`);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { message: string }).message).toContain('GET /_emulator/nope');
  });
});

describe('watch', () => {
  it('client-node Watch sees ADDED, MODIFIED and DELETED for a labelled subset', async () => {
    const emu = await startKubeEmulator({ clusters: [{ name: 'w' }] });
    try {
      const kc = kubeConfig(emu.clusters.get('w')!.url);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const events: string[] = [];
      const watch = new k8s.Watch(kc);
      const req = await watch.watch('/api/v1/namespaces/default/configmaps', { labelSelector: 'app=x' }, (type, obj: k8s.V1ConfigMap) => {
        events.push(`${type} ${obj.metadata?.name}`);
      }, () => undefined);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1', labels: { app: 'x' } } } });
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'other' } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w1', body: { data: { a: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w1' });
      await waitFor('watch events', () => (events.length >= 3 ? events : undefined));
      req.abort();
      expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    } finally {
      await emu.stop();
    }
  });
});

describe('informer (list, then watch from the list resourceVersion)', () => {
  it('sees objects created before and after it started, and deletions', async () => {
    const emu = await startKubeEmulator({ clusters: [{ name: 'i' }] });
    try {
      const kc = kubeConfig(emu.clusters.get('i')!.url);
      const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
      const pool = (name: string, cidr: string) => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } });
      await objects.create(pool('before', '10.1.0.0/29'));
      const informer = k8s.makeInformer(kc, '/apis/projectcalico.org/v3/ippools',
        () => objects.list('projectcalico.org/v3', 'IPPool') as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>);
      const seen: string[] = [];
      informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
      informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
      await informer.start();
      await objects.create(pool('after', '10.2.0.0/29'));
      await objects.delete(pool('before', '10.1.0.0/29'));
      await waitFor('informer events', () => (seen.includes('delete before') ? seen : undefined));
      await informer.stop();
      expect(seen).toEqual(['add before', 'add default-ipv4-ippool', 'add after', 'delete before']);
      expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(['after', 'default-ipv4-ippool']);
    } finally {
      await emu.stop();
    }
  });
});

describe('CLI', () => {
  it('starts from a JSON config, prints the cluster URLs, serves, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-cli-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ clusters: [{ name: 'spoke1' }, { name: 'spoke2', nodeCount: 2 }], auth: { tokens: { t1: 'alice' } } }));
    const cli = path.resolve(__dirname, '../../../local/emulators/kube/cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, config], { cwd: path.resolve(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString('utf8');
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
        child.on('exit', (code) => reject(new Error(`cli exited ${code}: ${err}`)));
      });
      const ready = JSON.parse(line) as { ready: boolean; clusters: Record<string, { url: string }> };
      expect(ready.ready).toBe(true);
      expect(Object.keys(ready.clusters)).toEqual(['spoke1', 'spoke2']);
      const core = kubeConfig(ready.clusters.spoke2!.url, 't1').makeApiClient(k8s.CoreV1Api);
      expect((await core.listNode()).items).toHaveLength(2);
      await expectStatus(kubeConfig(ready.clusters.spoke1!.url, 'nope').makeApiClient(k8s.CoreV1Api).listNode(), 401, 'Unauthorized');
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad config naming the field', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-cli-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ clusters: [{ name: 'x', nodes: [{ ip: 'not-an-ip' }] }] }));
    const cli = path.resolve(__dirname, '../../../local/emulators/kube/cli.ts');
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, config], { cwd: path.resolve(__dirname, '../../..') });
      let err = '';
      child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
      child.on('exit', (code) => resolve({ code, err }));
    });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.err).toContain('clusters.0.nodes.0.ip');
  });
});
