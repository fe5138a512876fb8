#!/usr/bin/env node
'use strict';
// Entry point of Gradescope's run_autograder (see autograder.ts).
const { runMain } = require('../../engine/host/register.cjs');
const { main } = require('./autograder.ts');

runMain('gradecheck autograder', main(process.argv.slice(2)));
