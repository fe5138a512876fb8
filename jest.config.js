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
  // Much of a test file's time is spent waiting on the processes it starts (npm, the CLI, student
  // processes): with two files at once the two cores here were busy 68% of the time, with three
  // the suite took 354 s instead of 399 s (27 Nov 2026). Budgets count the student's CPU time, so
  // a busier machine does not turn a correct slow answer into a timeout.
  maxWorkers: 3,
};
