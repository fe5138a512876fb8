/**
 * Results keep what grading found as data (results.json version 2): each failing case's
 * mismatches (worst element, expected, actual, errors, tolerance) and the gradient verdict.
 * Words are made from those fields by one renderer (graders/emit/case-text.ts) that every
 * writer uses; version 1 files are still read.
 */
import * as fs from 'fs';
import * as path from 'path';
import { toClassroom, itemFeedback } from '../../graders/emit/classroom';
import { caseText, gradientText, itemMessage } from '../../graders/emit/case-text';
import { toGradescope } from '../../graders/emit/gradescope';
import { formatMarkdown, formatTable } from '../../graders/emit/score-table';
import { expectedFor } from '../../graders/engine/core/expected';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { loadLab } from '../../graders/engine/core/labs';
import { CaseResult, ItemResult, MismatchData, Results, fromJsonNumber, readResults, resultsOf, RESULTS_VERSION } from '../../graders/engine/core/results';
import { ROOT } from '../support/paths';
import { activationsSubmission } from '../support/submissions';

/** Graded, written as results.json and read back, as a writer or a later run reads it. */
async function gradedFile(dir: string): Promise<Results> {
  const results = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations'] });
  const file = path.join(dir, 'results.json');
  fs.writeFileSync(file, JSON.stringify(results));
  return readResults(JSON.parse(fs.readFileSync(file, 'utf8')));
}

const itemOf = (r: Results, id: string) => r.labs[0].items.find((i) => i.id === id)!;
const failing = (item: ItemResult) => item.cases.filter((c) => c.status !== 'passed');
const elementMismatch = (c: CaseResult) => c.mismatches?.find((m): m is Extract<MismatchData, { kind: 'wrong_value' }> => m.kind === 'wrong_value');

describe('results.json of a failing submission', () => {
  // sigmoid(-x) for sigmoid(x): at every element, expected + actual = 1. tanh's backward doubled:
  // its forward is right, and its gradient is twice what finite differences of it give.
  let results: Results;
  beforeAll(async () => {
    await expectedFor(ROOT, loadLab(ROOT, 'activations'));
    results = await gradedFile(
      activationsSubmission([
        ['export function sigmoidForward(x: Tensor): Tensor {\n  return map(x, sigmoid);', 'export function sigmoidForward(x: Tensor): Tensor {\n  return map(x, (v) => 1 - sigmoid(v));'],
        ['return g * (1 - y * y);', 'return 2 * g * (1 - y * y);'],
      ]),
    );
  }, 120000);

  test('is version 2, and keeps the worst element, expected, actual, errors and tolerance of each mismatch as fields', () => {
    expect(results.version).toBe(RESULTS_VERSION);
    expect(RESULTS_VERSION).toBe(2);
    const item = itemOf(results, 'sigmoid.forward');
    const tolerance = loadLab(ROOT, 'activations').rubric.items.find((i) => i.id === 'sigmoid.forward')!.tolerance;
    expect(item.status).toBe('wrong_value');
    expect(failing(item).length).toBeGreaterThan(0);
    for (const c of failing(item)) {
      const m = elementMismatch(c)!;
      expect(m).toMatchObject({ path: 'y', tolerance: { rtol: tolerance.rtol, atol: tolerance.atol } });
      expect(m.index).toHaveLength(m.shape.length);
      m.index.forEach((i, axis) => expect(i).toBeLessThan(m.shape[axis]));
      const expected = fromJsonNumber(m.expected);
      const actual = fromJsonNumber(m.actual);
      expect(expected + actual).toBeCloseTo(1, 12); // the mistake, seen in the stored values
      const error = Math.abs(actual - expected);
      expect(error).toBeGreaterThan(tolerance.atol + tolerance.rtol * Math.abs(expected)); // out of tolerance
      expect(fromJsonNumber(m.max_abs_error)).toBeGreaterThanOrEqual(error);
      expect(fromJsonNumber(m.max_rel_error)).toBeGreaterThanOrEqual(error / Math.abs(expected));
      expect(m.elements_off).toBeGreaterThan(0);
      expect(m.elements_off).toBeLessThanOrEqual(m.elements);
      expect(m.elements).toBe(m.shape.reduce((a, b) => a * b, 1));
      expect(c.message ?? '').toBe(''); // no words stored: the fields say it
    }
  });

  test('keeps the gradient verdict as fields: forward right, backward against finite differences of it, the input and its worst element', () => {
    const item = itemOf(results, 'tanh.backward');
    expect(item.status).toBe('wrong_value');
    const c = failing(item)[0];
    const m = elementMismatch(c)!;
    expect(fromJsonNumber(m.actual)).toBe(2 * fromJsonNumber(m.expected));
    expect(c.gradient).toMatchObject({ forward: 'right', own_forward: { agrees: false, disagreeing: [m.path] } });
    const check = c.gradient!.own_forward!;
    expect(check.checked).toBeGreaterThan(0);
    expect(check.worst?.input).toBe(m.path);
    const backward = fromJsonNumber(check.worst!.backward);
    const numeric = fromJsonNumber(check.worst!.finite_differences);
    expect(Math.abs(backward - 2 * numeric)).toBeLessThan(1e-4 * Math.max(1, Math.abs(backward)));
  });

  test('says in words what it did before, made from the fields', () => {
    const sigmoid = itemOf(results, 'sigmoid.forward');
    expect(sigmoid.message).toBe(itemMessage(sigmoid));
    expect(itemMessage(sigmoid)).toMatch(/y: wrong value at \[\d+, \d+\] of shape \[4, 6\]: expected [-\d.e]+, got [-\d.e]+ \(max abs error [\d.e-]+, max rel error [\d.e-]+; \d+ of 24 elements off\)/);
    expect(itemMessage(itemOf(results, 'tanh.backward'))).toContain('Your forward is right, but your backward disagrees with finite differences of it: x[');
    expect(itemOf(results, 'relu.forward').status).toBe('passed');
  });
});

// ----- writers, given crafted results ----------------------------------------------------------

const mismatch: MismatchData = {
  kind: 'wrong_value',
  path: 'y',
  shape: [3, 4],
  index: [1, 2],
  expected: 0.123456,
  actual: -7.654321,
  max_abs_error: 7.777777,
  max_rel_error: 63.00108,
  elements_off: 5,
  elements: 12,
  tolerance: { rtol: 1e-6, atol: 1e-9 },
};

function crafted(item: Partial<ItemResult>): Results {
  const full: ItemResult = {
    id: 'sigmoid.backward',
    title: 'sigmoid backward',
    score: 0,
    max_score: 2,
    status: 'wrong_value',
    // Stale words: a writer that showed these instead of rendering the fields would be caught.
    message: 'STALE WORDS',
    visibility: 'visible',
    duration_ms: 3,
    cases: [],
    ...item,
  };
  return resultsOf('.', 'none', [{ lab: 'activations', title: 'Activation functions', score: 0, max_score: 2, status: 'graded', message: '', notes: [], items: [full] }]);
}

describe('every writer renders a case from its fields', () => {
  const results = crafted({
    cases: [
      { label: 'seed 2', status: 'wrong_value', mismatches: [mismatch], gradient: { forward: 'wrong', own_forward: { agrees: true, mode: 'full', checked: 24 } } },
      { label: 'extreme', status: 'passed' },
    ],
  });
  const words = 'case "seed 2" (1 of 2 failed): y: wrong value at [1, 2] of shape [3, 4]: expected 0.123456, got -7.654321 (max abs error 7.777777, max rel error 63.00108; 5 of 12 elements off)';
  const verdict = 'Your backward agrees with finite differences of your own forward, but your forward is wrong: fix the forward first.';

  test.each([
    ['the score table', () => formatTable(results, { view: 'student', width: 10000 })],
    ['feedback.md', () => formatMarkdown(results, { view: 'student' }).replace(/\\/g, '')],
    ['GitHub Classroom', () => toClassroom(results, { locate: () => undefined }).flatMap((r) => r.result.tests.map((t) => t.message)).join('\n')],
    ['an annotation', () => itemFeedback(results.labs[0].items[0])],
    ['Gradescope', () => toGradescope(results).tests.map((t) => t.output).join('\n').replace(/\\/g, '')],
  ])('%s', (_writer, write) => {
    const out = write();
    expect(out).toContain(words);
    expect(out).toContain(verdict);
    expect(out).not.toContain('STALE WORDS');
  });

  test('non-finite values survive JSON and are told as such', () => {
    const c: CaseResult = { label: 'extreme', status: 'not_finite', mismatches: [{ ...mismatch, kind: 'not_finite', actual: 'NaN', max_abs_error: 'Infinity' }] };
    const back = readResults(JSON.parse(JSON.stringify(crafted({ status: 'not_finite', cases: [c] }))));
    expect(back.labs[0].items[0].cases[0].mismatches![0]).toMatchObject({ actual: 'NaN', max_abs_error: 'Infinity' });
    expect(caseText(back.labs[0].items[0].cases[0])).toBe('y: got NaN at [1, 2] where 0.123456 was expected (5 of 12 elements wrong or not finite; look for overflow in exp or a division by zero)');
  });

  test('an empty finite-difference check makes no claim about the backward', () => {
    const empty = { agrees: false, mode: 'full' as const, checked: 0, problem: 'nothing_to_check' as const, inputs: [] };
    expect(gradientText({ forward: 'right', own_forward: empty })).toBe('');
    expect(gradientText({ forward: 'wrong', own_forward: empty })).toBe('Your forward is wrong too: fix the forward first.');
  });

  test('cases with their own words (what the code threw) keep them', () => {
    const threw = crafted({ status: 'threw', cases: [{ label: 'seed 2', status: 'threw', message: 'your code threw TypeError: x is undefined (at labs/activations/activations.ts:27:5)' }] });
    expect(formatTable(threw, { view: 'student', width: 10000 })).toContain('your code threw TypeError: x is undefined (at labs/activations/activations.ts:27:5)');
  });
});

describe('a version 1 results file', () => {
  const v1 = {
    format: 'gradecheck/results',
    version: 1,
    submission: 'ann',
    score: 0,
    max_score: 2,
    sandbox: 'permission',
    labs: [
      {
        lab: 'activations',
        title: 'Activation functions',
        score: 0,
        max_score: 2,
        status: 'graded',
        message: '',
        notes: [],
        items: [
          {
            id: 'sigmoid.backward',
            title: 'sigmoid backward',
            score: 0,
            max_score: 2,
            status: 'wrong_value',
            message: 'x: wrong value at [0, 1] of shape [4, 6]: expected 0.25, got 0.5 (max abs error 0.25, max rel error 1; 24 of 24 elements off)',
            hint: 'multiply by dout',
            visibility: 'visible',
            duration_ms: 10,
            cases: [
              { label: 'seed 2', status: 'wrong_value', message: 'x: wrong value at [0, 1] of shape [4, 6]: expected 0.25, got 0.5 (max abs error 0.25, max rel error 1; 24 of 24 elements off)' },
              { label: 'extreme', status: 'wrong_value', message: 'x: wrong value at [0, 1] of shape [4, 6]: expected 0.25, got 0.5 (max abs error 0.25, max rel error 1; 24 of 24 elements off)' },
            ],
          },
        ],
      },
    ],
  };

  test('is read as the current version, and its words are shown as they were', () => {
    const r = readResults(v1);
    expect(r.version).toBe(RESULTS_VERSION);
    const item = r.labs[0].items[0];
    expect(itemMessage(item)).toBe(v1.labs[0].items[0].message);
    expect(formatTable(r, { view: 'student', width: 10000 })).toContain(v1.labs[0].items[0].message);
  });

  test('is refused when it is not a results file of a version this engine knows', () => {
    expect(() => readResults({ ...v1, version: 3 })).toThrow();
    expect(() => readResults({ ...v1, labs: [{ ...v1.labs[0], items: [{ ...v1.labs[0].items[0], cases: [{ label: 'x', status: 'wrong_value' }] }] }] })).toThrow(/message/);
  });
});
