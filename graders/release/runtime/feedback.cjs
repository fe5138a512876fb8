#!/usr/bin/env node
'use strict';
/*
 * `npm run feedback [-- lab ...] [-t name] [--out DIR]`: grades the labs (default: all) as
 * `npm test` does, and writes the feedback as Markdown: DIR/feedback.md (default feedback/),
 * with the figures it links to (the attention lab's heat maps, for example). Other options
 * (-t) go to Jest. The exit code is npm test's.
 */
const path = require('path');
const { spawnSync } = require('child_process');
const { root, labsAsked, jestArgs } = require('./release-labs.cjs');

const asked = [];
const passed = [];
let out = path.join(root, 'feedback');
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--out') {
    if (!args[i + 1]) {
      process.stderr.write('feedback: --out needs a folder\n');
      process.exit(2);
    }
    out = path.resolve(args[++i]);
  } else if (a.startsWith('-')) {
    passed.push(a);
    if ((a === '-t' || a === '--testNamePattern') && args[i + 1] !== undefined) passed.push(args[++i]);
  } else asked.push(a);
}

const r = spawnSync(process.execPath, jestArgs(labsAsked('feedback', asked), passed), {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GRADECHECK_FEEDBACK: out },
});
process.exit(r.status === null ? 1 : r.status);
