'use strict';
/*
 * Jest's own test sequencer, which also keeps the grader files the run will run (after
 * Jest's path filters, `npm test -- <lab>`, and --shard): the global setup (global-setup.cjs)
 * grades exactly those labs. Both run in Jest's main process, before any grader file.
 *
 * In a release it also orders them as their labs' grading ends: the setup grades the longest
 * lab (by the reference's time, in the release's manifest) on one worker and the others, longest
 * first, beside it, and Jest runs the grader files while it does. So the longest lab's file
 * comes last, and the others report while it is still being graded.
 */
const fs = require('fs');
const path = require('path');
const { labOf } = require('./grader-file.cjs');

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The release's manifest (graders/release/manifest.ts), read without loading the engine. */
const RELEASE_MARKER = '.gradecheck-release';

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

/** What the reference took per lab, from the release's manifest ({} in the harness, or unreadable). */
function referenceCosts() {
  try {
    const costs = JSON.parse(fs.readFileSync(path.join(ROOT, RELEASE_MARKER), 'utf8')).reference_ms;
    return costs && typeof costs === 'object' ? costs : {};
  } catch {
    return {};
  }
}

/**
 * The order in which the global setup finishes grading: the longest lab last, the others longest
 * first (a lab without a known cost counts as the longest, as pregrade.ts's longestFirst has it).
 * Unchanged without costs.
 */
function inGradingOrder(tests) {
  const costs = referenceCosts();
  const lab = (t) => labOf(t.path);
  if (tests.length < 2 || !tests.some((t) => Number.isFinite(costs[lab(t)]))) return tests;
  const cost = (t) => (Number.isFinite(costs[lab(t)]) ? costs[lab(t)] : Number.MAX_SAFE_INTEGER);
  const longestFirst = [...tests].sort((a, b) => cost(b) - cost(a));
  return [...longestFirst.slice(1), longestFirst[0]];
}

class GraderSequencer extends Sequencer {
  async sort(tests) {
    const sorted = inGradingOrder(await super.sort(tests));
    selected = sorted.map((t) => t.path);
    return sorted;
  }

  static selectedFiles() {
    return selected;
  }
}

module.exports = GraderSequencer;
