#!/usr/bin/env node
'use strict';
// The `gradecheck` executable: loads the TypeScript sources through a transpile-only hook.
require('./register.cjs');
const { main, processIO } = require('./cli.ts');

main(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`gradecheck: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 3;
  },
);
