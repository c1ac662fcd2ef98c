/**
 * `node dist/local/emulators/kube/cli.js <config.json>`: starts the emulator and prints one JSON line
 * `{"ready":true,"clusters":{"<name>":{"url":"http://127.0.0.1:<port>"}}}` when it listens. SIGINT/SIGTERM stop it.
 * Config: KubeEmulatorOptions as JSON, except `tls` takes file paths and `auth.tokens` maps static tokens to users.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { startKubeEmulator, type KubeEmulatorOptions } from './index';

const nodeSchema = z.object({
  name: z.string().min(1).optional(),
  ip: z.ipv4(),
  zone: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  routeReflector: z.boolean().optional(),
}).strict();

const configSchema = z.object({
  clusters: z.array(z.object({
    name: z.string().min(1),
    nodes: z.array(nodeSchema).optional(),
    nodeCount: z.number().int().min(0).max(1000).optional(),
    zones: z.array(z.string().min(1)).min(1).optional(),
    defaultPool: z.union([z.literal(false), z.object({ name: z.string().optional(), cidr: z.string().optional(), blockSize: z.number().int().optional() }).strict()]).optional(),
    strictAffinity: z.boolean().optional(),
    calicoEdition: z.enum(['enterprise', 'open-source']).optional(),
  }).strict()).min(1),
  ports: z.record(z.string(), z.number().int().min(0).max(65535)).optional(),
  tls: z.object({ certFile: z.string(), keyFile: z.string() }).strict().optional(),
  auth: z.object({ tokens: z.record(z.string(), z.string()) }).strict().optional(),
  controlToken: z.string().min(1).optional(),
  timings: z.object({ gatewayPodReadyMs: z.number().int().min(0).optional(), podReadyMs: z.number().int().min(0).optional(), jobCompleteMs: z.number().int().min(0).optional() }).strict().optional(),
  crdDir: z.string().optional(),
  defaultFieldValidation: z.enum(['Strict', 'Warn', 'Ignore']).optional(),
}).strict();

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: cli.js <config.json>');
  const parsed = configSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const cfg = parsed.data;
  const base = path.dirname(path.resolve(file));
  const tokens = cfg.auth?.tokens;
  const options: KubeEmulatorOptions = {
    clusters: cfg.clusters.map((c) => ({
      name: c.name,
      ...(c.nodes ? { nodes: c.nodes } : {}),
      ...(c.nodeCount !== undefined ? { nodeCount: c.nodeCount } : {}),
      ...(c.zones ? { zones: c.zones } : {}),
      ...(c.defaultPool !== undefined ? { defaultPool: c.defaultPool } : {}),
      ...(c.strictAffinity !== undefined ? { strictAffinity: c.strictAffinity } : {}),
      ...(c.calicoEdition ? { calicoEdition: c.calicoEdition } : {}),
    })),
    ...(cfg.ports ? { ports: cfg.ports } : {}),
    ...(cfg.tls ? { tls: { certPem: readFileSync(path.resolve(base, cfg.tls.certFile), 'utf8'), keyPem: readFileSync(path.resolve(base, cfg.tls.keyFile), 'utf8') } } : {}),
    ...(tokens ? {
      authenticate: async (token: string) => {
        const user = tokens[token];
        return user ? { ok: true as const, user } : { ok: false as const, reason: 'unknown token' };
      },
    } : {}),
    ...(cfg.controlToken ? { controlToken: cfg.controlToken } : {}),
    ...(cfg.timings ? { timings: cfg.timings } : {}),
    ...(cfg.crdDir ? { crdDir: path.resolve(base, cfg.crdDir) } : {}),
    ...(cfg.defaultFieldValidation ? { defaultFieldValidation: cfg.defaultFieldValidation } : {}),
  };
  const emulator = await startKubeEmulator(options);
  const clusters = Object.fromEntries([...emulator.clusters].map(([name, c]) => [name, { url: c.url }]));
  process.stdout.write(`${JSON.stringify({ ready: true, clusters })}\n`);
  const stop = (): void => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`kube emulator: ${(e as Error).message}\n`);
  process.exit(1);
});
