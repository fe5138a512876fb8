'use strict';
/*
 * Jest's own test sequencer, which also keeps the grader files the run will run (after
 * Jest's path filters, `npm test -- <lab>`, and --shard): the global setup (global-setup.cjs)
 * grades exactly those labs. Both run in Jest's main process, before any grader file.
 */
const path = require('path');

/** Jest's default sequencer: a package of Jest's own (named in a variable: not a dependency of the graders). */
const DEFAULT_SEQUENCER = '@jest/test-sequencer';

function defaultSequencer() {
  try {
    return require(DEFAULT_SEQUENCER).default;
  } catch {
    // Not hoisted next to the graders: where Jest's configuration finds it.
    const config = require.resolve('jest-config', { paths: [path.dirname(require.resolve('jest'))] });
    return require(require.resolve(DEFAULT_SEQUENCER, { paths: [path.dirname(config)] })).default;
  }
}

const Sequencer = defaultSequencer();

/** The grader files of the latest run, sorted as Jest will run them. */
let selected = [];

class GraderSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    selected = sorted.map((t) => t.path);
    return sorted;
  }

  static selectedFiles() {
    return selected;
  }
}

module.exports = GraderSequencer;
