#!/usr/bin/env node
// `npm start`: the sandbox. The compiled entry lives in dist/local/sandbox/main.js (built by prestart).
'use strict';
const path = require('node:path');
require(path.resolve(__dirname, '..', '..', 'dist', 'local', 'sandbox', 'main.js'));
