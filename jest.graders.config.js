/**
 * Runs the Jest graders (graders/<lab>.test.ts) on a submission:
 *   GRADECHECK_SUBMISSION=path/to/submission npx jest -c jest.graders.config.js [lab]
 * The score table is printed at the end by graders/engine/jest/reporter.cjs.
 */
const os = require('os');
const path = require('path');

// One results folder per run, shared by the grader files (workers inherit the environment).
process.env.GRADECHECK_RESULTS_DIR ??= path.join(os.tmpdir(), `gradecheck-jest-${process.pid}-${Date.now()}`);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/graders'],
  testMatch: ['<rootDir>/graders/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  reporters: ['default', '<rootDir>/graders/engine/jest/reporter.cjs'],
};
