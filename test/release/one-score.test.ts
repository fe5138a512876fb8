/**
 * One score, told the same way everywhere. One submission (known mistakes, some in hidden
 * items), with hidden and after_due_date items, graded before the lab's due date: by `batch`
 * (grades.csv, feedback.md, Gradescope's results.json), and by the CI step in a deadline run
 * and in a push. The score table, feedback.md, grades.csv, Gradescope's results.json, GitHub
 * Classroom's result (decoded, through both of its reporter's formulas) and Classroom 50's
 * result.json agree on each total they show, and each that leaves something out says what and
 * how much. A push shows nothing of a hidden item but the count and points of them all.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runBatch } from '../../graders/batch/batch';
import { studentDir } from '../../graders/batch/store';
import { ClassroomResult, decodeClassroomResult, reporterLogPoints, reporterNoticePoints, toClassroom } from '../../graders/emit/classroom';
import { Classroom50ResultSchema, classroom50Context, toClassroom50 } from '../../graders/emit/classroom50';
import { parseCsv } from '../../graders/emit/csv';
import { GradescopeResultsSchema } from '../../graders/emit/gradescope';
import { loadLab } from '../../graders/engine/core/labs';
import { formatTable } from '../../graders/emit/score-table';
import { Results, ResultsSchema } from '../../graders/engine/core/results';
import { formatPoints, totals } from '../../graders/engine/core/totals';
import { studentView } from '../../graders/release/redact';
import { gradeForCi } from '../../graders/release/runtime/ci';
import { parseOutputs } from '../../graders/release/runtime/github';
import { ROOT } from '../support/paths';
import { mutantSubmission, tempDir } from './support';

const LAB = 'activations';
const lab = loadLab(ROOT, LAB);
/** A month before the lab's due date: after_due_date items are not shown yet. */
const NOW = new Date(Date.parse(lab.rubric.due!) - 30 * 24 * 3600 * 1000);
const unshown = lab.rubric.items.filter((it) => it.visibility !== 'visible');
const unshownPoints = unshown.reduce((s, it) => s + it.points, 0);
const fp = formatPoints;

let base: string;
let submission: string;
let results: Results;
let batchDir: string;

/** The runners the CI step left for the reporter: $GITHUB_OUTPUT's `runners`, each `<ID>_RESULTS` from $GITHUB_ENV. */
function reporterInputs(runner: string): ClassroomResult[] {
  const outputs = parseOutputs(fs.readFileSync(path.join(runner, 'output'), 'utf8'));
  const env = parseOutputs(fs.readFileSync(path.join(runner, 'env'), 'utf8'));
  return outputs.runners.split(',').map((id) => decodeClassroomResult(env[`${id.toUpperCase()}_RESULTS`]));
}

async function ciRun(name: string, extra: Record<string, string> = {}) {
  const runner = path.join(base, name);
  fs.mkdirSync(runner);
  for (const f of ['env', 'output', 'summary.md']) fs.writeFileSync(path.join(runner, f), '');
  const lines: string[] = [];
  const outcome = await gradeForCi({
    graders: ROOT,
    submission,
    out: path.join(runner, 'gradecheck'),
    labs: [LAB],
    now: NOW,
    write: (t) => lines.push(t),
    env: {
      GRADECHECK_SANDBOX: 'permission',
      GITHUB_ENV: path.join(runner, 'env'),
      GITHUB_OUTPUT: path.join(runner, 'output'),
      GITHUB_STEP_SUMMARY: path.join(runner, 'summary.md'),
      GRADECHECK_CLASSROOM50_RESULT: path.join(runner, 'c50.json'),
      GITHUB_REPOSITORY: 'course-org/labs-alice',
      GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      ...extra,
    },
  });
  const artifact = path.join(runner, 'gradecheck');
  return {
    outcome,
    stdout: lines.join('\n'),
    summary: fs.readFileSync(path.join(runner, 'summary.md'), 'utf8'),
    runners: reporterInputs(runner),
    c50: Classroom50ResultSchema.parse(JSON.parse(fs.readFileSync(path.join(runner, 'c50.json'), 'utf8'))),
    everything: [lines.join('\n'), ...['env', 'output', 'summary.md', 'c50.json'].map((f) => fs.readFileSync(path.join(runner, f), 'utf8')), ...fs.readdirSync(artifact).map((f) => fs.readFileSync(path.join(artifact, f), 'utf8'))].join('\n'),
  };
}

/** The two totals GitHub Classroom's reporter computes: its log's, and its notice's (which Classroom records). */
function expectReporterTotals(runners: ClassroomResult[], total: { score: number; max_score: number }) {
  const log = reporterLogPoints(runners);
  const notice = reporterNoticePoints(runners);
  expect(log.max).toBe(total.max_score);
  expect(notice.max).toBe(total.max_score);
  expect(log.points).toBeCloseTo(total.score, 5);
  expect(notice.points).toBeCloseTo(total.score, 5);
  // As they are printed: "Total points for ...: x.xx/y" per runner (toFixed(2)) and "Points x/y".
  expect(log.points.toFixed(2)).toBe(total.score.toFixed(2));
}

/** Classroom 50's collector total, at the scale that makes every point whole, is gradecheck's. */
function expectClassroom50Total(c50: { score: number; 'max-score': number }, total: { score: number; max_score: number }) {
  const scale = c50['max-score'] / total.max_score;
  expect(Number.isInteger(scale)).toBe(true);
  expect(c50.score / scale).toBeCloseTo(total.score, 5);
}

beforeAll(async () => {
  base = tempDir('one-score');
  const classDir = path.join(base, 'class');
  submission = path.join(classDir, 'alice');
  mutantSubmission(LAB, submission);
  batchDir = path.join(base, 'gradebook');
  const env = { ...process.env };
  delete env.GRADECHECK_BATCH_KEY;
  await runBatch({ root: ROOT, submissions: classDir, out: batchDir, labs: [LAB], jobs: 1, sandbox: 'permission', now: NOW, env });
  results = ResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(studentDir({ dir: batchDir }, 'alice'), 'results.json'), 'utf8')));
}, 300000);

afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe('one submission with hidden and after_due_date items, graded before the due date', () => {
  test('the score table, feedback.md, grades.csv, Gradescope, GitHub Classroom and Classroom 50 agree on each total they show', async () => {
    const t = totals(results, { view: 'student', now: NOW });
    // What makes this a test: points lost in listed and in unlisted items, partial credit somewhere.
    expect(t.hidden.items).toBe(unshown.length);
    expect(t.hidden.max_score).toBe(unshownPoints);
    expect(t.shown.score).toBeLessThan(t.shown.max_score);
    expect(t.hidden.score).toBeLessThan(t.hidden.max_score);
    expect(t.hidden.score).toBeGreaterThan(0);
    expect(results.labs[0].items.some((i) => i.score > 0 && i.score < i.max_score)).toBe(true);
    const total = { score: results.score, max_score: results.max_score };
    expect(total.score).toBeCloseTo(t.shown.score + t.hidden.score, 6);
    const parts = `${fp(t.shown.score)} / ${fp(t.shown.max_score)} on the ${t.shown.items} items listed (${t.passed} passed), ${fp(t.hidden.score)} / ${fp(t.hidden.max_score)} on ${t.hidden.items} hidden items`;

    // The score table and feedback.md: the total, and what it is made of.
    const table = formatTable(results, { view: 'student', now: NOW });
    expect(table).toContain(`Total: ${fp(total.score)} / ${fp(total.max_score)} (${((100 * total.score) / total.max_score).toFixed(1)}%)  ${parts}`);
    const feedback = fs.readFileSync(path.join(studentDir({ dir: batchDir }, 'alice'), 'feedback.md'), 'utf8');
    expect(feedback).toContain(`**Total: ${fp(total.score)} / ${fp(total.max_score)}** (${parts})`);
    expect(feedback).toContain(`## ${LAB}: ${lab.rubric.title} (${fp(total.score)} / ${fp(total.max_score)})`);

    // grades.csv: the same total, out of the same maximum.
    const [header, row] = parseCsv(fs.readFileSync(path.join(batchDir, 'grades.csv'), 'utf8'));
    const cell = (name: string) => Number(row[header.indexOf(name)]);
    expect([cell(LAB), cell('total'), cell('max')]).toEqual([total.score, total.score, total.max_score]);

    // Gradescope: its score is the total; its always-visible output totals the visible items and
    // says what else is in the score, by count and points only.
    const gradescope = GradescopeResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(studentDir({ dir: batchDir }, 'alice'), 'gradescope', 'results.json'), 'utf8')));
    expect(gradescope.score).toBe(total.score);
    expect(gradescope.tests.reduce((s, x) => s + x.score, 0)).toBeCloseTo(total.score, 6);
    const hiddenOnly = unshown.filter((it) => it.visibility === 'hidden');
    const late = unshown.filter((it) => it.visibility === 'after_due_date');
    expect(gradescope.output).toContain(`Visible items: ${fp(t.shown.score)} / ${fp(t.shown.max_score)}`);
    expect(gradescope.output).toContain(`+ ${hiddenOnly.length} hidden items (${hiddenOnly.reduce((s, it) => s + it.points, 0)} points), never shown: graded, and in the score`);
    expect(gradescope.output).toContain(`+ ${late.length} item (${late[0].points} point), shown after the due date: graded, and in the score`);
    expect(gradescope.output).not.toContain(fp(t.hidden.score) + ' / ');

    // GitHub Classroom and Classroom 50, from the student view: the total, hidden items together.
    const view = studentView(results, NOW);
    expectReporterTotals(toClassroom(view, { now: NOW }).map((r) => r.result), total);
    const c50 = Classroom50ResultSchema.parse(toClassroom50(view, { ...classroom50Context({}, { labs: [LAB], now: NOW }), now: NOW }));
    expectClassroom50Total(c50, total);

    // The CI step's deadline run grades the same, and tells it the same way.
    const deadline = await ciRun('deadline', { GRADECHECK_GRADE_HIDDEN: 'true' });
    expect(deadline.outcome.results.score).toBe(total.score);
    expect(deadline.outcome.results.max_score).toBe(total.max_score);
    expect(deadline.stdout).toContain(`Total: ${fp(total.score)} / ${fp(total.max_score)} (${((100 * total.score) / total.max_score).toFixed(1)}%)  ${parts}`);
    expect(deadline.summary).toContain(`**Total: ${fp(total.score)} / ${fp(total.max_score)}** (${parts})`);
    expectReporterTotals(deadline.runners, total);
    expectClassroom50Total(deadline.c50, total);
    // Even then, no hidden item one by one.
    for (const it of unshown) expect(deadline.everything).not.toContain(it.id);
  }, 300000);

  test('a push grades what the student may see, and says of the hidden items only how many and how much', async () => {
    const t = totals(results, { view: 'student', now: NOW });
    const push = await ciRun('push');
    const listed = { score: t.shown.score, max_score: t.shown.max_score };
    expect([push.outcome.results.score, push.outcome.results.max_score]).toEqual([listed.score, listed.max_score]);
    expect(push.outcome.results.labs[0].pending).toEqual({ items: unshown.length, max_score: unshownPoints });
    const pending = `+ ${fp(unshownPoints)} hidden points (${unshown.length} items), graded after the deadline`;
    expect(push.stdout).toContain(`Total: ${fp(listed.score)} / ${fp(listed.max_score)} (${((100 * listed.score) / listed.max_score).toFixed(1)}%)  ${t.passed} of ${t.shown.items} items passed\n${pending}`);
    expect(push.summary).toContain(`**Total: ${fp(listed.score)} / ${fp(listed.max_score)}** (${t.passed} of ${t.shown.items} items passed)`);
    expect(push.summary).toContain(`${pending}.`);
    // Classroom and Classroom 50 show the listed total, the one the table and summary show.
    expectReporterTotals(push.runners, listed);
    expect(push.runners.length).toBe(t.shown.items);
    expectClassroom50Total(push.c50, listed);
    // An annotation per failed listed item, and nothing else.
    const failed = results.labs[0].items.filter((i) => i.visibility === 'visible' && i.status !== 'passed');
    expect(push.stdout.split('\n').filter((l) => l.startsWith('::error')).length).toBe(failed.length);
    // Nothing anywhere names a hidden item, its title, or anything it did.
    for (const it of unshown) {
      expect(push.everything).not.toContain(it.id);
      expect(push.everything).not.toContain(it.title);
    }
    expect(push.everything).not.toMatch(/hidden item \d|hidden-\d/);
  }, 300000);
});
