/**
 * The mistakes a new lab's author makes that used to pass silently or end in "internal error"
 * now fail `validate` (or the lab's loading) with a message that says where: the rubric's file
 * and line, the ops file and the import or input. Each test breaks one file of a small, correct
 * `losses` lab (test/support/losses-lab.ts) in a temporary copy of the harness.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadLab } from '../../graders/engine/core/labs';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { SpecError } from '../../graders/engine/core/spec-files';
import { validateLab } from '../../graders/engine/authoring/validate';
import { harnessCopy, lossesLab, writeFiles } from '../support/losses-lab';
import { run } from '../release/support';

/** The losses lab with some of its files' text replaced: [file, find, replace]. */
function brokenLab(...edits: Array<[string, string, string]>): string {
  const files = lossesLab();
  for (const [rel, find, replace] of edits) {
    expect(files[rel]).toContain(find);
    files[rel] = files[rel].replace(find, replace);
  }
  const dir = harnessCopy('authoring');
  writeFiles(dir, files);
  return dir;
}

const OPS = 'graders/losses.ops.ts';
const REFERENCE = 'reference/losses/losses.ts';
const RUBRIC = 'rubrics/losses.yaml';
const MSE_BACKWARD = "backward: (lab, { y, t }, _p, { loss }) => ({ y: lab.mseBackward(y, t, scalarOf(loss)) }),";

async function specErrorOf(p: Promise<unknown> | (() => unknown)): Promise<SpecError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError, got none');
}

test('a backward returning its gradient under a wrong key ({ dy } for input y) fails validate, located, and a correct student is never told a finite-difference verdict', async () => {
  // The reference's backward is also wrong (no factor 2): with its check of 0 elements, nothing would have said so.
  const dir = brokenLab([OPS, MSE_BACKWARD, MSE_BACKWARD.replace('({ y: lab', '({ dy: lab')], [RUBRIC, '    grads: [y]\n', ''], [REFERENCE, '(dloss * 2 * (v - t.data[i])) / n', '(dloss * (v - t.data[i])) / n'], ['fixtures/mutants/losses/mse-grad-missing-2.yaml', 'find: "(dloss * 2 * (v - t.data[i])) / n"', 'find: "(dloss * (v - t.data[i])) / n"'], ['fixtures/mutants/losses/mse-grad-missing-2.yaml', 'replace: "(dloss * (v - t.data[i])) / n"', 'replace: "(dloss * 3 * (v - t.data[i])) / n"']);
  const v = await validateLab('losses', { root: dir, sandbox: 'none' });
  expect(v.ok).toBe(false);
  expect(v.reference.problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^rubrics\/losses\.yaml:\d+:\d+ items\[1\]\.op: case "seed 3": the backward of op 'mse' \(graders\/losses\.ops\.ts:\d+\) returns 'dy', which is not among its inputs, and no gradient for 'y', 't'/),
      expect.stringMatching(/^rubrics\/losses\.yaml:\d+:\d+ items\[1\]\.cases\[0\]: mse\.backward, case "seed 3": the check of the reference's backward against finite differences of its forward checked 0 elements/),
    ]),
  );

  // A student whose backward is right (the factor 2) disagrees with that reference; the feedback makes no claim about finite differences.
  const submission = path.join(dir, 'student');
  const right = lossesLab()[REFERENCE];
  writeFiles(submission, { 'labs/losses/losses.ts': right });
  const results = await gradeSubmission({ root: dir, submission, labs: ['losses'], sandbox: 'none' });
  const item = results.labs[0].items.find((i) => i.id === 'mse.backward')!;
  expect(item.status).toBe('wrong_value');
  expect(item.message).toMatch(/^dy: wrong value/);
  expect(item.message).not.toMatch(/finite differences|agrees|not closely enough/);
}, 240000);

test('a gradient named in `grads` that is no input of the op fails loading the lab, at its line in the rubric', async () => {
  const dir = brokenLab([RUBRIC, '    grads: [y]\n', '    grads: [dy]\n']);
  const e = await specErrorOf(() => loadLab(dir, 'losses'));
  expect(e.message).toMatch(/^rubrics\/losses\.yaml:\d+:\d+ items\[1\]\.grads\[0\]: op "mse" has no input "dy", so no gradient of that name \(inputs: y, t\)/);
});

test('an input name that does not match what the op reads fails validate at the case, naming the input and the ops file', async () => {
  const dir = brokenLab([OPS, "forward: (lab, { y, t }) => ({ loss: lab.mseForward(y, t) }),", "// eslint-disable-next-line @typescript-eslint/no-explicit-any\n    forward: (lab, i: any) => ({ loss: lab.mseForward(i.pred, i.t) }),"]);
  const e = await specErrorOf(validateLab('losses', { root: dir, sandbox: 'none' }));
  expect(e.message).toMatch(/^rubrics\/losses\.yaml:\d+:\d+ items\[0\]\.cases\[0\]: the reference fails on item mse\.forward, case "seed 1" \(op 'mse', graders\/losses\.ops\.ts\): .*the grader's ops read input 'pred', which the case does not have/);
  expect(e.message).not.toMatch(/internal error|labs\/common\/tensor/);
}, 120000);

test.each([
  ['zod', "import { z } from 'zod';", 'z.number().parse(lab.mseForward(y, t))'],
  ['./engine/core/values', "import { isTensor } from './engine/core/values';", '(isTensor(y) ? lab.mseForward(y, t) : 0)'],
])('an ops file importing %s at run time fails validate with the ops file, its line and the import (exit 2, no internal error)', (spec, line, call) => {
  const dir = brokenLab([OPS, "import { op, scalarOf } from './engine/kit';", `import { op, scalarOf } from './engine/kit';\n${line}`], [OPS, 'lab.mseForward(y, t) }),', `${call} }),`]);
  const r = run(process.execPath, [path.join(dir, 'scripts', 'gradecheck.cjs'), 'validate', '--labs', 'losses', '--sandbox', 'none'], { cwd: dir });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`graders/losses\\.ops\\.ts:4:\\d+ imports '${spec.replace(/[./]/g, '\\$&')}' at run time: an ops file runs inside the student process, where its only runtime import may be the kit`));
  expect(r.stdout + r.stderr).not.toMatch(/internal error/i);
}, 120000);

test('a grader-side hook (generate, evaluate) in the ops file is refused, pointing at the inputs file', async () => {
  const dir = brokenLab([OPS, "    upstream: ['loss'],\n    forward: (lab, { y, t })", "    upstream: ['loss'],\n    // @ts-expect-error: not part of an op's calls\n    generate: () => ({}),\n    forward: (lab, { y, t })"]);
  const e = await specErrorOf(() => loadLab(dir, 'losses'));
  expect(e.message).toMatch(/^graders\/losses\.ops\.ts ops\.mse\.generate: generate runs in the grader only: move it to graders\/losses\.inputs\.ts/);
});

test('the losses lab as written passes all of these checks (the breakages above are what fails)', () => {
  const dir = brokenLab();
  expect(() => loadLab(dir, 'losses')).not.toThrow();
  expect(fs.existsSync(path.join(dir, 'reference', 'losses', 'losses.ts'))).toBe(true);
});
