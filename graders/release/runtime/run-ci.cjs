#!/usr/bin/env node
'use strict';
// Entry point of the CI grading step (see ci.ts): loads the TypeScript through the transpile hook.
require('../../../scripts/register.cjs');
const { main } = require('./ci.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`gradecheck ci: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 3;
  },
);
