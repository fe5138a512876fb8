/**
 * Grading whole submissions of the activations lab: hostile code costs only the items it is
 * in, syntax errors are reported with their place, and gradient feedback tells a wrong
 * forward from a wrong backward.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectedFor } from '../../graders/engine/core/expected';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { gradeStudent } from '../../graders/batch/grade-student';
import { loadLab } from '../../graders/engine/core/labs';
import { ResultsSchema } from '../../graders/engine/core/results';
import { ROOT } from '../support/paths';
import { activationsSubmission } from '../support/submissions';

const submission = activationsSubmission;

const grade = (dir: string) => gradeSubmission({ root: ROOT, submission: dir, labs: ['activations'] });
const byId = (r: Awaited<ReturnType<typeof grade>>) => Object.fromEntries(r.labs[0].items.map((i) => [i.id, i]));

beforeAll(async () => {
  await expectedFor(ROOT, loadLab(ROOT, 'activations')); // computed once, so the timings below are grading only
}, 60000);

test('an infinite loop in one function and process.exit in another cost those two items only, within three item timeouts', async () => {
  const lab = loadLab(ROOT, 'activations');
  const itemTimeout = Math.max(...lab.rubric.items.map((i) => i.timeout));
  const started = Date.now();
  const r = await grade(path.join(ROOT, 'fixtures', 'submissions', 'mallory'));
  const seconds = (Date.now() - started) / 1000;
  expect(seconds).toBeLessThan(3 * itemTimeout);
  const items = byId(r);
  expect(items['leaky_relu.backward'].status).toBe('timed_out');
  expect(items['gelu.forward'].status).toBe('crashed');
  expect(items['gelu.forward'].message).toContain('process.exit');
  for (const item of r.labs[0].items.filter((i) => !['leaky_relu.backward', 'gelu.forward'].includes(i.id))) {
    expect([item.id, item.status, item.score]).toEqual([item.id, 'passed', item.max_score]);
  }
  expect(r.score).toBe(r.max_score - items['leaky_relu.backward'].max_score - items['gelu.forward'].max_score);
});

test('a correct submission gets full marks and a results file the schema accepts', async () => {
  const r = await grade(path.join(ROOT, 'fixtures', 'submissions', 'alice'));
  expect(r.score).toBe(r.max_score);
  expect(ResultsSchema.safeParse(JSON.parse(JSON.stringify(r))).success).toBe(true);
});

test('a syntax error fails every item of the lab with its file and line, without running anything', async () => {
  const r = await grade(submission([['return map(x, Math.tanh);', 'return map(x, Math.tanh;']]));
  expect(r.labs[0].status).toBe('syntax_error');
  expect(r.labs[0].message).toBe("syntax error at labs/activations/activations.ts:36:26: ')' expected.");
  expect(new Set(r.labs[0].items.map((i) => i.status))).toEqual(new Set(['syntax_error']));
  expect(r.score).toBe(0);
});

test('a forward that is right with a backward that is wrong: the feedback blames the backward, and names the mistake', async () => {
  const r = await grade(submission([['return g * y * (1 - y);', 'return g * y * (1 - xi);']]));
  const item = byId(r)['sigmoid.backward'];
  expect(item.status).toBe('wrong_value');
  expect(item.message).toContain('Your forward is right, but your backward disagrees with finite differences of it');
  expect(item.diagnosis).toContain('uses x where it needs sigmoid(x)');
  expect(byId(r)['sigmoid.forward'].status).toBe('passed');
});

test('a wrong forward with a backward consistent with it: the feedback says to fix the forward first', async () => {
  // sigmoid(2x) everywhere, and its true derivative 2 s (1 - s): self-consistent, but not sigmoid.
  const r = await grade(
    submission([
      ['if (x >= 0) return 1 / (1 + Math.exp(-x));\n  const e = Math.exp(x);', 'x = 2 * x;\n  if (x >= 0) return 1 / (1 + Math.exp(-x));\n  const e = Math.exp(x);'],
      ['return g * y * (1 - y);', 'return 2 * g * y * (1 - y);'],
    ]),
  );
  const items = byId(r);
  expect(items['sigmoid.forward'].status).toBe('wrong_value');
  expect(items['sigmoid.backward'].message).toContain('Your backward agrees with finite differences of your own forward, but your forward is wrong');
});

test('hidden items are graded but their visibility travels with them', async () => {
  const r = await grade(path.join(ROOT, 'fixtures', 'submissions', 'alice'));
  const visibility = Object.fromEntries(r.labs[0].items.map((i) => [i.id, i.visibility]));
  expect(visibility['hidden.sigmoid.backward']).toBe('hidden');
  expect(visibility['hidden.softmax_temperature.backward']).toBe('after_due_date');
});

test('type errors are notes in the feedback, not a crash: the code still runs and is graded', async () => {
  const dir = submission([['export function tanhForward(x: Tensor): Tensor {', 'export function tanhForward(x: Tensor): Tensor {\n  const unused: number = "not a number";']]);
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations'], typecheck: true });
  expect(r.score).toBe(r.max_score);
  expect(r.labs[0].notes).toEqual([expect.stringMatching(/^type error at labs\/activations\/activations\.ts:\d+:\d+: Type 'string' is not assignable to type 'number'\.$/)]);
});

test('labs graded two at a time give the same results, in the order of the selection, as one at a time', async () => {
  // bob: the reference with known mistakes in activations; the other labs are the stubs.
  const labs = ['activations', 'backprop', 'transformer'];
  const strip = (r: Awaited<ReturnType<typeof grade>>) => r.labs.map((l) => [l.lab, l.score, l.status, l.items.map((i) => [i.id, i.status, i.score, i.message])]);
  const dir = path.join(ROOT, 'fixtures', 'submissions', 'bob');
  const started: string[] = [];
  const together = await gradeSubmission({ root: ROOT, submission: dir, labs, concurrency: 2, onLab: (lab) => started.push(lab) });
  const alone = await gradeSubmission({ root: ROOT, submission: dir, labs });
  expect(together.labs.map((l) => l.lab)).toEqual(labs);
  expect(strip(together)).toEqual(strip(alone));
  expect(together.labs[0].score).toBeLessThan(together.labs[0].max_score); // the mistakes are found
  expect([...started].sort()).toEqual([...labs].sort());
}, 120000);

// Given code (labs/<lab>/provided/) is the harness's wherever a submission is graded: from its
// folder (grade, the release's CI) and from what a batch's intake took into memory.
test("a submission's copy of the labs' given code is never what runs, whether graded from its folder or in a batch", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'given-code-'));
  fs.cpSync(path.join(ROOT, 'reference', 'attention'), path.join(dir, 'labs', 'attention'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labs', 'attention', 'provided'), { recursive: true });
  // The student's decoder imports it: run, this copy would fail the whole lab as it loads.
  fs.writeFileSync(path.join(dir, 'labs', 'attention', 'provided', 'batch.ts'), "throw new Error('an edited copy of given code');\n");
  const folder = await gradeSubmission({ root: ROOT, submission: dir, labs: ['attention'], sandbox: 'permission' });
  const batch = await gradeStudent({ student: 'alice', path: dir, kind: 'folder' }, { root: ROOT, labs: ['attention'], sandbox: 'permission', memoryMb: 512, typecheck: false });
  for (const [from, r] of [['folder', folder], ['batch', batch.results]] as const) {
    expect([from, r.labs[0].items.filter((i) => i.status !== 'passed').map((i) => `${i.id}: ${i.message}`)]).toEqual([from, []]);
    expect([from, r.score]).toEqual([from, r.max_score]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 120000);
