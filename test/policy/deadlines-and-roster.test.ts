/**
 * `gradecheck batch` with a course policy, on a class made from the example students: an
 * assignment file with a due date, a grace period, 10% per day started (at most 50%), a cutoff
 * and an extension; a submission-times file; a roster. The final scores in grades.csv and in
 * each feedback.md are what the policy says of the raw scores; a roster student without a
 * submission is there with 0 and `missing`, a submission not on the roster is graded and
 * listed; the Canvas and Moodle imports follow their formats' header rules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCsv } from '../../graders/emit/csv';
import { studentDir } from '../../graders/batch/store';
import { CANVAS_FIXED_COLUMNS } from '../../graders/policy/lms';
import { batch } from '../../scripts/commands/batch';
import { FIXTURES, activationsPoints, captureIO, readGrades, removeTempDirs, run, tempDir } from '../batch/class';
import { policyAssignment } from '../support/course-policy';

const { max, pts } = activationsPoints();
const BOB_RAW = max - pts('tanh.backward') - pts('hidden.tanh.backward') - pts('relu.backward') / 2;

/** Each student: whose code (a fixture), when they submitted, and what the policy makes of it. */
const CLASS: Record<string, { code: string; at: string; status: string; penalty: number }> = {
  'on-time': { code: 'alice', at: '2025-10-25T23:00:00+02:00', status: 'on_time', penalty: 0 },
  'in-grace': { code: 'alice', at: '2025-10-26 00:09', status: 'grace', penalty: 0 }, // wall time, read in Europe/Berlin
  // 1 day late: the due date is 2025-10-25 23:59 CEST; the clocks go back that night, so day 1 ends at 2025-10-26 23:59 CET.
  'late-1': { code: 'bob', at: '2025-10-26T22:30:00Z', status: 'late', penalty: 10 },
  'late-3': { code: 'alice', at: '2025-10-28T12:00:00+01:00', status: 'late', penalty: 30 },
  'past-cutoff': { code: 'alice', at: '2025-11-03T09:00:00+01:00', status: 'past_cutoff', penalty: 100 },
  // Due 2025-10-28 23:59 for her: 2025-10-28 20:00 is on time.
  extended: { code: 'alice', at: '2025-10-28T20:00:00+01:00', status: 'on_time', penalty: 0 },
  'not-listed': { code: 'alice', at: '2025-10-25T10:00:00Z', status: 'on_time', penalty: 0 },
};
const ROSTERED = Object.keys(CLASS).filter((s) => s !== 'not-listed');

const ASSIGNMENT = policyAssignment('policy-test');

let out: string;
let grades: Record<string, Record<string, string>>;
let io: ReturnType<typeof captureIO>;
let code: number;

beforeAll(async () => {
  const dir = tempDir('policy');
  const subs = path.join(dir, 'submissions');
  for (const [student, s] of Object.entries(CLASS)) fs.cpSync(path.join(FIXTURES, s.code), path.join(subs, student), { recursive: true });
  fs.writeFileSync(path.join(dir, 'assignment.yaml'), ASSIGNMENT);
  fs.writeFileSync(path.join(dir, 'times.csv'), ['student,submitted_at', ...Object.entries(CLASS).map(([s, c]) => `${s},${c.at}`)].join('\n') + '\n');
  const roster = ['id,name,email,section,canvas_id,sis_user_id,sis_login_id', ...[...ROSTERED, 'absent'].map((s, i) => `${s},"${s}, Student",${s}@uni.example,L0${i % 2},${1000 + i},S${1000 + i},${s}-login`)];
  fs.writeFileSync(path.join(dir, 'roster.csv'), roster.join('\r\n') + '\r\n');
  out = path.join(dir, 'out');
  io = captureIO();
  code = await run(batch, [subs, '--out', out, '--assignment', path.join(dir, 'assignment.yaml'), '--submitted-at', path.join(dir, 'times.csv'), '--roster', path.join(dir, 'roster.csv'), '--jobs', '2'], io);
  grades = readGrades(out);
}, 300000);

afterAll(removeTempDirs);

const rawOf = (student: string) => (CLASS[student].code === 'bob' ? BOB_RAW : max);
const finalOf = (student: string) => (CLASS[student].status === 'past_cutoff' ? 0 : Math.round(rawOf(student) * (1 - CLASS[student].penalty / 100) * 1e6) / 1e6);

test('the batch succeeds and says how many were late', () => {
  expect(code).toBe(0);
  expect(io.stdout.join('\n')).toContain('deadline:  3 on time, 1 within grace, 2 late, 1 past the cutoff, 0 without a submission time');
});

test('grades.csv: raw score, lateness, penalty and final score as the policy says', () => {
  for (const student of Object.keys(CLASS)) {
    const row = grades[student];
    expect({ student, status: row.late_status, penalty: Number(row.penalty_percent) }).toEqual({ student, status: CLASS[student].status, penalty: CLASS[student].penalty });
    expect(Number(row.activations_raw)).toBe(rawOf(student));
    expect(Number(row.raw_total)).toBe(rawOf(student));
    expect(Number(row.activations)).toBeCloseTo(finalOf(student), 6);
    expect(Number(row.total)).toBeCloseTo(finalOf(student), 6);
    expect(Number(row.activations_max)).toBe(max);
    expect(Number(row.max)).toBe(max);
  }
  expect(grades['late-1'].late_periods).toBe('1');
  expect(grades['late-3'].late_periods).toBe('3');
  expect(grades.extended).toMatchObject({ extended: 'yes', due: '2025-10-28T23:59:00+01:00' });
  expect(grades['on-time']).toMatchObject({ extended: 'no', due: '2025-10-25T23:59:00+02:00', time_source: 'file', late_hours: '0' });
  expect(Number(grades['in-grace'].late_hours)).toBeCloseTo(10 / 60, 2);
});

test('the plain columns come first, as before; the course columns after', () => {
  const header = parseCsv(fs.readFileSync(path.join(out, 'grades.csv'), 'utf8'))[0];
  expect(header.slice(0, 6)).toEqual(['student', 'activations', 'total', 'max', 'status', 'message']);
  expect(header).toEqual(expect.arrayContaining(['activations_raw', 'activations_max', 'raw_total', 'submitted_at', 'late_status', 'late_hours', 'penalty_percent', 'roster']));
});

test("each student's feedback.md states the policy and their own numbers", () => {
  for (const student of Object.keys(CLASS)) {
    const feedback = fs.readFileSync(path.join(studentDir({ dir: out }, student), 'feedback.md'), 'utf8');
    expect(feedback).toContain('## Deadline');
    expect(feedback).toContain('Late: 10% of the score per day started after the due date, at most 50%.');
    expect(feedback).toContain(`**${finalOf(student)} / ${max}**`);
    expect(feedback.split('## Deadline').length).toBe(2);
  }
  const late1 = fs.readFileSync(path.join(studentDir({ dir: out }, 'late-1'), 'feedback.md'), 'utf8');
  expect(late1).toContain('1 day started, 10% of the score off');
  expect(late1).toContain('- **Due:** 2025-10-25 23:59 UTC+02:00 (Europe/Berlin).');
  expect(fs.readFileSync(path.join(studentDir({ dir: out }, 'extended'), 'feedback.md'), 'utf8')).toContain('- **Due:** 2025-10-28 23:59 UTC+01:00 (Europe/Berlin), your extension.');
  expect(fs.readFileSync(path.join(studentDir({ dir: out }, 'past-cutoff'), 'feedback.md'), 'utf8')).toContain('after the cutoff: the score is 0');
});

describe('the roster', () => {
  test('a student on the roster without a submission is in the gradebook with 0 and missing', () => {
    expect(grades.absent).toMatchObject({ status: 'missing', total: '0', activations: '0', max: String(max), roster: 'listed', late_status: 'missing' });
  });

  test('a submission not on the roster is graded and listed, never dropped', () => {
    expect(grades['not-listed']).toMatchObject({ roster: 'not_on_roster', status: 'graded', total: String(max) });
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toMatch(/\*\*Not on the roster\*\*[^\n]*not-listed/);
    expect(summary).toMatch(/Missing \(0 in the gradebook\): absent\./);
    expect(io.stdout.join('\n')).toMatch(/roster: +1 missing \(absent\); 1 not on the roster \(not-listed\)/);
  });

  test("Canvas's import: Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment, a Points Possible row, a row per roster student", () => {
    const [header, points, ...rows] = parseCsv(fs.readFileSync(path.join(out, 'canvas-import.csv'), 'utf8'));
    expect(header.slice(0, 5)).toEqual([...CANVAS_FIXED_COLUMNS]);
    expect(header.slice(5)).toEqual(['Lab 1 (4812)']); // "Name (assignment id)" updates that assignment
    expect(new Set(header).size).toBe(header.length);
    expect(points).toEqual(['Points Possible', '', '', '', '', String(max)]);
    expect(rows.map((r) => r[3])).toEqual([...ROSTERED, 'absent'].map((s) => `${s}-login`)); // the roster's order
    for (const r of rows) {
      expect(r).toHaveLength(header.length);
      expect(r[1]).toMatch(/^\d+$/); // Canvas matches by ID first
      expect(r[5]).toMatch(/^\d+(\.\d+)?$/); // a plain number, no total or read-only column
    }
    const row = (login: string) => rows.find((r) => r[3] === `${login}-login`)!;
    expect(row('late-3')[0]).toBe('late-3, Student');
    expect(Number(row('late-3')[5])).toBeCloseTo(finalOf('late-3'), 6);
    expect(row('absent')[5]).toBe('0');
    expect(rows.some((r) => r[3] === 'not-listed-login')).toBe(false);
  });

  test("Moodle's import: an identifier column (the user field) and a grade column per grade item, numbers with a decimal point", () => {
    const [header, ...rows] = parseCsv(fs.readFileSync(path.join(out, 'moodle-import.csv'), 'utf8'));
    expect(header).toEqual(['Email address', 'activations']);
    expect(rows.map((r) => r[0])).toEqual([...ROSTERED, 'absent'].map((s) => `${s}@uni.example`));
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
    for (const r of rows) expect(r[1]).toMatch(/^\d+(\.\d+)?$/);
    expect(Number(rows.find((r) => r[0] === 'late-1@uni.example')![1])).toBeCloseTo(finalOf('late-1'), 6);
  });
});
