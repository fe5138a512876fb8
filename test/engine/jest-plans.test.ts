/**
 * A student's `npm test` grades the labs in Jest's global setup and lets Jest run the grader
 * files while it does (graders/engine/jest/pregrade.ts, plan.ts): every lab has a plan before
 * any grader file loads, pending while the lab is graded, then final; a grader file waits for a
 * pending plan. No plan may stay pending once the grading has ended, or its file would wait for
 * ever.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LabPlan, PLAN_ENV, PLAN_FORMAT, leavePending, planFile, readPlan, settledPlan, writePendingPlan, writePlan } from '../../graders/engine/jest/plan';
import { startPregrade } from '../../graders/engine/jest/pregrade';
import { ROOT } from '../support/paths';
import { tempDir } from '../support/temp';


const plan = (lab: string, outcome: 'passed' | 'failed'): LabPlan => ({ format: PLAN_FORMAT, lab, describe: `${lab}: t`, tests: [{ title: 'one', outcome }] });

describe('plans', () => {
  test('a grader file waiting for a pending plan gets the final one as soon as it is written', async () => {
    const dir = tempDir('plans');
    const env = { [PLAN_ENV]: dir };
    writePendingPlan(dir, plan('a', 'passed'));
    expect(readPlan('a', env)).toMatchObject({ pending: true });
    setTimeout(() => writePlan(dir, plan('a', 'failed')), 100);
    const settled = await settledPlan('a', env);
    expect(settled.pending).toBeUndefined();
    expect(settled.tests[0].outcome).toBe('failed');
  });

  test('a pending plan never replaces a final one (a kept outcome is final before the others are pending)', () => {
    const dir = tempDir('plans');
    writePlan(dir, plan('a', 'passed'));
    writePendingPlan(dir, plan('a', 'failed'));
    expect(readPlan('a', { [PLAN_ENV]: dir })).toEqual(plan('a', 'passed'));
  });

  test('once the grading has ended, what is still pending is left, saying why; a final plan stays as it is', async () => {
    const dir = tempDir('plans');
    const env = { [PLAN_ENV]: dir };
    writePendingPlan(dir, plan('a', 'passed'));
    writePlan(dir, plan('b', 'passed'));
    leavePending(dir, 'it stopped');
    expect(await settledPlan('a', env)).toMatchObject({ left: 'it stopped' });
    expect(readPlan('b', env)).toEqual(plan('b', 'passed'));
  });

  test('a plan that disappears ends the wait with an error instead of waiting for ever', async () => {
    const dir = tempDir('plans');
    writePendingPlan(dir, plan('a', 'passed'));
    setTimeout(() => fs.rmSync(planFile(dir, 'a')), 50);
    await expect(settledPlan('a', { [PLAN_ENV]: dir })).rejects.toThrow(/plan of a is gone/);
  });
});

test('the global setup is ready once every lab has a plan, pending or final, and when it is done none is pending', async () => {
  // The harness's labs/ are the stubs: every item fails fast, as not implemented.
  const planDir = tempDir('plans');
  const resultsDir = tempDir('results');
  const labs = ['activations', 'backprop', 'rnn'];
  const env = { [PLAN_ENV]: planDir };
  const run = startPregrade({ root: ROOT, labs, planDir, concurrency: 2, env: { GRADECHECK_SUBMISSION: ROOT, GRADECHECK_SANDBOX: 'permission', GRADECHECK_RESULTS_DIR: resultsDir } });
  let doneFirst = false;
  void run.done.then(() => (doneFirst = true));
  await run.ready;
  expect(doneFirst).toBe(false);
  const atReady = labs.map((lab) => readPlan(lab, env));
  for (const p of atReady) expect(p?.tests.length).toBeGreaterThan(0);
  // Two are graded at once and the others wait for the first one's load: one is still pending.
  expect(atReady.filter((p) => p!.pending).length).toBeGreaterThan(0);

  const outcome = await run.done;
  expect(outcome.planned).toEqual([...labs].sort());
  for (const [i, lab] of labs.entries()) {
    const final = readPlan(lab, env)!;
    expect(final.pending).toBeUndefined();
    expect(final.left).toBeUndefined();
    // The same tests as the pending plan registered, now with outcomes: the stubs fail.
    expect(final.tests.map((t) => t.title)).toEqual(atReady[i]!.tests.map((t) => t.title));
    expect(final.tests.some((t) => t.outcome === 'failed')).toBe(true);
  }
}, 180000);

test('a lab that cannot be graded after its plan was pending is left, saying why; one that cannot be opened has no plan', async () => {
  const planDir = tempDir('plans');
  const env = { [PLAN_ENV]: planDir };
  // Its results cannot be written (the results folder is a file): graded, then left.
  const notAFolder = path.join(tempDir('results'), 'a-file');
  fs.writeFileSync(notAFolder, '');
  const left = await startPregrade({ root: ROOT, labs: ['activations'], planDir, env: { GRADECHECK_SUBMISSION: ROOT, GRADECHECK_SANDBOX: 'permission', GRADECHECK_RESULTS_DIR: notAFolder } }).done;
  expect(Object.keys(left.left)).toEqual(['activations']);
  expect(readPlan('activations', env)).toMatchObject({ left: left.left.activations });
  expect(readPlan('activations', env)!.pending).toBeUndefined();

  fs.rmSync(planFile(planDir, 'activations'));

  // A lab that cannot even be opened (no rubric of that name): no plan, and its grader file grades it itself, failing as it always did.
  const unknown = await startPregrade({ root: ROOT, labs: ['no-such-lab'], planDir, env: { GRADECHECK_SUBMISSION: ROOT, GRADECHECK_SANDBOX: 'permission', GRADECHECK_RESULTS_DIR: tempDir('results') } }).done;
  expect(Object.keys(unknown.left)).toEqual(['no-such-lab']);
  expect(readPlan('no-such-lab', env)).toBeUndefined();
}, 120000);
