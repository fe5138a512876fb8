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
import { ItemFailed, LabPlan, PlannedTest, readPlan, settledPlan } from './plan';

const HARNESS_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The most a grader file waits for its lab's pending plan: the setup's grading is bounded by
 * the items' budgets, so this only keeps Jest's hook timer within what a timer can hold.
 */
const PENDING_WAIT_MS = 24 * 3600 * 1000;

function report(plan: LabPlan, t: PlannedTest): void {
  if (t.outcome === 'failed') throw new ItemFailed(t.failure ?? 'failed');
  // Jest runs only the tests -t selects, and the setup graded exactly those: this would be its bug.
  if (t.outcome === 'not_selected') throw new Error(`gradecheck: ${plan.lab} item "${t.title}" was not graded in this run (the grader's -t selection disagrees with Jest's)`);
}

function reportPlan(plan: LabPlan): void {
  describe(plan.describe, () => {
    for (const t of plan.tests) test(t.title, () => report(plan, t));
  });
}

/** A lab the setup is still grading: the same tests, each reporting the final plan once it is there. */
function reportPending(pending: LabPlan): void {
  let plan: LabPlan | undefined;
  describe(pending.describe, () => {
    beforeAll(async () => {
      plan = await settledPlan(pending.lab);
    }, PENDING_WAIT_MS);
    pending.tests.forEach(({ title }, i) => {
      test(title, () => {
        if (plan?.left !== undefined) throw new Error(`gradecheck could not grade ${pending.lab}: ${plan.left}`);
        const t = plan?.tests[i];
        if (!t || t.title !== title) throw new Error(`gradecheck: ${pending.lab} item "${title}" has no outcome in this run's plan`);
        report(plan!, t);
      });
    });
  });
}

export function defineGrader(labName: string, root = HARNESS_ROOT): void {
  const plan = readPlan(labName);
  if (plan?.pending) return reportPending(plan);
  if (plan && plan.left === undefined) return reportPlan(plan);
  // Loaded only here: a grader file that reports a plan needs none of the engine.
  (require('./in-file') as typeof import('./in-file')).gradeInFile(labName, root);
}
