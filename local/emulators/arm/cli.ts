import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { loadCertificateAuthority } from '../shared/tls';
import { loadSeedFile, referenceSeed, startArmEmulator } from './index';

/**
 * `tsx local/emulators/arm/cli.ts [config.json]` (or `node dist/local/emulators/arm/cli.js`):
 * starts the ARM emulator and prints one JSON line when ready:
 *   {"ready":true,"url":"https://127.0.0.1:…","identityEndpoint":"http://127.0.0.1:…/msi/token","identityHeader":"…",
 *    "subscriptionId":"…","tenantId":"…","caCertPath":"/tmp/…/arm-ca.pem","tokenPublicKeyPath":"…"}
 * Stops on SIGINT/SIGTERM. The config (all fields optional) is described in README.md.
 */
const configSchema = z.object({
  /** "reference" (default), a path to a seed JSON file (relative to the config file), or the seed object itself. */
  seed: z.union([z.string(), z.record(z.string(), z.unknown())]).default('reference'),
  port: z.number().int().nonnegative().optional(),
  identityPort: z.number().int().nonnegative().optional(),
  identityHeader: z.string().min(8).optional(),
  timings: z.record(z.string(), z.unknown()).optional(),
  limits: z.record(z.string(), z.unknown()).optional(),
  acceptedAudiences: z.array(z.string()).optional(),
  clusters: z.record(z.string(), z.object({ url: z.url(), caCertPem: z.string().optional(), caCertFile: z.string().optional() })).optional(),
  /** Reuse a CA (e.g. the sandbox's) instead of a new one: both PEM files. */
  caCertFile: z.string().optional(),
  caKeyFile: z.string().optional(),
  /** Where to write the CA certificate (default: a new temp dir). */
  caOutFile: z.string().optional(),
  strictApiVersions: z.boolean().optional(),
}).strict();

async function main(): Promise<void> {
  const configPath = process.argv[2];
  const baseDir = configPath ? path.dirname(path.resolve(configPath)) : process.cwd();
  const parsed = configSchema.safeParse(configPath ? JSON.parse(readFileSync(configPath, 'utf8')) : {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ARM emulator config ${configPath ?? '(none)'}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const config = parsed.data;
  const seed = typeof config.seed !== 'string' ? config.seed
    : config.seed === 'reference' ? referenceSeed() : loadSeedFile(path.resolve(baseDir, config.seed));
  const ca = config.caCertFile && config.caKeyFile
    ? loadCertificateAuthority({ caCertPem: readFileSync(path.resolve(baseDir, config.caCertFile), 'utf8'), caKeyPem: readFileSync(path.resolve(baseDir, config.caKeyFile), 'utf8') })
    : undefined;
  const clusters = Object.fromEntries(Object.entries(config.clusters ?? {}).map(([key, c]) => {
    const caCertPem = c.caCertPem ?? (c.caCertFile ? readFileSync(path.resolve(baseDir, c.caCertFile), 'utf8') : ca?.caCertPem);
    if (caCertPem === undefined) throw new Error(`ARM emulator config: clusters.${key}: caCertPem or caCertFile is required (or give caCertFile/caKeyFile for a shared CA)`);
    return [key, { url: c.url, caCertPem }];
  }));
  const arm = await startArmEmulator({
    seed, clusters,
    ...(config.port !== undefined ? { port: config.port } : {}),
    ...(config.identityPort !== undefined ? { identityPort: config.identityPort } : {}),
    ...(config.identityHeader !== undefined ? { identityHeader: config.identityHeader } : {}),
    ...(config.timings !== undefined ? { timings: config.timings as never } : {}),
    ...(config.limits !== undefined ? { limits: config.limits as never } : {}),
    ...(config.acceptedAudiences !== undefined ? { acceptedAudiences: config.acceptedAudiences } : {}),
    ...(config.strictApiVersions !== undefined ? { strictApiVersions: config.strictApiVersions } : {}),
    ...(ca ? { ca } : {}),
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arm-emulator-'));
  const caCertPath = config.caOutFile ? path.resolve(baseDir, config.caOutFile) : path.join(dir, 'arm-ca.pem');
  writeFileSync(caCertPath, arm.caCertPem);
  const tokenPublicKeyPath = path.join(dir, 'token-public-key.pem');
  writeFileSync(tokenPublicKeyPath, arm.tokenPublicKeyPem);
  process.stdout.write(`${JSON.stringify({
    ready: true, url: arm.url, identityEndpoint: arm.identityEndpoint, identityHeader: arm.identityHeader,
    subscriptionId: arm.subscriptionId, tenantId: arm.tenantId, caCertPath, tokenPublicKeyPath,
  })}\n`);
  const stop = (): void => { void arm.stop().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
