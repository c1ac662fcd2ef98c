#!/usr/bin/env node
// `npm run deploy -- [--outputs <file>] [--package <zip>] [--dry-run]`: puts the `npm run package` zip on the
// Function App that infra/ created and prints the API URL.
//   outputs: `terraform -chdir=infra output -json` (or that JSON saved in a file: --outputs)
//   Flex Consumption: one deploy, POST <scm>/api/publish (the app copies the zip into its deployment
//     container), then polls the deployment until it succeeds or fails.
//   Elastic Premium: the app runs from the package blob <package_container_url>/egress-pilot.zip
//     (WEBSITE_RUN_FROM_PACKAGE, set by infra/), so: PUT that blob, restart the app, sync its triggers.
// Every call uses Microsoft Entra tokens from DefaultAzureCredential (`az login`, a workload identity, …):
// no publishing credentials, no storage keys (both are disabled by infra/). --dry-run prints exactly the
// requests it would send and touches nothing.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ZIP_NAME } = require('./package.cjs');

const root = path.resolve(__dirname, '..');
const ARM = 'https://management.azure.com';
const WEB_API_VERSION = '2024-04-01';
const STORAGE_API_VERSION = '2023-11-03';
const REQUIRED_OUTPUTS = ['function_app_id', 'function_app_name', 'function_app_hostname', 'function_hosting', 'package_container_url', 'api_base_url'];

function parseArgs(argv) {
  const args = { outputs: undefined, package: path.join(root, 'dist', 'package', ZIP_NAME), dryRun: false, chdir: path.join(root, 'infra') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--outputs') args.outputs = path.resolve(argv[++i] ?? '');
    else if (a === '--package') args.package = path.resolve(argv[++i] ?? '');
    else if (a === '--infra') args.chdir = path.resolve(argv[++i] ?? '');
    else if (a === '--dry-run') args.dryRun = true;
    else throw new Error(`unknown argument ${a} (usage: npm run deploy -- [--outputs <terraform output -json file>] [--package <zip>] [--infra <dir>] [--dry-run])`);
  }
  return args;
}

/** `terraform output -json` → { name: value }; fails naming every output deploy needs that is missing. */
function readOutputs(json) {
  const values = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, v && typeof v === 'object' && 'value' in v ? v.value : v]));
  const missing = REQUIRED_OUTPUTS.filter((k) => typeof values[k] !== 'string' || values[k] === '');
  if (missing.length > 0) throw new Error(`terraform outputs lack ${missing.join(', ')} (apply infra/ first, or pass --outputs with them)`);
  if (!['FlexConsumption', 'ElasticPremium'].includes(values.function_hosting)) throw new Error(`function_hosting "${values.function_hosting}" is neither FlexConsumption nor ElasticPremium`);
  if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/[^/]+$/i.test(values.function_app_id)) throw new Error(`function_app_id "${values.function_app_id}" is not a Microsoft.Web/sites resource ID`);
  return values;
}

/** The SCM (Kudu) host of an app: ".scm" after the first label (app.azurewebsites.net, app-hash.region-01.azurewebsites.net). */
function scmHost(hostname) {
  const dot = hostname.indexOf('.');
  if (dot <= 0) throw new Error(`function_app_hostname "${hostname}" has no domain`);
  return `${hostname.slice(0, dot)}.scm${hostname.slice(dot)}`;
}

/**
 * What a deployment does, as data: the same list is printed by --dry-run and executed by a real run.
 * Each step: { method, url, scope (token audience), body ('package' | undefined), headers, why }.
 */
function planDeployment(outputs, pkg) {
  const app = outputs.function_app_id;
  const armUrl = (action) => `${ARM}${app}/${action}?api-version=${WEB_API_VERSION}`;
  const target = { app: outputs.function_app_name, hosting: outputs.function_hosting, resourceId: app, apiBaseUrl: outputs.api_base_url };
  if (outputs.function_hosting === 'FlexConsumption') {
    return {
      target,
      steps: [
        { method: 'POST', url: `https://${scmHost(outputs.function_app_hostname)}/api/publish?RemoteBuild=false`, scope: `${ARM}/.default`, body: 'package', headers: { 'content-type': 'application/zip' }, why: 'one deploy: the app stores the zip in its deployment container and restarts on it' },
        { method: 'GET', url: `https://${scmHost(outputs.function_app_hostname)}/api/deployments/latest`, scope: `${ARM}/.default`, poll: true, why: 'poll until status 4 (success) or 3 (failed), every 5 s, at most 10 min' },
      ],
      pkg,
    };
  }
  const blob = `${outputs.package_container_url.replace(/\/$/, '')}/${ZIP_NAME}`;
  return {
    target,
    steps: [
      { method: 'PUT', url: blob, scope: 'https://storage.azure.com/.default', body: 'package', headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': STORAGE_API_VERSION, 'content-type': 'application/zip' }, why: 'replace the blob WEBSITE_RUN_FROM_PACKAGE points at' },
      { method: 'POST', url: armUrl('restart'), scope: `${ARM}/.default`, why: 'the app reads its package blob when it starts' },
      { method: 'POST', url: armUrl('syncfunctiontriggers'), scope: `${ARM}/.default`, why: 'the scale controller learns the (new) triggers' },
    ],
    pkg,
  };
}

function describePlan(plan, dryRun) {
  const lines = [
    `${dryRun ? 'dry run: would deploy' : 'deploying'} ${plan.pkg.path} (${plan.pkg.bytes} bytes) to ${plan.target.app} (${plan.target.hosting})`,
    `  target ${plan.target.resourceId}`,
  ];
  plan.steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.method} ${s.url}${s.body === 'package' ? ` [body: the package, ${plan.pkg.bytes} bytes]` : ''}`);
    lines.push(`     token for ${s.scope}; ${s.why}`);
  });
  lines.push(`API: ${plan.target.apiBaseUrl}  (function key: Azure portal → App keys, or POST ${ARM}${plan.target.resourceId}/host/default/listKeys?api-version=${WEB_API_VERSION})`);
  return lines.join('\n');
}

function terraformOutputs(chdir) {
  const r = spawnSync('terraform', [`-chdir=${chdir}`, 'output', '-json'], { encoding: 'utf8' });
  if (r.error) throw new Error(`terraform: ${r.error.message} (or pass --outputs <file> with \`terraform output -json\`)`);
  if (r.status !== 0) throw new Error(`terraform output failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function readPackage(file) {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run \`npm run package\` first`);
  const fd = fs.openSync(file, 'r');
  const magic = Buffer.alloc(4);
  fs.readSync(fd, magic, 0, 4, 0);
  fs.closeSync(fd);
  if (magic.toString('binary') !== 'PK\u0003\u0004') throw new Error(`${file} is not a zip file`);
  return { path: file, bytes: fs.statSync(file).size };
}

async function send(credential, step, pkg) {
  const token = await credential.getToken(step.scope);
  const body = step.body === 'package' ? fs.readFileSync(pkg.path) : undefined;
  const response = await fetch(step.url, { method: step.method, headers: { authorization: `Bearer ${token.token}`, ...(step.headers ?? {}), ...(body ? {} : { 'content-length': '0' }) }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${step.method} ${step.url} → ${response.status}: ${text.slice(0, 2000)}`);
  return { status: response.status, text };
}

async function pollDeployment(credential, step) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const { text } = await send(credential, step);
    const status = JSON.parse(text || '{}').status;
    if (status === 4) return;
    if (status === 3) throw new Error(`deployment failed: ${text.slice(0, 2000)}`);
    if (Date.now() > deadline) throw new Error(`deployment not finished after 10 min (last status ${status})`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const json = args.outputs ? JSON.parse(fs.readFileSync(args.outputs, 'utf8')) : terraformOutputs(args.chdir);
  const plan = planDeployment(readOutputs(json), readPackage(args.package));
  console.log(describePlan(plan, args.dryRun));
  if (args.dryRun) return;
  const { DefaultAzureCredential } = require('@azure/identity');
  const credential = new DefaultAzureCredential();
  for (const step of plan.steps) {
    if (step.poll) await pollDeployment(credential, step);
    else await send(credential, step, plan.pkg);
    console.log(`  done: ${step.method} ${step.url}`);
  }
  console.log(`deployed. API: ${plan.target.apiBaseUrl}`);
}

main().catch((error) => {
  console.error(`npm run deploy: ${error.message}`);
  process.exit(1);
});
