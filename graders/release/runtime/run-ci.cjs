#!/usr/bin/env node
'use strict';
// Entry point of the CI grading step (see ci.ts): loads the TypeScript through the transpile hook.
const { runMain } = require('../../engine/host/register.cjs');
const { main } = require('./ci.ts');

runMain('gradecheck ci', main(process.argv.slice(2)));
