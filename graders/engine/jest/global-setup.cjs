'use strict';
/*
 * Jest's global setup for the graders: grades, in Jest's own process, every lab whose grader
 * file this run will run (sequencer.cjs knows which), and tells the grader files where the
 * plans are (GRADECHECK_PREGRADED, inherited by Jest's workers): they then only report (see
 * pregrade.ts, lab-tests.ts). Nothing it cannot prepare is lost: that lab's grader file grades
 * it itself. Not used with --onlyFailures (Jest filters the files after this runs).
 *
 * It returns as soon as every lab has a plan, pending or final, and the grading goes on in this
 * process while Jest runs the grader files: those of the labs already graded report at once,
 * the others wait for their plans. The global teardown waits for the grading to end.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
require('../host/register.cjs');
const GraderSequencer = require('./sequencer.cjs');
const { labOf } = require('./grader-file.cjs');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PLAN_ENV = 'GRADECHECK_PREGRADED';
/** The grading still going on when the setup returns, for the teardown (same process, same realm). */
const RUNNING = Symbol.for('gradecheck.pregrade');

/** The labs of the run: grader files graders/<lab>.test.ts whose lab has a rubric. */
function labsOf(files) {
  const graders = path.join(ROOT, 'graders');
  return files
    .filter((f) => path.dirname(path.resolve(f)) === graders)
    .map(labOf)
    .filter((lab) => fs.existsSync(path.join(ROOT, 'rubrics', `${lab}.yaml`)));
}

/**
 * A student's own run keeps the outcome of a lab whose code did not change (reuse.ts); CI,
 * `npm test -- --no-cache` and GRADECHECK_REGRADE=1 grade every lab.
 */
function reuseOutcomes(projectConfig, env) {
  return projectConfig?.cache !== false && !env.CI && env.GRADECHECK_REGRADE !== '1';
}

module.exports = async function globalSetup(globalConfig, projectConfig) {
  delete process.env[PLAN_ENV];
  if (globalConfig.onlyFailures || globalConfig.listTests) return;
  const labs = labsOf(GraderSequencer.selectedFiles());
  if (labs.length === 0) return;
  const planDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-plan-'));
  // Whether bubblewrap works is checked in a child process while the engine loads.
  const probe = process.env.GRADECHECK_SANDBOX && process.env.GRADECHECK_SANDBOX !== 'auto' && process.env.GRADECHECK_SANDBOX !== 'bwrap' ? undefined : require('../host/sandbox.ts').probeBwrap();
  const { startPregrade } = require('./pregrade.ts');
  await probe;
  const run = startPregrade({ root: ROOT, labs, testNamePattern: globalConfig.testNamePattern, planDir, reuse: reuseOutcomes(projectConfig, process.env) });
  // Settled by the teardown; until then a failure must not go unhandled (its labs' plans say it).
  globalThis[RUNNING] = run.done.catch((err) => ({ error: err }));
  await run.ready;
  process.env[PLAN_ENV] = planDir;
};
