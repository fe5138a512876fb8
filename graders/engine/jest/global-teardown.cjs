'use strict';
// Waits for the grading the global setup (global-setup.cjs) started, then removes its plans, and
// the run's results folder when the run made it (jest.config.js; Jest's reporters have read it).
const fs = require('fs');

const RUNNING = Symbol.for('gradecheck.pregrade');

module.exports = async function globalTeardown() {
  const running = globalThis[RUNNING];
  delete globalThis[RUNNING];
  // Every grader file has waited for its lab already, unless Jest stopped early (--bail).
  if (running) await running;
  const dir = process.env.GRADECHECK_PREGRADED;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.GRADECHECK_PREGRADED;
  const results = process.env.GRADECHECK_RESULTS_DIR;
  if (results && results === process.env.GRADECHECK_RESULTS_DIR_OWNED) fs.rmSync(results, { recursive: true, force: true });
};
