/**
 * The regrade report: a class graded once, then the rubric changed in a copy of the harness
 * (a tolerance widened on a visible item, a case added to a hidden item), and `batch --resume`
 * run again. regrade.md and regrade.json list exactly the students whose scores changed, with
 * the change in each, the items that moved, and the rubric change that caused it; the earlier
 * gradebook is kept as grades.previous.csv. `explain` then answers from the new record.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runBatch } from '../../graders/batch/batch';
import { studentDir } from '../../graders/batch/store';
import type { RegradeReport } from '../../graders/policy/regrade';
import { explain } from '../../scripts/commands/explain';
import { ROOT } from '../support/paths';
import { captureIO, makeClass, readGrades, removeTempDirs, run, tempDir } from '../batch/class';

const env = { ...process.env, GRADECHECK_BATCH_KEY: '' };
const STUDENTS = ['alice', 'bob', 'carol'];

/** A copy of the harness's grading inputs (node_modules linked), with `edit` applied to the activations rubric. */
function harnessCopy(edit: (rubric: string) => string): string {
  const root = path.join(tempDir('harness'), 'gradecheck');
  for (const part of ['labs', 'reference', 'rubrics', 'graders', 'fixtures/cases', 'fixtures/mutants', 'package.json', 'tsconfig.json']) fs.cpSync(path.join(ROOT, part), path.join(root, part), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  const rubric = path.join(root, 'rubrics', 'activations.yaml');
  const before = fs.readFileSync(rubric, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(rubric, after);
  return root;
}

const TANH_CASES = '    cases: [{ seed: 4 }, { fixture: extreme }]';
const HIDDEN_TANH_CASES = '    cases: [{ seed: 102, shapes: { x: [7] } }]';

let out: string;
let first: string;
let report: RegradeReport;
let itemsBefore: Record<string, Record<string, number>>;
let itemsAfter: Record<string, Record<string, number>>;

const itemScores = (student: string) => {
  const results = JSON.parse(fs.readFileSync(path.join(studentDir({ dir: out }, student), 'results.json'), 'utf8'));
  return Object.fromEntries(results.labs[0].items.map((i: { id: string; score: number }) => [i.id, i.score])) as Record<string, number>;
};

beforeAll(async () => {
  const submissions = makeClass('regrade', STUDENTS);
  out = path.join(tempDir('regrade-out'), 'out');
  const original = harnessCopy((r) => r.replace('# Lab 1', '# (a copy) Lab 1'));
  await runBatch({ root: original, submissions, out, labs: ['activations'], jobs: 2, env });
  first = fs.readFileSync(path.join(out, 'grades.csv'), 'utf8');
  itemsBefore = Object.fromEntries(STUDENTS.map((s) => [s, itemScores(s)]));
  const changed = harnessCopy((r) =>
    r
      .replace(TANH_CASES, `    tolerance: { rtol: 1.0e-6, atol: 1.0e+12 }\n${TANH_CASES}`)
      .replace(HIDDEN_TANH_CASES, '    cases: [{ seed: 102, shapes: { x: [7] } }, { seed: 105, shapes: { x: [4] }, scale: 0.001 }]'),
  );
  const again = await runBatch({ root: changed, submissions, out, labs: ['activations'], jobs: 2, env, resume: true });
  report = again.regrade!;
  itemsAfter = Object.fromEntries(STUDENTS.map((s) => [s, itemScores(s)]));
}, 400000);

afterAll(removeTempDirs);

test('the earlier gradebook is kept beside the new one', () => {
  expect(fs.readFileSync(path.join(out, 'grades.previous.csv'), 'utf8')).toBe(first);
  expect(fs.existsSync(path.join(out, 'regrade.md'))).toBe(true);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'regrade.json'), 'utf8'))).toEqual(report);
});

test('the rubric changes are named, item by item', () => {
  expect(report.inputs).toEqual(
    expect.arrayContaining([expect.stringMatching(/^rubrics\/activations\.yaml changed/), expect.stringMatching(/^item tanh\.backward: tolerance .*"atol":1e-9.* → .*"atol":1000000000000/), 'item hidden.tanh.backward: cases changed (a hidden item)']),
  );
});

test('regrade lists exactly the students whose totals changed, with the right deltas', () => {
  const before = (() => {
    const dir = tempDir('previous');
    fs.writeFileSync(path.join(dir, 'grades.csv'), first);
    return readGrades(dir);
  })();
  const after = readGrades(out);
  const moved = STUDENTS.filter((s) => before[s].total !== after[s].total);
  expect(report.changed.map((c) => c.student).sort()).toEqual(moved);
  // bob computes the tanh derivative on the pre-activation: the wider tolerance forgives it on the
  // visible item's random case, and the new hidden case's tiny inputs hide it; alice keeps full
  // marks and carol's stubs still score 0.
  expect(moved).toContain('bob');
  expect(moved).not.toContain('alice');
  expect(moved).not.toContain('carol');
  for (const c of report.changed) {
    expect(c.delta).toBeCloseTo(Number(after[c.student].total) - Number(before[c.student].total), 6);
    expect(c.before).toBe(Number(before[c.student].total));
    expect(c.after).toBe(Number(after[c.student].total));
    // The items listed are those whose score moved in results.json, with their scores before and after.
    const movedItems = Object.keys(itemsAfter[c.student]).filter((id) => itemsBefore[c.student][id] !== itemsAfter[c.student][id]);
    expect(c.items.map((i) => i.item).sort()).toEqual(movedItems.sort());
    for (const i of c.items) expect([i.before, i.after]).toEqual([itemsBefore[c.student][i.item] ?? null, itemsAfter[c.student][i.item]]);
  }
  const bob = report.changed.find((c) => c.student === 'bob')!;
  expect(bob.items.map((i) => i.item)).toEqual(expect.arrayContaining(['hidden.tanh.backward']));
  expect(bob.causes).toEqual(expect.arrayContaining(['item hidden.tanh.backward: cases changed (a hidden item)']));
  expect(report.unchanged).toBe(STUDENTS.length - moved.length);

  const md = fs.readFileSync(path.join(out, 'regrade.md'), 'utf8');
  const rows = md.split('\n').filter((l) => /^\| (alice|bob|carol) \|/.test(l));
  expect(rows.map((l) => l.split('|')[1].trim()).sort()).toEqual(moved);
  const bobRow = rows.find((l) => l.startsWith('| bob |'))!;
  expect(bobRow).toContain(`| ${before.bob.total} | ${after.bob.total} | +${bob.delta} |`);
  expect(bobRow).toContain('hidden.tanh.backward');
});

test('explain answers from the record: outcomes, evidence, the rubric version', async () => {
  const io = captureIO();
  expect(await run(explain, ['--student', 'bob', '--out', out], io)).toBe(0);
  const text = io.stdout.join('\n');
  const book = JSON.parse(fs.readFileSync(path.join(out, 'gradebook.json'), 'utf8'));
  expect(text).toContain(`activations: `);
  expect(text).toContain(`rubric ${book.provenance.labs.activations.rubric}`);
  expect(text).toMatch(/FAIL relu\.backward +1 \/ 2 +wrong_value/);
  expect(text).toMatch(/case .*at_zero.*: wrong_value/);
  expect(text).toMatch(/ok +sigmoid\.forward +1 \/ 1 +passed/);
  expect(text).toContain('Deadline policy: none');

  const missing = captureIO();
  await expect(run(explain, ['--student', 'nobody', '--out', out], missing)).rejects.toThrow(/no student "nobody"/);
  const help = captureIO();
  const { main } = await import('../../scripts/cli');
  expect(await main(['explain', '--help'], help)).toBe(0);
  expect(help.stdout.join('\n')).toMatch(/--student ID[\s\S]*--out DIR[\s\S]*Exit codes/);
});
