'use strict';
/*
 * The test runner of a release's grader files (jest.config.js's testRunner). A grader file
 * whose lab the global setup graded only reports that lab's plan (plan.ts): this runner turns
 * the plan into Jest's test results itself, the tests lab-tests.ts would define, with the same
 * names, outcomes and messages, without setting jest-circus up for the file (about 70 ms of
 * CPU per grader file, in the process that also grades). Every other file runs under
 * jest-circus as before: one whose lab has no plan, or a plan the setup left at once (the
 * grader file then grades the lab itself, in-file.ts), and any file that is not a lab's.
 * test/release/graded-once.test.ts compares what Jest gets from both.
 */
const { createRequire } = require('module');
require('../host/register.cjs');
const { labOf } = require('./grader-file.cjs');
const { plannedOutcome, readPlan, selectedBy, settledPlan } = require('./plan.ts');

/** Jest's own runner, and a require that finds what it depends on. */
const CIRCUS = require.resolve('jest-circus/runner');
const fromCircus = createRequire(CIRCUS);


/** A thrown error as jest-circus records it in failureMessages: its stack (ItemFailed's is its message). */
function thrown(error) {
  return error.stack || `${error.name}: ${error.message}`;
}

/** Jest's result of a grader file, from its lab's plan: a skipped test for each one -t leaves out. */
async function fromPlan(plan, globalConfig, config, testPath) {
  const selected = plan.tests.map((t) => selectedBy(globalConfig.testNamePattern, plan.describe, t.title));
  // A pending plan is waited for only when some test will report it, as jest-circus runs no hook of a block whose tests are all skipped.
  let final = plan;
  if (plan.pending && selected.some(Boolean)) final = await settledPlan(plan.lab).catch((err) => err);
  const assertions = plan.tests.map((t, i) => {
    const error = selected[i] ? plannedOutcome(plan.lab, t.title, i, final) : undefined;
    const status = !selected[i] ? 'pending' : error ? 'failed' : 'passed';
    return {
      ancestorTitles: [plan.describe],
      duration: selected[i] ? 0 : null,
      failureDetails: error ? [error] : [],
      failureMessages: error ? [thrown(error)] : [],
      fullName: `${plan.describe} ${t.title}`,
      invocations: selected[i] ? 1 : 0,
      location: null,
      numPassingAsserts: 0,
      retryReasons: [],
      status,
      title: t.title,
    };
  });
  const { createEmptyTestResult } = fromCircus('@jest/test-result');
  const count = (status) => assertions.filter((a) => a.status === status).length;
  const result = createEmptyTestResult();
  result.testResults = assertions;
  result.numPassingTests = count('passed');
  result.numFailingTests = count('failed');
  result.numPendingTests = count('pending');
  result.failureMessage = result.numFailingTests > 0 ? fromCircus('jest-message-util').formatResultsErrors(assertions, config, globalConfig, testPath) : null;
  return result;
}

module.exports = async function graderRunner(globalConfig, config, environment, runtime, testPath, sendMessageToJest) {
  const plan = readPlan(labOf(testPath));
  if (plan && (plan.pending || plan.left === undefined)) return fromPlan(plan, globalConfig, config, testPath);
  return require(CIRCUS).default(globalConfig, config, environment, runtime, testPath, sendMessageToJest);
};
