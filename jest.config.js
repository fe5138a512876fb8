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
};
