/**
 * `batch --resume` after a rubric change grades again only the lab whose rubric changed: the
 * other labs' results are kept from the record (the same submission, graded under the same
 * expected values and settings), and the gradebook is the one a fresh batch would write. A
 * changed submission is still graded whole. Two labs in a copy of the harness: activations and
 * the small `losses` lab of test/support/losses-lab.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BatchReport, runBatch } from '../../graders/batch/batch';
import { studentDir } from '../../graders/batch/store';
import { lossesLab, writeFiles } from '../support/losses-lab';
import { ROOT } from '../support/paths';
import { makeClass, removeTempDirs, tempDir } from './class';

const env = { ...process.env, GRADECHECK_BATCH_KEY: '' };
const LABS = ['activations', 'losses'];
const STUDENTS = ['alice', 'bob'];
const NOW = new Date('2025-11-10T12:00:00Z');

/** A copy of the harness's grading inputs with the losses lab added (node_modules linked, so the expected-values cache is shared). */
function harnessWithLosses(): string {
  const root = path.join(tempDir('harness'), 'gradecheck');
  for (const part of ['labs', 'reference', 'rubrics', 'graders', 'fixtures/cases', 'fixtures/mutants', 'package.json', 'tsconfig.json']) fs.cpSync(path.join(ROOT, part), path.join(root, part), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  writeFiles(root, lossesLab());
  return root;
}

function editRubric(root: string, lab: string, edit: (text: string) => string): void {
  const file = path.join(root, 'rubrics', `${lab}.yaml`);
  const before = fs.readFileSync(file, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(file, after);
}

let root: string;
let submissions: string;
let out: string;

const resultsOf = (dir: string, student: string) => JSON.parse(fs.readFileSync(path.join(studentDir({ dir }, student), 'results.json'), 'utf8'));
const labOf = (dir: string, student: string, lab: string) => resultsOf(dir, student).labs.find((l: { lab: string }) => l.lab === lab);

/** A --resume run, with the labs each student was graded in. */
async function resume(): Promise<{ report: BatchReport; started: Record<string, string[]> }> {
  const started: Record<string, string[]> = {};
  const report = await runBatch({ root, submissions, out, labs: LABS, jobs: 2, env, now: NOW, resume: true, onEvent: (e) => e.type === 'started' && (started[e.student] = e.labs) });
  return { report, started };
}

beforeAll(async () => {
  root = harnessWithLosses();
  submissions = makeClass('per-lab', STUDENTS);
  // alice solved the losses lab too (points to keep); bob did not (its stubs: zero).
  writeFiles(path.join(submissions, 'alice'), { 'labs/losses/losses.ts': lossesLab()['reference/losses/losses.ts'] });
  out = path.join(tempDir('per-lab-out'), 'out');
  await runBatch({ root, submissions, out, labs: LABS, jobs: 2, env, now: NOW });
}, 300000);

afterAll(removeTempDirs);

test('a changed activations rubric: only activations is graded again, the losses results are kept', async () => {
  expect(labOf(out, 'alice', 'losses').score).toBeGreaterThan(0);
  const losses = Object.fromEntries(STUDENTS.map((s) => [s, labOf(out, s, 'losses')]));
  const activations = Object.fromEntries(STUDENTS.map((s) => [s, labOf(out, s, 'activations')]));
  // bob's tanh backward is wrong; a tolerance wide enough passes it: his activations score moves.
  editRubric(root, 'activations', (r) => r.replace('    cases: [{ seed: 4 }, { fixture: extreme }]', '    tolerance: { rtol: 1.0e-6, atol: 1.0e+12 }\n    cases: [{ seed: 4 }, { fixture: extreme }]'));

  const { report, started } = await resume();
  expect(started).toEqual({ alice: ['activations'], bob: ['activations'] });
  expect(report.partial).toEqual({ alice: ['activations'], bob: ['activations'] });
  expect(report.skipped).toEqual([]);
  for (const s of STUDENTS) expect([s, labOf(out, s, 'losses')]).toEqual([s, losses[s]]); // kept as they were, durations included
  expect(labOf(out, 'bob', 'activations').score).toBeGreaterThan(activations.bob.score);
  expect(report.regrade?.changed.map((c) => c.student)).toEqual(['bob']);

  // What was kept and what was graded again make the gradebook a fresh batch writes.
  const fresh = path.join(tempDir('per-lab-fresh'), 'out');
  await runBatch({ root, submissions, out: fresh, labs: LABS, jobs: 2, env, now: NOW });
  expect(fs.readFileSync(path.join(out, 'grades.csv'), 'utf8')).toBe(fs.readFileSync(path.join(fresh, 'grades.csv'), 'utf8'));
  for (const s of STUDENTS) expect(resultsOf(out, s).labs.map((l: { lab: string; score: number }) => [l.lab, l.score])).toEqual(resultsOf(fresh, s).labs.map((l: { lab: string; score: number }) => [l.lab, l.score]));
}, 300000);

test('then a changed losses rubric: only losses; and nothing changed: nobody', async () => {
  editRubric(root, 'losses', (r) => `${r}# points checked again by the course staff\n`);
  const changed = await resume();
  expect(changed.started).toEqual({ alice: ['losses'], bob: ['losses'] });

  const unchanged = await resume();
  expect(unchanged.started).toEqual({});
  expect(unchanged.report.skipped.sort()).toEqual(STUDENTS);
}, 300000);

test('a changed submission is graded again in every lab', async () => {
  fs.appendFileSync(path.join(submissions, 'bob', 'labs', 'activations', 'activations.ts'), '\n// a late edit\n');
  const { started, report } = await resume();
  expect(started).toEqual({ bob: LABS });
  expect(report.partial).toEqual({});
  expect(report.skipped).toEqual(['alice']);
}, 300000);
