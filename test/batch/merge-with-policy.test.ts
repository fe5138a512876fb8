/**
 * A course graded in shards: `batch --shard i/2` with an assignment's deadline policy, a roster
 * and a submission-times file on each half of the class, then `merge`, gives byte for byte what
 * one batch of the whole class gives: grades.csv with the course's columns, gradebook.json, the
 * Canvas and Moodle imports, each student's feedback.md with its deadline section, and the
 * summary's course lines. Shards graded under another roster (or whose course.json was edited)
 * are refused, never merged into a gradebook that mixes two policies.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runBatch } from '../../graders/batch/batch';
import { mergeShards } from '../../graders/batch/merge';
import { shardOf } from '../../graders/batch/shard';
import { storeKey, studentDir } from '../../graders/batch/store';
import { loadAssignment } from '../../graders/engine/core/assignment';
import { COURSE_FILE, CourseInputs, readCourseInputs, writeCourseInputs } from '../../graders/policy/apply';
import { main } from '../../scripts/cli';
import { ROOT } from '../support/paths';
import { FIXTURES, captureIO, readGrades, removeTempDirs, tempDir } from './class';
import { policyAssignment } from '../support/course-policy';

/** Each submission: whose code (a fixture) and when it came; the names spread over both shards. */
const CLASS: Record<string, { code: string; at: string }> = {
  'on-time': { code: 'alice', at: '2025-10-25T23:00:00+02:00' },
  'in-grace': { code: 'alice', at: '2025-10-26 00:09' },
  'late-1': { code: 'bob', at: '2025-10-26T22:30:00Z' },
  'late-3': { code: 'alice', at: '2025-10-28T12:00:00+01:00' },
  'past-cutoff': { code: 'carol', at: '2025-11-03T09:00:00+01:00' },
  extended: { code: 'alice', at: '2025-10-28T20:00:00+01:00' },
  'not-listed': { code: 'alice', at: '2025-10-25T10:00:00Z' },
};
/** On the roster without a submission: one in each shard. */
const ABSENT = ['absent', 'withdrawn'];
const STUDENTS = Object.keys(CLASS).sort();

const ASSIGNMENT = policyAssignment('policy-shards');

const NOW = new Date('2025-11-10T12:00:00Z');
const env = { ...process.env, GRADECHECK_BATCH_KEY: '' };
const COMPARED = ['grades.csv', 'gradebook.json', 'canvas-import.csv', 'moodle-import.csv'];

let dir: string;
let whole: string;
let shards: string[];
let merged: string;

const read = (folder: string, file: string) => fs.readFileSync(path.join(folder, file), 'utf8');
/** summary.md without its last section, the grading times of the slowest submissions (measured in each run). */
const summaryOf = (folder: string) => read(folder, 'summary.md').split('## Slowest submissions')[0];

beforeAll(async () => {
  dir = tempDir('policy-shards');
  const subs = path.join(dir, 'submissions');
  for (const [student, s] of Object.entries(CLASS)) fs.cpSync(path.join(FIXTURES, s.code), path.join(subs, student), { recursive: true });
  fs.writeFileSync(path.join(dir, 'assignment.yaml'), ASSIGNMENT);
  fs.writeFileSync(path.join(dir, 'times.csv'), ['student,submitted_at', ...Object.entries(CLASS).map(([s, c]) => `${s},${c.at}`)].join('\n') + '\n');
  const rostered = [...STUDENTS.filter((s) => s !== 'not-listed'), ...ABSENT];
  fs.writeFileSync(path.join(dir, 'roster.csv'), ['id,name,email,section,canvas_id', ...rostered.map((s, i) => `${s},"${s}, Student",${s}@uni.example,L0${i % 2},${1000 + i}`)].join('\n') + '\n');
  const policy = loadAssignment(path.join(dir, 'assignment.yaml'), ROOT).policy;
  const course = { policy, roster: path.join(dir, 'roster.csv'), submittedAt: path.join(dir, 'times.csv') };
  const batchOf = (out: string, shard?: { index: number; count: number }) => runBatch({ root: ROOT, submissions: subs, out, labs: ['activations'], jobs: 2, env, now: NOW, shard, ...course });

  whole = path.join(dir, 'whole');
  await batchOf(whole);
  shards = [1, 2].map((i) => path.join(dir, 'shards', `shard-${i}`));
  for (const [i, out] of shards.entries()) await batchOf(out, { index: i + 1, count: 2 });
  merged = path.join(dir, 'merged');
  mergeShards({ shards, out: merged, env, now: NOW });
}, 300000);

afterAll(removeTempDirs);

test('the class and the roster are split over both shards', () => {
  for (const i of [1, 2]) {
    expect(STUDENTS.some((s) => shardOf(s, 2) === i)).toBe(true);
    expect(ABSENT.some((s) => shardOf(s, 2) === i)).toBe(true);
  }
  // Each shard applied the policy to its half only: its missing students are its own.
  const missing = shards.map((s) => Object.entries(readGrades(s)).filter(([, r]) => r.status === 'missing').map(([id]) => id));
  expect(missing).toEqual([ABSENT.filter((s) => shardOf(s, 2) === 1), ABSENT.filter((s) => shardOf(s, 2) === 2)]);
});

test('the merged gradebook, gradebook.json and LMS imports equal the unsharded ones byte for byte', () => {
  for (const file of COMPARED) expect([file, read(merged, file)]).toEqual([file, read(whole, file)]);
  const grades = readGrades(merged);
  expect(Object.keys(grades).sort()).toEqual([...STUDENTS, ...ABSENT].sort());
  expect(grades['late-3']).toMatchObject({ late_status: 'late', penalty_percent: '30' });
  expect(grades['past-cutoff']).toMatchObject({ late_status: 'past_cutoff', activations: '0' });
  expect(grades.withdrawn).toMatchObject({ status: 'missing', total: '0' });
});

test("each student's feedback (with its deadline section) and the summary's course lines are the unsharded ones", () => {
  for (const s of STUDENTS) {
    const feedback = read(studentDir({ dir: merged }, s), 'feedback.md');
    expect(feedback).toContain('## Deadline');
    expect([s, feedback]).toEqual([s, read(studentDir({ dir: whole }, s), 'feedback.md')]);
  }
  expect(summaryOf(merged)).toContain('## Roster');
  expect(summaryOf(merged)).toBe(summaryOf(whole));
});

test('gradecheck merge says how the class stands under the policy and where the LMS imports are', async () => {
  const out = path.join(tempDir('merge-cli'), 'out');
  const io = captureIO();
  expect(await main(['merge', shards.join(','), '--out', out], io)).toBe(0);
  const rows = Object.values(readGrades(whole));
  const count = (s: string) => rows.filter((r) => r.late_status === s).length;
  const stdout = io.stdout.join('\n');
  expect(stdout).toContain(`deadline:  ${count('on_time')} on time, ${count('grace')} within grace, ${count('late')} late, ${count('past_cutoff')} past the cutoff, 0 without a submission time`);
  expect(stdout).toContain(`roster:    ${ABSENT.length} missing (${ABSENT.join(', ')})`);
  expect(read(out, 'grades.csv')).toBe(read(whole, 'grades.csv'));
});

describe('shards graded under other course inputs', () => {
  /** A copy of shard 2 whose course.json says `edit` of the original, signed with the shard's key (a shard graded so). */
  function shardGradedWith(edit: (inputs: CourseInputs) => CourseInputs, sign = true): string {
    const copy = path.join(tempDir('other-course'), 'shard-2');
    fs.cpSync(shards[1], copy, { recursive: true });
    const key = storeKey(copy, env, false)!;
    const stored = readCourseInputs(copy, key);
    if (!stored?.ok) throw new Error(`${copy}: no course.json that verifies`);
    const edited = edit(stored.inputs);
    if (sign) writeCourseInputs(copy, key, edited);
    else fs.writeFileSync(path.join(copy, COURSE_FILE), JSON.stringify({ ...JSON.parse(read(copy, COURSE_FILE)), ...edited }, null, 2));
    return copy;
  }

  test('another roster: merge refuses, naming both folders and the roster', async () => {
    const other = shardGradedWith((i) => ({ ...i, roster: { ...i.roster!, text: i.roster!.text + 'late-comer\n' }, provenance: { ...i.provenance, roster: '0123456789abcdef' } }));
    const out = path.join(tempDir('refused'), 'out');
    const io = captureIO();
    expect(await main(['merge', [shards[0], other].join(','), '--out', out], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain(`${other} was graded with another roster`);
    expect(io.stderr.join('\n')).toContain(shards[0]);
    expect(fs.existsSync(path.join(out, 'grades.csv'))).toBe(false);
  });

  test('another deadline policy: refused', () => {
    const other = shardGradedWith((i) => ({ ...i, policy: { ...i.policy!, grace: { days: 0, hours: 2, minutes: 0 } }, provenance: { ...i.provenance, policy: 'fedcba9876543210' } }));
    expect(() => mergeShards({ shards: [shards[0], other], out: path.join(tempDir('refused'), 'out'), env })).toThrow(/was graded with another deadline policy/);
  });

  test("a course.json edited after grading does not verify: that shard's students are flagged, not graded under it", async () => {
    const edited = shardGradedWith((i) => ({ ...i, times: { ...i.times, 'late-1': { ...i.times['late-1'], ms: i.times['late-1'].ms - 86400000 } } }), false);
    const out = path.join(tempDir('doubtful'), 'out');
    const io = captureIO();
    expect(await main(['merge', [shards[0], edited].join(','), '--out', out], io)).toBe(1);
    const grades = readGrades(out);
    const second = STUDENTS.filter((s) => shardOf(s, 2) === 2);
    for (const s of second) expect([s, grades[s].status, grades[s].total, grades[s].message]).toEqual([s, 'unverified', '', expect.stringContaining('course.json does not verify')]);
    // The other shard's students keep their course rows, as in the unsharded gradebook.
    const whole_ = readGrades(whole);
    for (const s of STUDENTS.filter((x) => shardOf(x, 2) === 1)) expect(grades[s]).toEqual(whole_[s]);
    expect(io.stderr.join('\n')).toContain('course.json does not verify');
  });
});
