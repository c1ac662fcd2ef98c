#!/usr/bin/env node
// The one test command (`npm test`, also run by .ci/run): lint, type-check, build, then jest.
// It ends with one plain line `N passed, N failed`, read from jest's --json output, which is
// what CI reads.
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync, rmSync, existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (label, cmd, args) => {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status === 0;
};

const steps = [
  ['lint (typescript-eslint)', bin('eslint'), ['.', '--max-warnings=0']],
  ['type-check (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json']],
  ['build (tsc -p tsconfig.build.json)', bin('tsc'), ['-p', 'tsconfig.build.json']],
];
for (const [label, cmd, args] of steps) {
  if (!run(label, cmd, args)) {
    console.log(`\n${label} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const results = path.join(root, '.jest-results.json');
rmSync(results, { force: true });
const extra = process.argv.slice(2);
const ok = run('jest', bin('jest'), ['--json', `--outputFile=${results}`, '--forceExit', ...extra]);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(results)) {
  const json = JSON.parse(readFileSync(results, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0);
  skipped = json.numPendingTests + (json.numTodoTests ?? 0);
} else {
  failed = 1;
}
if (!ok && failed === 0) failed = 1;
// Tests whose tool is missing are skipped, never counted as passed; said just above the closing line,
// which stays exactly `N passed, N failed` (what CI reads).
if (skipped > 0) console.log(`${skipped} skipped (a tool they need is missing: see "skipped" above)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
