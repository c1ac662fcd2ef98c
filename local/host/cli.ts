/**
 * Local Azure Functions (Node v4) + Durable Task host.
 *   node dist/local/host/cli.js --app <appDir> [--port 0] [--settings <json>] [--host 127.0.0.1]
 * Prints one JSON line on stdout when ready: {"event":"ready","baseUrl":"http://127.0.0.1:PORT","port":PORT};
 * on a startup failure: {"event":"error","message":...} and exit code 2 (configuration), 3 (task hub in use), 1 (other).
 * SIGTERM/SIGINT stop it cleanly (appTerminate hooks run, the hub lease is released).
 */
import { ConfigError, loadConfig, type CliOptions } from './config';
import { LeaseError } from './durable/hostTable';
import { startHost } from './host';
import { errorText } from './log';

const usage = 'usage: cli --app <appDir> [--port <n>] [--settings <file.json>] [--host <bind address>]';

export function parseArgs(argv: string[]): CliOptions {
  const out: Partial<CliOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`${flag}: missing value\n${usage}`);
      i++;
      return value;
    };
    switch (flag) {
      case '--app': out.appDir = need(); break;
      case '--port': out.port = Number(need()); break;
      case '--settings': out.settingsFile = need(); break;
      case '--host': out.bindHost = need(); break;
      case '--help': case '-h': process.stdout.write(usage + '\n'); process.exit(0); break;
      default: throw new ConfigError(`unknown argument "${flag}"\n${usage}`);
    }
  }
  if (!out.appDir) throw new ConfigError(`--app is required\n${usage}`);
  return out as CliOptions;
}

function fail(code: number, message: string): never {
  process.stderr.write(`local host: ${message}\n`);
  process.stdout.write(JSON.stringify({ event: 'error', message }) + '\n');
  process.exit(code);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(parseArgs(process.argv.slice(2)));
  } catch (err) {
    if (err instanceof ConfigError) fail(2, err.message);
    throw err;
  }
  let host;
  try {
    host = await startHost(config, { onFatal: (m) => fail(1, m) });
  } catch (err) {
    if (err instanceof LeaseError) fail(3, err.message);
    if (err instanceof ConfigError) fail(2, err.message);
    fail(1, errorText(err));
  }
  if (config.generatedKeys) {
    process.stderr.write(`local host: no keys configured; generated function key "${config.functionKeys['default']}" and master key "${config.masterKey}" (set FUNCTIONS_KEY / FUNCTIONS_MASTER_KEY to fix them)\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`local host: ${signal}, stopping\n`);
    const force = setTimeout(() => process.exit(1), 15000);
    force.unref();
    host.stop().then(() => process.exit(0), (err: unknown) => { process.stderr.write(errorText(err) + '\n'); process.exit(1); });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdout.write(JSON.stringify({ event: 'ready', baseUrl: host.baseUrl, port: host.port }) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => fail(1, errorText(err)));
}
