#!/usr/bin/env node
// `npm run package [-- --out <dir>]`: the deployable zip of the function app, and nothing else.
//   <out>/app/                 staging folder: dist/ (functions, orchestrations, lib, cli; tsconfig.package.json,
//                              so local/ is never compiled into it), bin/ (the CLI launcher), host.json, package.json,
//                              production node_modules
//   <out>/egress-pilot.zip     that folder zipped (default <out> = dist/package)
// Production dependencies come from the lockfile with `npm ci --omit=dev`, served from the npm cache when it
// has them (--prefer-offline; the registry is asked only for what the cache lacks).
// Zipped with the system `zip` (Info-ZIP 3.0, on every machine image here and on Linux/macOS runners): it is
// fast on node_modules' thousands of files and adds no dependency; the file list is sorted and every mtime set
// to one fixed date, so the same sources and lock give the same bytes (same sha256).
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** The zip's file name, also the run-from-package blob name scripts/deploy.cjs uploads it as. */
const ZIP_NAME = 'egress-pilot.zip';
const DEV_ONLY_FILE = /\.(d\.[cm]?ts|[cm]?ts|map)$/;
/** 2000-01-01T00:00:00Z: any fixed date in the DOS range makes the zip reproducible. */
const FIXED_MTIME = new Date(Date.UTC(2000, 0, 1));

function parseArgs(argv) {
  const out = { out: path.join(root, 'dist', 'package'), quiet: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out.out = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '--quiet') out.quiet = true;
    else throw new Error(`unknown argument ${argv[i]} (usage: npm run package -- [--out <dir>] [--quiet])`);
  }
  return out;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1048576, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function* walk(dir, rel = '') {
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) yield* walk(dir, child);
    else if (entry.isFile() || entry.isSymbolicLink()) yield child;
  }
}

/** The package.json the app ships: what the Functions host reads (main, engines) and the dependency set. */
function shippedManifest(manifest) {
  const { name, version, description, main, bin, engines, dependencies } = manifest;
  return { name, version, description, private: true, main, bin, engines, dependencies };
}

function buildPackage(options) {
  const app = path.join(options.out, 'app');
  const zip = path.join(options.out, ZIP_NAME);
  fs.rmSync(app, { recursive: true, force: true });
  fs.rmSync(zip, { force: true });
  fs.mkdirSync(app, { recursive: true });

  run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.package.json', '--outDir', path.join(app, 'dist')]);
  fs.copyFileSync(path.join(root, 'host.json'), path.join(app, 'host.json'));
  // The web console's page, stylesheet and script: functions/console.ts serves them from <package>/console.
  fs.cpSync(path.join(root, 'console'), path.join(app, 'console'), { recursive: true, filter: (src) => !src.endsWith('.md') });
  // The CLI's launcher (package.json bin), so `npx egress-pilot` works from the unpacked app too.
  fs.mkdirSync(path.join(app, 'bin'));
  fs.copyFileSync(path.join(root, 'bin', 'egress-pilot.cjs'), path.join(app, 'bin', 'egress-pilot.cjs'));
  fs.chmodSync(path.join(app, 'bin', 'egress-pilot.cjs'), 0o755);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // npm ci wants the manifest the lock was made from; the slim one replaces it after the install.
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.copyFileSync(path.join(root, 'package-lock.json'), path.join(app, 'package-lock.json'));
  // No production dependency has an install script (scripts/package.cjs checks the lock below), so none runs.
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
  fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(shippedManifest(manifest), null, 2)}\n`);
  // node_modules/.package-lock.json (what npm installed) stays; the full lock also names dev dependencies.
  fs.rmSync(path.join(app, 'package-lock.json'));

  // Type declarations, TypeScript sources and source maps in node_modules are never loaded at run time
  // (Node does not strip types under node_modules, and reads maps only with --enable-source-maps): about
  // 14,000 of 23,000 files. Removed from the staging folder too, so it stays what the zip holds.
  for (const f of walk(app, 'node_modules')) if (DEV_ONLY_FILE.test(f)) fs.rmSync(path.join(app, f));
  const files = [...walk(app)].sort();
  for (const f of files) fs.lutimesSync(path.join(app, f), FIXED_MTIME, FIXED_MTIME);
  // -X: no uid/gid or extra timestamps; -D: no directory entries; -@: names from stdin (sorted above).
  run('zip', ['-q', '-X', '-D', '-@', zip], { cwd: app, input: files.join('\n') });
  const bytes = fs.statSync(zip).size;
  const sha256 = createHash('sha256').update(fs.readFileSync(zip)).digest('hex');
  return { zip, app, bytes, sha256, files };
}

/** Counts per top-level folder (node_modules by package) for the summary. */
function summarize(files) {
  const counts = new Map();
  for (const f of files) {
    const parts = f.split('/');
    const key = parts[0] === 'node_modules' ? 'node_modules' : parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `  ${k.padEnd(24)} ${n} files`).join('\n');
}

function lockInstallScripts() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.dev && v.hasInstallScript).map(([k]) => k);
}

if (require.main === module) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const scripted = lockInstallScripts();
    if (scripted.length > 0) throw new Error(`production dependencies with install scripts would not be built by --ignore-scripts: ${scripted.join(', ')}`);
    const result = buildPackage(options);
    if (options.quiet) console.log(JSON.stringify({ zip: result.zip, bytes: result.bytes, sha256: result.sha256, files: result.files.length }));
    else {
      const packages = new Set(result.files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1].startsWith('@') ? 3 : 2).join('/')));
      console.log(`${path.relative(process.cwd(), result.zip) || result.zip}: ${result.bytes} bytes (${(result.bytes / 1048576).toFixed(1)} MiB), ${result.files.length} files, sha256 ${result.sha256}`);
      console.log(summarize(result.files));
      console.log(`  production packages: ${packages.size}`);
    }
  } catch (error) {
    console.error(`npm run package: ${error.message}`);
    process.exit(1);
  }
}

module.exports = { ZIP_NAME };
