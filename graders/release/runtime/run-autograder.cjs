#!/usr/bin/env node
'use strict';
// Entry point of Gradescope's run_autograder (see autograder.ts).
require('../../../scripts/register.cjs');
const { main } = require('./autograder.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`gradecheck autograder: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 3;
  },
);
