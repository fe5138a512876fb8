/**
 * `gradecheck explain` prints a failing case's evidence from the fields results.json (v2)
 * keeps, with the numbers as stored: each output or gradient off (worst element, shape,
 * expected and actual, the tolerance test it failed, the errors, elements off), the gradient
 * verdict (is the forward right; what finite differences of the student's own forward say, in
 * full or along random directions), bounds missed, and what was left unrecorded. The record is
 * written and signed as a batch writes it; explain verifies it before printing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RECORD_FORMAT, RECORD_VERSION, openStore, studentDir, writeManifest, writeStudent } from '../../graders/batch/store';
import { gradientText } from '../../graders/emit/case-text';
import { CaseResult, ItemResult, Results, ResultsSchema, resultsOf } from '../../graders/engine/core/results';
import { explain } from '../../scripts/commands/explain';
import { captureIO, removeTempDirs, run, tempDir } from '../batch/class';

const TOLERANCE = { rtol: 1e-6, atol: 1e-9 };

const tanhCase: CaseResult = {
  label: 'seed 4',
  status: 'wrong_value',
  mismatches: [{ kind: 'wrong_value', path: 'grads.x', shape: [3, 4], index: [1, 2], expected: 0.25, actual: 0.7500000000000001, max_abs_error: 0.5000000000000001, max_rel_error: 2, elements_off: 3, elements: 12, tolerance: TOLERANCE }],
  mismatches_total: 2,
  gradient: { forward: 'right', own_forward: { agrees: false, mode: 'full', checked: 12, elements_off: 3, disagreeing: ['x'], worst: { input: 'x', index: [1, 2], backward: 0.7500000000000001, finite_differences: 0.25 } } },
  value_digest: 'abc123',
};
const softmaxCase: CaseResult = {
  label: 'fixture extreme',
  status: 'not_finite',
  mismatches: [{ kind: 'not_finite', path: 'y', shape: [2, 3], index: [0, 1], expected: 0.5, actual: 'NaN', max_abs_error: 'NaN', max_rel_error: 'NaN', elements_off: 6, elements: 6, tolerance: TOLERANCE }],
};
const layerCase: CaseResult = { label: 'seed 9', status: 'wrong_shape', mismatches: [{ kind: 'wrong_shape', path: 'y', expected: [4, 5], actual: [5, 4] }] };
const mlpCase: CaseResult = {
  label: 'seed 11',
  status: 'wrong_value',
  mismatches: [{ kind: 'wrong_value', path: 'grads.W', shape: [64, 64], index: [3, 7], expected: -1.5, actual: 2, max_abs_error: 3.5, max_rel_error: 2.3333333333333335, elements_off: 4096, elements: 4096, tolerance: { rtol: 1e-5, atol: 1e-8 } }],
  gradient: { forward: 'wrong', own_forward: { agrees: false, mode: 'fast', checked: 8, disagreeing: ['W'], direction: { number: 2, disagreeing: 5, backward: 0.125, finite_differences: -0.375 } } },
};
const trainCase: CaseResult = { label: 'training', status: 'wrong_value', bounds: [{ key: 'accuracy', actual: 0.62, min: 0.9 }] };

const item = (id: string, cases: CaseResult[], points = 2): ItemResult => ({ id, title: id, score: 0, max_score: points, status: cases.find((c) => c.status !== 'passed')!.status, message: 'words made by case-text', visibility: 'visible', duration_ms: 12, cases });
const passed: ItemResult = { id: 'sigmoid.forward', title: 'sigmoid', score: 1, max_score: 1, status: 'passed', message: '1 case passed', visibility: 'visible', duration_ms: 3, cases: [{ label: 'seed 1', status: 'passed' }] };

const items = [passed, item('tanh.backward', [{ label: 'seed 3', status: 'passed' }, tanhCase]), item('softmax.forward', [softmaxCase]), item('layer.forward', [layerCase]), item('mlp.backward', [mlpCase]), item('train', [trainCase], 3)];
const results: Results = ResultsSchema.parse(
  resultsOf('zoe', 'none', [{ lab: 'activations', title: 'Activation functions', score: 1, max_score: 12, status: 'graded', message: '', notes: [], items }]),
);

let out: string;
let printed: string;
let code: number;
const env = { ...process.env, GRADECHECK_BATCH_KEY: '' };

beforeAll(async () => {
  out = path.join(tempDir('explain'), 'out');
  const store = openStore(out, env);
  writeManifest(out, { labs: ['activations'], config: 'test', shard: null, students: ['zoe'] });
  writeStudent(store, { format: RECORD_FORMAT, version: RECORD_VERSION, student: 'zoe', digest: 'd', config: 'test', status: 'graded', message: '', labs: { activations: { score: 1, max_score: 12, status: 'graded' } }, score: 1, max_score: 12, duration_ms: 100, graded_at: '2025-11-10T12:00:00.000Z' }, results);
  const io = captureIO();
  code = await run(explain, ['--student', 'zoe', '--out', out], io);
  printed = io.stdout.join('\n');
});

afterAll(removeTempDirs);

test('prints every item, failing cases only, with the worst element, values, tolerance test and errors', () => {
  expect(code).toBe(0);
  expect(printed).toMatch(/ok +sigmoid\.forward +1 \/ 1 +passed/);
  expect(printed).toMatch(/FAIL tanh\.backward +0 \/ 2 +wrong_value/);
  expect(printed).not.toContain('case seed 3');
  expect(printed).toContain('case seed 4: wrong_value');
  expect(printed).toContain('grads.x[1, 2] (shape [3, 4]): expected 0.25, got 0.7500000000000001');
  expect(printed).toContain(`|error| ${Math.abs(0.7500000000000001 - 0.25)} > allowed ${1e-9 + 1e-6 * 0.25} (atol 1e-9 + rtol 0.000001 × |expected|)`);
  expect(printed).toContain('max |error| 0.5000000000000001, max relative error 2; 3 of 12 elements off');
  expect(printed).toContain('(1 more outputs or gradients off, not recorded)');
  expect(printed).toContain('answer digest abc123');
});

test('the gradient verdict: the forward, the finite-difference check in full and along directions', () => {
  expect(printed).toContain("gradient: the student's forward is right (it matches the reference)");
  expect(printed).toContain("finite differences of the student's own forward: the backward disagrees (3 of 12 elements); gradients that disagree: x; worst x[1, 2]: backward 0.7500000000000001, finite differences 0.25");
  expect(printed).toContain(`verdict: ${gradientText(tanhCase.gradient!)}`);
  expect(printed).toContain("gradient: the student's forward is wrong (it does not match the reference)");
  expect(printed).toContain('the backward disagrees (5 of 8 random projections); gradients that disagree: W; direction 2: backward 0.125, finite differences -0.375');
});

test('non-finite values, shapes and bounds', () => {
  expect(printed).toContain('y[0, 1] (shape [2, 3]): expected 0.5, got NaN (not finite)');
  expect(printed).toContain('|error| not finite > allowed');
  expect(printed).toContain('y: expected shape [4, 5], got [5, 4] (wrong shape)');
  expect(printed).toContain('accuracy: 0.62; required >= 0.9');
});

test('results changed after grading do not verify: nothing printed as evidence, exit 1', async () => {
  const file = path.join(studentDir({ dir: out }, 'zoe'), 'results.json');
  const original = fs.readFileSync(file, 'utf8');
  try {
    fs.writeFileSync(file, original.replace('"actual": 0.7500000000000001', '"actual": 0.25'));
    const io = captureIO();
    expect(await run(explain, ['--student', 'zoe', '--out', out], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('results.json was changed');
    expect(io.stdout.join('\n')).not.toContain('grads.x');
  } finally {
    fs.writeFileSync(file, original);
  }
});
