/**
 * `gradecheck batch` on the example class (fixtures/submissions/, plus .zip students made in
 * class.ts): each student's score and status in grades.csv, the files written per student,
 * and the class summary. Scores are written in terms of the rubric's points, so they say which
 * items each student must lose.
 */
import * as fs from 'fs';
import * as path from 'path';
import { batch } from '../../scripts/commands/batch';
import { parseCsv } from '../../graders/emit/csv';
import { GradescopeResultsSchema } from '../../graders/emit/gradescope';
import { ResultsSchema } from '../../graders/engine/core/results';
import { studentDir } from '../../graders/batch/store';
import { FIXTURES, activationsPoints, captureIO, makeClass, readGrades, removeTempDirs, run, tempDir } from './class';

const { max, pts } = activationsPoints();

/** What the gradebook must say about each student. */
const EXPECTED: Record<string, { score: number; status: string }> = {
  alice: { score: max, status: 'graded' },
  // tanh derivative on the pre-activation (both tanh backward items), ReLU gradient 1 at 0 (one of two cases).
  bob: { score: max - pts('tanh.backward') - pts('hidden.tanh.backward') - pts('relu.backward') / 2, status: 'graded' },
  carol: { score: 0, status: 'graded' },
  dave: { score: 0, status: 'syntax_error' },
  erin: { score: 0, status: 'timed_out' },
  // Statuses come from what the grader observes: his hoard passes the memory limit within the
  // 2 s budget on an idle machine (out_of_memory); on a busy one filling 128 MB arrays is slower
  // and the budget ends first (timed_out). Either way gelu.backward, and only it, is lost.
  frank: { score: max - pts('gelu.backward'), status: expect.stringMatching(/^(out_of_memory|timed_out)$/) as unknown as string },
  // Her edited rubric, graders, reference and package.json change nothing: she loses the sigmoid backward items.
  grace: { score: max - pts('sigmoid.backward') - pts('hidden.sigmoid.backward'), status: 'graded' },
  heidi: { score: 0, status: 'crashed' },
  ivan: { score: max - pts('relu.forward'), status: 'threw' },
  mallory: { score: max - pts('leaky_relu.backward') - pts('gelu.forward'), status: 'timed_out+crashed' },
  peggy: { score: 0, status: 'forbidden_import' },
  // Olivia's own code, and pat's copy of it (renamed, reordered): both with the sigmoid derivative on x.
  olivia: { score: max - pts('sigmoid.backward') - pts('hidden.sigmoid.backward'), status: 'graded' },
  pat: { score: max - pts('sigmoid.backward') - pts('hidden.sigmoid.backward'), status: 'graded' },
  // GELU with 1.414 for sqrt(2), the same formula in both: forward and backward lost.
  quinn: { score: max - pts('gelu.forward') - pts('gelu.backward'), status: 'graded' },
  rosa: { score: max - pts('gelu.forward') - pts('gelu.backward'), status: 'graded' },
  judy: { score: max, status: 'graded' },
  kim: { score: 0, status: 'unsafe_zip' },
  leo: { score: 0, status: 'bad_zip' },
  nina: { score: 0, status: 'unsafe_zip' },
};

const FOLDERS = fs.readdirSync(FIXTURES).sort();
const ZIPS = ['judy', 'kim', 'leo', 'nina'];

describe('batch on the example class', () => {
  let out: string;
  let code: number;
  let io: ReturnType<typeof captureIO>;
  let grades: Record<string, Record<string, string>>;

  beforeAll(async () => {
    const submissions = makeClass('class', FOLDERS, ZIPS);
    out = path.join(tempDir('out'), 'gradebook');
    io = captureIO();
    code = await run(batch, [submissions, '--out', out, '--labs', 'activations', '--jobs', '2'], io);
    grades = readGrades(out);
  }, 120000);

  afterAll(removeTempDirs);

  test('fixtures/submissions holds the example students, at least 8', () => {
    expect(FOLDERS.length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(EXPECTED)).toEqual(expect.arrayContaining(FOLDERS));
  });

  test('grades every student: the score and status each one must get', () => {
    expect(code).toBe(0);
    const got = Object.fromEntries(Object.entries(grades).map(([s, row]) => [s, { score: Number(row.total), status: row.status }]));
    expect(got).toEqual(EXPECTED);
    for (const [student, row] of Object.entries(grades)) {
      expect(row.activations).toBe(row.total);
      expect(Number(row.max)).toBe(max);
      if (row.status !== 'graded') expect(row.message).not.toBe(''); // it says what happened
      else expect(row.message).toBe('');
      expect(student).toBe(row.student);
    }
  });

  test('the gradebook has a header of student, each lab, total, max, status', () => {
    const header = parseCsv(fs.readFileSync(path.join(out, 'grades.csv'), 'utf8'))[0];
    expect(header).toEqual(['student', 'activations', 'total', 'max', 'status', 'message']);
  });

  test('says what happened to the hostile ones', () => {
    expect(grades.erin.message).toMatch(/did not finish/);
    expect(grades.frank.message).toMatch(grades.frank.status === 'out_of_memory' ? /gelu\.backward.*memory/ : /gelu\.backward.*did not finish/);
    expect(grades.heidi.message).toMatch(/process\.exit/);
    expect(grades.ivan.message).toMatch(/relu\.forward.*(restricted|denied|ENOENT)/i);
    expect(grades.peggy.message).toContain('../../reference/activations/activations');
    expect(grades.kim.message).toContain('../../evil.ts');
  });

  test('writes each student\'s results, feedback and Gradescope results', () => {
    for (const student of Object.keys(EXPECTED)) {
      const dir = studentDir({ dir: out }, student);
      const results = ResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')));
      expect(results.score).toBe(EXPECTED[student].score);
      expect(results.submission).toBe(student);
      const gradescope = GradescopeResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'gradescope', 'results.json'), 'utf8')));
      expect(gradescope.score).toBe(EXPECTED[student].score);
      expect(fs.readFileSync(path.join(dir, 'feedback.md'), 'utf8')).toMatch(/^# gradecheck feedback/);
    }
  });

  test("the feedback shows hidden items only as their visibility says, and the fake score lines nowhere", () => {
    const bob = fs.readFileSync(path.join(studentDir({ dir: out }, 'bob'), 'feedback.md'), 'utf8');
    expect(bob).toContain('tanh.backward');
    expect(bob).not.toContain('hidden.tanh.backward');
    expect(bob).toMatch(/[\d.]+ \/ \d+ on \d+ hidden items?\)/); // in the total, by count and points only
    expect(bob).toMatch(/Diagnosis:/);
    const heidi = fs.readFileSync(path.join(studentDir({ dir: out }, 'heidi'), 'feedback.md'), 'utf8') + fs.readFileSync(path.join(studentDir({ dir: out }, 'heidi'), 'results.json'), 'utf8');
    expect(heidi).not.toContain('100/100');
    expect(heidi).not.toContain('20 passed');
  });

  test('the summary puts the items most of the class missed first, links the histogram, lists the failed and the slowest', () => {
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    const rates = [...summary.matchAll(/\| (\d+) \/ (\d+) \(\d+%\) \|/g)].map((m) => Number(m[1]) / Number(m[2]));
    expect(rates.length).toBeGreaterThan(10);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(summary).toContain('](histogram.svg)');
    expect(fs.readFileSync(path.join(out, 'histogram.svg'), 'utf8')).toMatch(/^<svg/);
    expect(summary).toMatch(/## Submissions with problems[\s\S]*\| erin \| timed_out \|/);
    expect(summary).toMatch(/## Slowest submissions\n\n[^\n]*\n[^\n]*\n\| erin \|/); // the load-time loop costs the most
  });

  test('prints where everything is, and one plain line per student when not on a terminal', () => {
    const count = Object.keys(EXPECTED).length;
    expect(io.stdout.join('\n')).toContain(`graded ${count} submissions`);
    expect(io.stderr.filter((l) => new RegExp(`^\\[\\d+/${count}\\] `).test(l))).toHaveLength(count);
    // The class report, with its signals: olivia and pat's code, quinn and rosa's numbers (test/report/ has the details).
    expect(io.stdout.join('\n')).toMatch(/report: +\S*report\.html \(1 similar pair, 1 group with identical wrong numbers; written in/);
  });
});
