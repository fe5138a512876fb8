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
import { LabPlan, plannedOutcome, readPlan, settledPlan } from './plan';

const HARNESS_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The most a grader file waits for its lab's pending plan: the setup's grading is bounded by
 * the items' budgets, so this only keeps Jest's hook timer within what a timer can hold.
 */
const PENDING_WAIT_MS = 24 * 3600 * 1000;

/** A test that ends as the plan says (plan.ts's plannedOutcome). */
function planned(lab: string, title: string, i: number, final: () => LabPlan | Error): void {
  test(title, () => {
    const error = plannedOutcome(lab, title, i, final());
    if (error) throw error;
  });
}

function reportPlan(plan: LabPlan): void {
  describe(plan.describe, () => {
    plan.tests.forEach((t, i) => planned(plan.lab, t.title, i, () => plan));
  });
}

/** A lab the setup is still grading: the same tests, each reporting the final plan once it is there. */
function reportPending(pending: LabPlan): void {
  let plan: LabPlan | undefined;
  describe(pending.describe, () => {
    beforeAll(async () => {
      plan = await settledPlan(pending.lab);
    }, PENDING_WAIT_MS);
    pending.tests.forEach(({ title }, i) => planned(pending.lab, title, i, () => plan ?? new Error(`gradecheck: ${pending.lab} item "${title}" has no outcome in this run's plan`)));
  });
}

export function defineGrader(labName: string, root = HARNESS_ROOT): void {
  const plan = readPlan(labName);
  if (plan?.pending) return reportPending(plan);
  if (plan && plan.left === undefined) return reportPlan(plan);
  // Loaded only here: a grader file that reports a plan needs none of the engine.
  (require('./in-file') as typeof import('./in-file')).gradeInFile(labName, root);
}
