'use strict';
// Removes the plans the global setup (global-setup.cjs) wrote for this run.
const fs = require('fs');

module.exports = async function globalTeardown() {
  const dir = process.env.GRADECHECK_PREGRADED;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.GRADECHECK_PREGRADED;
};
