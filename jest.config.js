/** The project's own test suite: engine unit tests, oracle checks, grader validation. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/graders'],
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/graders/engine/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }], '/node_modules/@dodona/dolos-core/.+\\.js$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  // Dolos's core is an ES module, which Jest cannot require before Node 24.9: compiled like our own code.
  transformIgnorePatterns: ['/node_modules/(?!@dodona/dolos-core/)'],
  testTimeout: 120000,
  // Most of the work happens in student processes, so two test files at once keep both cores
  // busy. Three were 11 % faster on a quiet machine (354 s against 399 s, 27 Nov 2026), but under
  // CI's load they pushed tests that bound wall-clock time (grade.test.ts) past their bounds.
  maxWorkers: 2,
  // At the end of the suite each worker holds 460-660 MB (resident: the labs graded in it) and
  // takes 290-560 ms to go away once Jest asks it to end, so Jest's default of 500 ms reported
  // "a worker process has failed to exit gracefully" with no handle left open (28 Nov 2026: the
  // workers' exit events came 1 ms after Jest's request; every file ended with no timer, child or
  // socket of its own). A worker that really hangs is still force-exited, and said so, after 5 s.
  workerGracefulExitTimeout: 5000,
};
