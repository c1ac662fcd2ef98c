/**
 * Host configuration: CLI flags, `<app>/host.json`, `<app>/local.settings.json` Values, a `--settings` file and the
 * environment. Every input is validated with zod; errors name the file, the field and the reason.
 * Precedence for app settings: --settings Values > process env > local.settings.json Values.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseLogLevel, type LogLevel } from './log';

export interface HostConfig {
  appDir: string;
  port: number;
  bindHost: string;
  /** App settings as the app process sees them (env after merging). */
  settings: Record<string, string>;
  storageConnection: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** Function timeout in ms; undefined = unbounded (-1 in host.json). */
  functionTimeoutMs: number | undefined;
  logLevels: Record<string, LogLevel>;
  /** Accepted function-level keys (name -> value). */
  functionKeys: Record<string, string>;
  masterKey: string;
  /** System key handed to the durable client (webhook `code`); the master key is accepted too. */
  durableSystemKey: string;
  /** host.json extensions.http.routePrefix (default "api"; "" = no prefix). */
  routePrefix: string;
  /** How long a task-hub lease lasts without renewal. */
  leaseMs: number;
  /** Whether keys were generated because none were configured (then they are logged). */
  generatedKeys: boolean;
}

const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

const hostJsonSchema = z.object({
  version: z.string().optional(),
  functionTimeout: z.string().optional(),
  logging: z.object({ logLevel: z.record(z.string(), z.string()).optional() }).loose().optional(),
  extensions: z.object({
    http: z.object({ routePrefix: z.string().optional() }).loose().optional(),
    durableTask: z.object({
      hubName: z.string().optional(),
      maxConcurrentActivityFunctions: z.number().int().positive().optional(),
      maxConcurrentOrchestratorFunctions: z.number().int().positive().optional(),
    }).loose().optional(),
  }).loose().optional(),
}).loose();

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: stringMap.optional(),
}).loose();

/** `--settings <file>`: app settings plus the host's keys (the real host keeps keys in storage/secrets). */
const settingsFileSchema = z.object({
  Values: stringMap.optional(),
  values: stringMap.optional(),
  host: z.object({
    masterKey: z.string().min(1).optional(),
    functionKeys: z.record(z.string(), z.string().min(1)).optional(),
    systemKeys: z.record(z.string(), z.string().min(1)).optional(),
  }).optional(),
}).loose();

export class ConfigError extends Error {}

function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError(`${what} ${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`${what} ${file}: ${issues}`);
  }
  return parsed.data;
}

/** "hh:mm:ss" / "d.hh:mm:ss" (TimeSpan) to ms; "-1" = unbounded. */
export function parseTimeSpan(value: string, field: string): number | undefined {
  if (value.trim() === '-1') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new ConfigError(`${field}: "${value}" is not a TimeSpan like "00:05:00" or -1`);
  const [, d, h, mi, s, frac] = m;
  const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + ms;
}

/** Resolves `%Name%` against app settings, as the real host does for binding/extension values. */
export function resolveSetting(value: string, settings: Record<string, string>, field: string): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = settings[name];
    if (v === undefined) throw new ConfigError(`${field}: app setting "${name}" referenced as %${name}% is not defined`);
    return v;
  });
}

const devStorage = [
  'DefaultEndpointsProtocol=http', 'AccountName=devstoreaccount1',
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1', 'QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1',
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1',
].join(';');

export interface CliOptions { appDir: string; port?: number; settingsFile?: string; bindHost?: string }

export function loadConfig(cli: CliOptions, env: NodeJS.ProcessEnv = process.env): HostConfig {
  const appDir = path.resolve(cli.appDir);
  if (!existsSync(path.join(appDir, 'package.json'))) throw new ConfigError(`--app ${appDir}: no package.json there`);
  const hostJson = readJson(path.join(appDir, 'host.json'), hostJsonSchema, 'host.json') ?? {};
  const local = readJson(path.join(appDir, 'local.settings.json'), localSettingsSchema, 'local.settings.json');
  const file = cli.settingsFile ? readJson(path.resolve(cli.settingsFile), settingsFileSchema, '--settings') : undefined;
  if (cli.settingsFile && !file) throw new ConfigError(`--settings ${cli.settingsFile}: file not found`);

  const settings: Record<string, string> = { ...(local?.Values ?? {}) };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) settings[k] = v;
  Object.assign(settings, file?.Values ?? {}, file?.values ?? {});

  // AzureFunctionsJobHost__a__b overrides host.json a.b, as in the real host.
  const hostOverrides: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    const m = /^AzureFunctionsJobHost__(.+)$/i.exec(k);
    if (m?.[1]) hostOverrides[m[1].split('__').join('.').toLowerCase()] = v;
  }
  const override = (key: string): string | undefined => hostOverrides[key.toLowerCase()];

  const storageRaw = settings['AzureWebJobsStorage'];
  if (!storageRaw) throw new ConfigError('AzureWebJobsStorage: not set (env, local.settings.json Values or --settings Values); the task hub needs Table storage');
  const storageConnection = /UseDevelopmentStorage=true/i.test(storageRaw) ? devStorage : storageRaw;

  const dt = hostJson.extensions?.durableTask ?? {};
  const hubName = resolveSetting(override('extensions.durableTask.hubName') ?? dt.hubName ?? 'TestHubName', settings, 'host.json extensions.durableTask.hubName');
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(hubName)) {
    throw new ConfigError(`host.json extensions.durableTask.hubName: "${hubName}" must be 3-45 letters/digits starting with a letter`);
  }
  const intOverride = (key: string, fallback: number): number => {
    const v = override(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`AzureFunctionsJobHost__${key.replace(/\./g, '__')}: "${v}" is not a positive integer`);
    return n;
  };
  const timeoutText = override('functionTimeout') ?? hostJson.functionTimeout ?? '00:30:00';

  const logLevels: Record<string, LogLevel> = {};
  for (const [k, v] of Object.entries(hostJson.logging?.logLevel ?? {})) {
    const level = parseLogLevel(v);
    if (!level) throw new ConfigError(`host.json logging.logLevel.${k}: "${v}" is not one of Trace, Debug, Information, Warning, Error, Critical, None`);
    logLevels[k] = level;
  }
  for (const [k, v] of Object.entries(hostOverrides)) {
    if (!k.startsWith('logging.loglevel.')) continue;
    const level = parseLogLevel(v);
    if (level) logLevels[k.slice('logging.loglevel.'.length)] = level;
  }

  const functionKeys: Record<string, string> = { ...(file?.host?.functionKeys ?? {}) };
  if (settings['FUNCTIONS_KEY']) functionKeys['default'] ??= settings['FUNCTIONS_KEY'];
  const configuredMaster = file?.host?.masterKey ?? settings['FUNCTIONS_MASTER_KEY'];
  const generatedKeys = Object.keys(functionKeys).length === 0 || !configuredMaster;
  if (Object.keys(functionKeys).length === 0) functionKeys['default'] = randomBytes(24).toString('base64url');
  const masterKey = configuredMaster ?? randomBytes(24).toString('base64url');
  const durableSystemKey = file?.host?.systemKeys?.['durabletask_extension'] ?? settings['DURABLETASK_EXTENSION_KEY'] ?? masterKey;

  const leaseSetting = settings['DURABLE_HOST_LEASE_SECONDS'];
  const leaseMs = leaseSetting ? Number(leaseSetting) * 1000 : 15000;
  if (!Number.isFinite(leaseMs) || leaseMs < 2000) throw new ConfigError(`DURABLE_HOST_LEASE_SECONDS: "${leaseSetting}" must be a number >= 2`);

  const port = cli.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: "${cli.port}" is not a TCP port`);

  return {
    appDir,
    port,
    bindHost: cli.bindHost ?? '127.0.0.1',
    settings,
    storageConnection,
    hubName,
    maxConcurrentActivityFunctions: intOverride('extensions.durableTask.maxConcurrentActivityFunctions', dt.maxConcurrentActivityFunctions ?? 10),
    maxConcurrentOrchestratorFunctions: intOverride('extensions.durableTask.maxConcurrentOrchestratorFunctions', dt.maxConcurrentOrchestratorFunctions ?? 10),
    functionTimeoutMs: parseTimeSpan(timeoutText, 'host.json functionTimeout'),
    logLevels,
    functionKeys,
    masterKey,
    durableSystemKey,
    routePrefix: (override('extensions.http.routePrefix') ?? hostJson.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    leaseMs,
    generatedKeys,
  };
}
