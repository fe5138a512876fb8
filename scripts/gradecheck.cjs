#!/usr/bin/env node
'use strict';
// The `gradecheck` executable: loads the TypeScript sources through a transpile-only hook.
const { runMain } = require('../graders/engine/host/register.cjs');
const { main, processIO } = require('./cli.ts');

runMain('gradecheck', main(process.argv.slice(2), processIO()));
