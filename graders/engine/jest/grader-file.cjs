'use strict';
/**
 * The lab of a grader file, graders/<lab>.test.ts: how the global setup, the sequencer, the test
 * runner and the reporter name it (a test file that is no lab's names no lab with a plan).
 */
const path = require('path');

exports.labOf = (testPath) => path.basename(testPath).replace(/\.test\.ts$/, '');
