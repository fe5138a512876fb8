#!/usr/bin/env node
'use strict';
/*
 * `npm run feedback [-- lab ...] [-t name] [--out DIR]`: grades the labs (default: all) as
 * `npm test` does, and writes the feedback as Markdown: DIR/feedback.md (default feedback/),
 * with the figures it links to (the attention lab's heat maps, for example). Other options
 * (-t) go to Jest. The exit code is npm test's.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..', '..');
const all = fs
  .readdirSync(path.join(root, 'rubrics'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

const labs = [];
const jestArgs = [];
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
    jestArgs.push(a);
    if ((a === '-t' || a === '--testNamePattern') && args[i + 1] !== undefined) jestArgs.push(args[++i]);
  } else labs.push(a);
}
const unknown = labs.filter((l) => !all.includes(l));
if (unknown.length) {
  process.stderr.write(`feedback: no lab ${unknown.join(', ')} (labs: ${all.join(', ')})\n`);
  process.exit(2);
}

const jest = require.resolve('jest/bin/jest', { paths: [root] });
const patterns = labs.map((l) => `graders/${l}\\.test\\.ts$`);
const r = spawnSync(process.execPath, [jest, '-c', path.join(root, 'jest.config.js'), ...patterns, ...jestArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GRADECHECK_FEEDBACK: out },
});
process.exit(r.status === null ? 1 : r.status);
