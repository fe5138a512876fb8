'use strict';
/*
 * The reporter of `npm test` in a release (graders/release/templates/jest.config.js.tmpl, where it
 * is the only one) and of the harness's jest.graders.config.js (beside Jest's own): prints
 * gradecheck's score table when the run ends, from the results each lab's grading wrote to
 * GRADECHECK_RESULTS_DIR (the global setup's, pregrade.ts, or a grader file's own, in-file.ts),
 * so that each failure is told once, in the table.
 *
 * Options: `progress` (a line as each lab starts; the release has no other progress), `view`
 * (student, the default, or instructor). A grader file that could not run (no results) is shown
 * as Jest reports it. GRADECHECK_JSON: also write the combined results file there;
 * GRADECHECK_FEEDBACK: also write the Markdown feedback (feedback.md, figures/) into that folder.
 */
const fs = require('fs');
const path = require('path');
require('../host/register.cjs');
const { feedbackFiles, formatTable } = require('../../emit/score-table.ts');
const { ResultsSchema, resultsOf } = require('../core/results.ts');

const { labOf } = require('./grader-file.cjs');

class ScoreTableReporter {
  constructor(globalConfig, options) {
    this.globalConfig = globalConfig || {};
    this.options = options || {};
    /** Grader files that failed, by lab: shown only when they wrote no results. */
    this.failures = new Map();
  }

  onTestFileStart(test) {
    if (this.options.progress) process.stdout.write(`grading ${labOf(test.path)}...\n`);
  }

  onTestFileResult(test, result) {
    if (result.testExecError || result.numFailingTests > 0) this.failures.set(labOf(test.path), result.failureMessage || String(result.testExecError && result.testExecError.message));
  }

  onRunComplete() {
    const dir = process.env.GRADECHECK_RESULTS_DIR;
    const files = dir && fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
    const written = new Set(files.map((f) => f.replace(/\.json$/, '')));
    // Not a failed item (those are in the table): the grader file itself did not run.
    for (const [lab, message] of this.failures) if (!written.has(lab) && message) process.stdout.write(`\n${lab}: the grader could not run\n${message}\n`);
    if (files.length === 0) return;
    // Each grader file wrote its lab's results; the run's are all their labs.
    const parts = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    const results = resultsOf(parts[0].submission, parts[0].sandbox, parts.flatMap((p) => p.labs));
    const view = this.options.view || 'student';
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write('\n' + formatTable(results, { view, color }) + '\n');
    const only = this.globalConfig.testNamePattern;
    if (only) process.stdout.write(`(only the items whose name matches -t ${JSON.stringify(only)} were graded)\n`);
    if (process.env.GRADECHECK_JSON) fs.writeFileSync(process.env.GRADECHECK_JSON, JSON.stringify(ResultsSchema.parse(results), null, 2) + '\n');
    const feedback = process.env.GRADECHECK_FEEDBACK;
    if (feedback) {
      for (const [name, text] of Object.entries(feedbackFiles(results, { view }))) {
        fs.mkdirSync(path.dirname(path.join(feedback, name)), { recursive: true });
        fs.writeFileSync(path.join(feedback, name), text);
      }
      const shown = path.relative(process.cwd(), path.join(feedback, 'feedback.md'));
      process.stdout.write(`feedback written to ${shown.startsWith('..') ? path.join(feedback, 'feedback.md') : shown}\n`);
    }
  }
}

module.exports = ScoreTableReporter;
