/**
 * The Jest front end of the engine: `defineGrader('rnn')` in graders/rnn.test.ts makes one
 * Jest test per rubric item. The score-table reporter (reporter.cjs) prints the lab's results
 * when the run ends.
 *
 * Normally the run's global setup (global-setup.cjs, pregrade.ts) has already graded every lab
 * the run selects, in one process, and left a plan per lab: the grader file then only reports
 * it, loading none of the engine. Without a plan (a configuration without that setup, or a lab
 * it could not prepare) the lab is graded here, item by item (in-file.ts). Either way student
 * code runs only in the student process.
 */
import * as path from 'path';
import { ItemFailed, LabPlan, readPlan } from './plan';

const HARNESS_ROOT = path.resolve(__dirname, '..', '..', '..');

function reportPlan(plan: LabPlan): void {
  describe(plan.describe, () => {
    for (const t of plan.tests) {
      test(t.title, () => {
        if (t.outcome === 'failed') throw new ItemFailed(t.failure ?? 'failed');
        // Jest runs only the tests -t selects, and the setup graded exactly those: this would be its bug.
        if (t.outcome === 'not_selected') throw new Error(`gradecheck: ${plan.lab} item "${t.title}" was not graded in this run (the grader's -t selection disagrees with Jest's)`);
      });
    }
  });
}

export function defineGrader(labName: string, root = HARNESS_ROOT): void {
  const plan = readPlan(labName);
  if (plan) return reportPlan(plan);
  // Loaded only here: a grader file that reports a plan needs none of the engine.
  (require('./in-file') as typeof import('./in-file')).gradeInFile(labName, root);
}
