/**
 * Runs the Jest graders (graders/<lab>.test.ts) on a submission:
 *   GRADECHECK_SUBMISSION=path/to/submission npx jest -c jest.graders.config.js [lab]
 * The score table is printed at the end by graders/engine/jest/reporter.cjs.
 */
const os = require('os');
const path = require('path');

// One results folder per run, shared by the grader files (workers inherit the environment). One
// made here is the run's own: the global teardown removes it once the reporter has read it.
if (!process.env.GRADECHECK_RESULTS_DIR) {
  process.env.GRADECHECK_RESULTS_DIR = path.join(os.tmpdir(), `gradecheck-jest-${process.pid}-${Date.now()}`);
  process.env.GRADECHECK_RESULTS_DIR_OWNED = process.env.GRADECHECK_RESULTS_DIR;
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/graders'],
  testMatch: ['<rootDir>/graders/*.test.ts'],
  // The labs the run selects are graded once, before the grader files run, which then only report.
  testSequencer: '<rootDir>/graders/engine/jest/sequencer.cjs',
  globalSetup: '<rootDir>/graders/engine/jest/global-setup.cjs',
  globalTeardown: '<rootDir>/graders/engine/jest/global-teardown.cjs',
  // The grader files then only report: Jest's own process runs them faster than workers it would start.
  maxWorkers: 1,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  reporters: ['default', '<rootDir>/graders/engine/jest/reporter.cjs'],
};
