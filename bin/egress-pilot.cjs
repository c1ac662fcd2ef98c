#!/usr/bin/env node
// `egress-pilot` (package.json bin): loads the compiled CLI, dist/cli/main.js (`npm run build` makes it; the
// packed app ships it). A launcher rather than the compiled file itself, so the bin path exists before a build
// and a missing build says what to do.
'use strict';
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let cli;
try {
  cli = require(entry);
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(entry)) {
    process.stderr.write(`egress-pilot: ${entry} is missing: run \`npm run build\` first\n`);
    process.exit(2);
  }
  throw error;
}
cli.main().catch((error) => {
  process.stderr.write(`egress-pilot: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(3);
});
