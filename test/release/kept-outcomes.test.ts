/**
 * A student's `npm test` does not grade again a lab whose code and graders did not change
 * since the last run (graders/engine/jest/reuse.ts): the outcome is the one grading gave, the
 * score table says it was kept, and any change to the lab's files, `--no-cache`, CI, or an
 * outcome that depends on the machine (a timeout) means grading again.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Results, ResultsSchema } from '../../graders/engine/core/results';
import { keep, readKept } from '../../graders/engine/jest/reuse';
import { buildRelease } from '../../graders/release/build';
import { ROOT } from '../support/paths';
import { cleanEnv, installRelease, run, tempDir } from './support';

const LAB = 'activations';
const KEPT = 'nothing this lab depends on changed since your last run';
let dir: string;

beforeAll(async () => {
  dir = path.join(tempDir('kept'), 'student');
  await buildRelease({ root: ROOT, out: dir, labs: [LAB] });
  fs.cpSync(path.join(ROOT, 'reference', LAB), path.join(dir, 'labs', LAB), { recursive: true });
  installRelease(dir);
}, 300000);

afterAll(() => {
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

function npmTest(args: string[] = [], extra: Record<string, string> = {}): { out: string; results: Results } {
  const json = path.join(path.dirname(dir), `results-${Date.now()}.json`);
  const env = cleanEnv({ GRADECHECK_JSON: json, GRADECHECK_SANDBOX: 'permission', ...extra });
  delete env.CI;
  Object.assign(env, extra);
  const r = run(process.execPath, [require.resolve('jest/bin/jest', { paths: [dir] }), ...args], { cwd: dir, env });
  return { out: r.stdout + r.stderr, results: ResultsSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8'))) };
}

const outcomes = (r: Results) => r.labs.map((l) => ({ lab: l.lab, score: l.score, items: l.items.map(({ id, status, score, message }) => ({ id, status, score, message })) }));

test('an unchanged lab keeps its outcome; a changed file, --no-cache or CI grade it again', () => {
  const first = npmTest();
  expect(first.out).not.toContain(KEPT);
  expect(first.results.labs[0].score).toBe(first.results.labs[0].max_score);

  const second = npmTest();
  expect(second.out).toContain(KEPT);
  expect(outcomes(second.results)).toEqual(outcomes(first.results));

  expect(npmTest(['--no-cache']).out).not.toContain(KEPT);
  expect(npmTest([], { CI: 'true' }).out).not.toContain(KEPT);

  // A wrong sign in sigmoid: graded again, and the new outcome is the wrong code's.
  const file = path.join(dir, 'labs', LAB, 'activations.ts');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, `${text.replace('export function sigmoidForward(', 'function sigmoidRight(')}\nexport function sigmoidForward(x: Tensor): Tensor {\n  const y = sigmoidRight(x);\n  return { ...y, data: y.data.map((v) => 1 - v) };\n}\n`);
  const changed = npmTest();
  expect(changed.out).not.toContain(KEPT);
  expect(changed.results.labs[0].items.find((i) => i.id === 'sigmoid.forward')?.status).not.toBe('passed');
}, 300000);

test('an outcome that depends on the machine (a timeout, memory, a crash) is never kept', () => {
  const root = tempDir('kept-unit');
  const plan = { format: 'gradecheck/jest-plan' as const, lab: LAB, describe: LAB, tests: [] };
  const item = { id: 'a', title: 'a', score: 0, max_score: 1, status: 'timed_out' as const, message: '', visibility: 'visible' as const, duration_ms: 1, cases: [] };
  const result = { lab: LAB, title: LAB, score: 0, max_score: 1, status: 'graded', message: '', notes: [], items: [item] } as unknown as Results['labs'][number];
  keep(root, LAB, 'k1', { plan, result });
  expect(readKept(root, LAB, 'k1')).toBeUndefined();
  keep(root, LAB, 'k2', { plan, result: { ...result, items: [{ ...item, status: 'wrong_value' }] } as typeof result });
  expect(readKept(root, LAB, 'k2')?.result.items[0].status).toBe('wrong_value');
  fs.rmSync(root, { recursive: true, force: true });
});
