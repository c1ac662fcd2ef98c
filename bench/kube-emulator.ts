/**
 * Kubernetes API emulator throughput through @kubernetes/client-node (one process, HTTP on 127.0.0.1):
 * requests/s for get and for server-side apply (writes and no-op re-applies), and how list time grows
 * from 1,000 to 10,000 objects (ratio; 10 = linear); ends with one line of JSON. Run: npm run bench -- kube-emulator
 */
import * as k8s from '@kubernetes/client-node';
import { quantile } from '../local/emulators/arm/timing';
import { startKubeEmulator } from '../local/emulators/kube';

type Obj = k8s.KubernetesObject & { data?: Record<string, string>; spec?: Record<string, unknown> };

async function timed(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const emu = await startKubeEmulator({ clusters: [{ name: 'bench' }], timings: { gatewayPodReadyMs: 0 } });
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'b', server: emu.clusters.get('bench')!.url, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'b', cluster: 'b', user: 'u' }], currentContext: 'b' });
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const pool = (i: number, extra: Record<string, unknown> = {}): Obj => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: `bench-${i}` }, spec: { cidr: `10.${100 + Math.floor(i / 256)}.${i % 256}.0/29`, blockSize: 31, nodeSelector: '!all()', ...extra } });
    const apply = (o: Obj): Promise<Obj> => api.patch<Obj>(o, undefined, undefined, 'bench', true, k8s.PatchStrategy.ServerSideApply);
    const C = 8;

    await apply(pool(0));
    const header = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'bench-0' } };
    await api.read(header); // warm the discovery cache
    const gets = 3000;
    const getMs = await timed(gets, C, () => api.read(header));

    const applies = 1000;
    const applyMs = await timed(applies, C, (i) => apply(pool(i % 200, { disableBGPExport: i % 400 >= 200 })));
    const noopMs = await timed(applies, C, (i) => apply(pool(i % 200, { disableBGPExport: true })));

    const cm = (i: number): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'default', labels: { bench: 'list' } }, data: { i: String(i) } });
    // Seeding is not measured: plain fetch is faster than the typed client.
    const base = emu.clusters.get('bench')!.url;
    const fill = async (from: number, to: number): Promise<void> => {
      await timed(to - from, 16, async (i) => {
        const res = await fetch(`${base}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cm(from + i)) });
        if (res.status !== 201) throw new Error(`seed: ${res.status} ${await res.text()}`);
      });
    };
    /** Median of 7 timed lists after one warm-up (the machine may be busy; the median resists that). */
    const listMs = async (): Promise<number> => {
      const times: number[] = [];
      for (let r = 0; r < 8; r++) {
        const t0 = performance.now();
        const list = await api.list('v1', 'ConfigMap', 'default', undefined, undefined, undefined, undefined, 'bench=list');
        if (list.items.length === 0) throw new Error('empty list');
        if (r > 0) times.push(performance.now() - t0);
      }
      return quantile(times, 0.5);
    };
    await fill(0, 1000);
    const list1k = await listMs();
    await fill(1000, 10000);
    const list10k = await listMs();

    const rps = (n: number, ms: number): string => (n / (ms / 1000)).toFixed(0);
    console.log(`get:                      ${rps(gets, getMs)} requests/s (${gets} reads, concurrency ${C})`);
    console.log(`server-side apply (write): ${rps(applies, applyMs)} requests/s (${applies} applies that change the object)`);
    console.log(`server-side apply (no-op): ${rps(applies, noopMs)} requests/s (${applies} identical re-applies)`);
    console.log(`list 1,000 ConfigMaps:    ${list1k.toFixed(1)} ms`);
    console.log(`list 10,000 ConfigMaps:   ${list10k.toFixed(1)} ms`);
    console.log(`list time ratio 10k/1k:   ${(list10k / list1k).toFixed(2)} (10 = linear)`);
    console.log(JSON.stringify({
      bench: 'kube-emulator', getPerSecond: Number(rps(gets, getMs)), applyPerSecond: Number(rps(applies, applyMs)), noopApplyPerSecond: Number(rps(applies, noopMs)),
      listMs1k: Number(list1k.toFixed(1)), listMs10k: Number(list10k.toFixed(1)), listRatio: Number((list10k / list1k).toFixed(2)),
    }));
  } finally {
    await emu.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
