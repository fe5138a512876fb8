'use strict';
/*
 * What the release's small programs (watch, feedback) share: where the release is, its labs
 * (one rubric each), and how to run its Jest on some of them.
 */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');

/** Every lab of the release, sorted. */
const allLabs = fs
  .readdirSync(path.join(root, 'rubrics'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

/** The labs asked for (all when none), or exit 2 naming an unknown one. */
function labsAsked(command, asked) {
  const unknown = asked.filter((l) => !allLabs.includes(l));
  if (unknown.length) {
    process.stderr.write(`${command}: no lab ${unknown.join(', ')} (labs: ${allLabs.join(', ')})\n`);
    process.exit(2);
  }
  return asked.length ? asked : allLabs;
}

/** Node arguments that run the release's Jest on these labs' grader files. */
function jestArgs(labs, extra = []) {
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  return [jest, '-c', path.join(root, 'jest.config.js'), ...labs.map((l) => `graders/${l}\\.test\\.ts$`), ...extra];
}

module.exports = { root, allLabs, labsAsked, jestArgs };
