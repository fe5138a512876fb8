'use strict';
/*
 * A Jest reporter that prints gradecheck's score table when the run ends, from the results
 * each grader file wrote to GRADECHECK_RESULTS_DIR (see jest.ts). With GRADECHECK_JSON set,
 * it also writes the combined results file there.
 */
const fs = require('fs');
const path = require('path');
require('../../scripts/register.cjs');
const { formatTable } = require('./report.ts');
const { ResultsSchema, sumScores } = require('./results.ts');

class ScoreTableReporter {
  constructor(globalConfig, options) {
    this.options = options || {};
  }

  onRunComplete() {
    const dir = process.env.GRADECHECK_RESULTS_DIR;
    if (!dir || !fs.existsSync(dir)) return;
    const labs = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    if (labs.length === 0) return;
    const { format, version, submission, sandbox } = labs[0];
    const results = { format, version, submission, sandbox, ...sumScores(labs), labs: labs.map(({ format: _f, version: _v, submission: _s, sandbox: _b, ...lab }) => lab) };
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write('\n' + formatTable(results, { view: this.options.view || 'student', color }) + '\n');
    if (process.env.GRADECHECK_JSON) fs.writeFileSync(process.env.GRADECHECK_JSON, JSON.stringify(ResultsSchema.parse(results), null, 2) + '\n');
  }
}

module.exports = ScoreTableReporter;
