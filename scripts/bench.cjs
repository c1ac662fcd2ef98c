#!/usr/bin/env node
// `npm run bench -- <name> [args…]` runs bench/<name>.ts under Node 22 with tsx; no name lists them.
'use strict';
const { readdirSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const names = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const wanted = process.argv.slice(2);
if (wanted.length === 0) {
  console.log(`benchmarks: ${names.join(', ') || '(none yet)'}\nrun one: npm run bench -- <name>`);
  process.exit(0);
}
// Benchmarks that start the sandbox run the compiled host and app: build first.
const build = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const [name, ...rest] = wanted;
if (!names.includes(name)) {
  console.error(`no benchmark bench/${name}.ts (have: ${names.join(', ')})`);
  process.exit(2);
}
const r = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join('bench', `${name}.ts`), ...rest], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
