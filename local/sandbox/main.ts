import path from 'node:path';
import { startSandbox, TUNABLE_OPTIONS, type TunableOptions } from './sandbox';

function optionsFromEnv(): TunableOptions {
  const raw = process.env.EGRESS_SANDBOX_OPTIONS;
  if (raw === undefined || raw.trim() === '') return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('EGRESS_SANDBOX_OPTIONS must be a JSON object');
  const allowed = new Set<string>(TUNABLE_OPTIONS);
  const unknown = Object.keys(parsed).filter((k) => !allowed.has(k));
  if (unknown.length > 0) throw new Error(`EGRESS_SANDBOX_OPTIONS: unknown field(s) ${unknown.join(', ')} (allowed: ${[...allowed].join(', ')})`);
  return parsed as TunableOptions;
}

/**
 * `npm start`: the sandbox. Flags: --dir <folder> (default .sandbox, or EGRESS_SANDBOX_DIR), --reset
 * (forget everything: storage, the emulated cloud, keys, CA and ports), --verbose (echo the Functions
 * host's log). EGRESS_SANDBOX_OPTIONS may hold JSON `{ armTimings, kubeTimings, appSettings, reusePorts,
 * stateDebounceMs }` (tests).
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): boolean => args.includes(name);
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (flag('--help')) {
    console.log('usage: npm start -- [--dir <folder>] [--reset] [--verbose]');
    return;
  }
  const dir = path.resolve(value('--dir') ?? process.env.EGRESS_SANDBOX_DIR ?? '.sandbox');
  console.log(`egress-pilot sandbox: starting in ${dir} …`);
  const sandbox = await startSandbox({ ...optionsFromEnv(), dir, reset: flag('--reset'), echoHostLogs: flag('--verbose') });
  const { info } = sandbox;
  for (const problem of sandbox.restoreProblems) console.log(problem);
  const body = JSON.stringify({
    name: 'tenant0', cluster: 'spoke1-aks', namespaces: ['default'], gateway: { replicas: 2, prefixLength: 29 },
    allow: {
      applications: [{ name: 'tigera', fqdns: ['www.tigera.io'], protocols: ['Http:80', 'Https:443'] }],
      networks: [{ name: 'dns', destinations: ['1.1.1.1/32'], ports: ['53'], protocols: ['UDP'] }],
    },
  });
  console.log(`
egress-pilot sandbox is up.

  API base URL   ${info.apiBaseUrl}
  function key   ${info.functionKey}
  OpenAPI        ${info.apiBaseUrl}/openapi.json?code=${info.functionKey}
  console        ${info.apiBaseUrl}/console/   (paste the function key when it asks)
  CLI            npx egress-pilot list   (finds sandbox.json by itself)
  ARM endpoint   ${info.armEndpoint}   (CA: ${info.caCertPath})
${info.clusters.map((c) => `  cluster        ${c.name}   kubectl --kubeconfig ${c.kubeconfigPath} get ippools`).join('\n')}
  sandbox.json   ${path.join(dir, 'sandbox.json')}

Onboard tenant0:
  curl -s -X POST '${info.apiBaseUrl}/tenants' -H 'x-functions-key: ${info.functionKey}' -H 'content-type: application/json' -d '${body}'
Watch it:
  curl -s '${info.apiBaseUrl}/tenants/spoke1-aks/tenant0' -H 'x-functions-key: ${info.functionKey}'

Ctrl-C stops everything.`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\negress-pilot sandbox: stopping …');
    void sandbox.stop().then(() => {
      console.log('stopped.');
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`egress-pilot sandbox failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
