#!/usr/bin/env node
// Runs before `npm start` / `npm test` with whatever Node is on the machine (Node 20 is fine here):
// installs the locked dependencies when they are missing or older than the lock, so a fresh
// clone needs no manual step. The pinned `node@22` devDependency then puts Node 22 first on
// PATH for every npm script.
'use strict';
const { existsSync, statSync } = require('node:fs');
const { execSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const nodeBin = path.join(root, 'node_modules', '.bin', 'node');

const stale = !existsSync(installed) || !existsSync(nodeBin) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('egress-pilot: installing locked dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
