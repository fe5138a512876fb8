/**
 * The files a TA writes or supplies, checked with every problem at once and where it is: the
 * assignment file's policy (the complete example in docs/ loads), the roster and the
 * submission-times CSVs; and submission times from a clone's commits (never a zip's).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadAssignment } from '../../graders/engine/core/assignment';
import { SpecError } from '../../graders/engine/core/spec-files';
import { loadCourse } from '../../graders/policy/apply';
import { readRoster } from '../../graders/policy/roster';
import { gitSubmissionTime, readSubmissionTimes } from '../../graders/policy/submission-times';
import { formatInZone } from '../../graders/policy/time';
import { ROOT } from '../support/paths';
import { removeTempDirs, tempDir } from '../batch/class';

afterAll(removeTempDirs);

function problemsOf(text: string): string[] {
  const file = path.join(tempDir('assignment'), 'assignment.yaml');
  fs.writeFileSync(file, text);
  try {
    loadAssignment(file, ROOT, 'assignment.yaml');
  } catch (e) {
    if (e instanceof SpecError) return e.message.split('\n');
    throw e;
  }
  return [];
}

test('docs/assignment-example.yaml is a complete, valid assignment file', () => {
  const a = loadAssignment(path.join(ROOT, 'docs', 'assignment-example.yaml'), ROOT);
  expect(a.labs).toEqual(['activations', 'backprop']);
  const p = a.policy!;
  expect(formatInZone(p.due, p.timeZone)).toBe('2025-10-26 23:59 UTC+01:00');
  expect(p.penalty).toEqual({ percent: 10, per: 'day', max_percent: 50, of: 'score' });
  expect(p.grace).toEqual({ days: 0, hours: 0, minutes: 15 });
  expect(p.cutoff).toEqual({ days: 7, hours: 0, minutes: 0 });
  expect([...p.extensions.keys()]).toEqual(['alice', 'bob']);
  expect(formatInZone(p.extensions.get('bob')!, p.timeZone)).toBe('2025-10-28 23:59 UTC+01:00');
  expect(p.lms?.canvas?.columns?.activations).toBe('Lab 1 - activations (4812)');
});

test('a bad policy is refused with every problem, each with its line and path', () => {
  const problems = problemsOf(
    ['labs: [activations]', 'due: 2025-10-25 25:00', 'time_zone: Europe/Paris', 'grace: soon', 'late_penalty: { percent: 10, per: week }', 'extensions:', '  - { student: a }', 'lms: { canvas: { columns: { rnn: X } } }', ''].join('\n'),
  );
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^assignment\.yaml:5:\d+ late_penalty\.per: /),
    ]),
  );
  const more = problemsOf(['labs: [activations]', 'due: 2025-10-25 25:00', 'time_zone: Europe/Paris', 'grace: soon', 'extensions:', '  - { student: a }', 'lms: { canvas: { columns: { rnn: X } } }', ''].join('\n'));
  expect(more).toEqual([
    expect.stringMatching(/^assignment\.yaml:2:6 due: "2025-10-25 25:00" is not a date and time/),
    expect.stringMatching(/^assignment\.yaml:4:8 grace: "soon" is not a duration/),
    expect.stringMatching(/^assignment\.yaml:6:5 extensions\[0\]: an extension gives either due/),
    expect.stringMatching(/^assignment\.yaml:7:\d+ lms\.canvas\.columns\.rnn: "rnn" is not a lab of this assignment/),
  ]);
  expect(problemsOf('labs: [activations]\ndue: 2025-10-25 23:59\n')).toEqual([expect.stringMatching(/^assignment\.yaml:2:6 due: a due date needs its time zone/)]);
  expect(problemsOf('labs: [activations]\ndue: 2025-10-25 23:59\ntime_zone: Mars/Olympus\n')).toEqual([expect.stringMatching(/^assignment\.yaml:3:12 time_zone: unknown time zone "Mars\/Olympus"/)]);
  expect(problemsOf('labs: [activations]\ndeadline: 2025-10-25\n')).toEqual([expect.stringMatching(/^assignment\.yaml:2:\d+ deadline: unknown field "deadline"/)]);
});

test('roster problems: each with its line', () => {
  expect(readRoster('roster.csv', 'id,name,phone\n').issues.map((i) => `${i.line} ${i.message}`)).toEqual(['1 unknown column "phone" (columns: id, name, email, section, canvas_id, sis_user_id, sis_login_id, username, idnumber)']);
  const r = readRoster('roster.csv', '\uFEFFStudent,Name,SIS User ID\nalice,"Liddell, Alice",S1\n,Nobody,S2\nalice,Again,S3\nbob,Bob\n');
  expect(r.issues.map((i) => `${i.line} ${i.message}`)).toEqual(['5 2 cells, but the header has 3 (Student,Name,SIS User ID)']);
  const r2 = readRoster('roster.csv', 'Student,Name,SIS User ID\nalice,"Liddell, Alice",S1\n,Nobody,S2\nalice,Again,S3\n');
  expect(r2.issues.map((i) => `${i.line} ${i.message}`)).toEqual(['3 no id: the id is the name of the student\'s submission folder or zip', '4 "alice" is on the roster twice (first on line 2)']);
  expect(readRoster('roster.csv', 'id,name\nalice,"Liddell, Alice"\n').roster!.students[0]).toMatchObject({ id: 'alice', name: 'Liddell, Alice', line: 2 });
});

test('submission times: ISO with an offset, or wall-clock in the assignment zone; problems with their lines', () => {
  const ok = readSubmissionTimes('times.csv', 'student,submitted_at\na,2025-10-25T21:00:00Z\nb,2025-10-25 23:30\nc,\n', 'Europe/Berlin');
  expect(new Date(ok.times!.get('a')!.ms).toISOString()).toBe('2025-10-25T21:00:00.000Z');
  expect(new Date(ok.times!.get('b')!.ms).toISOString()).toBe('2025-10-25T21:30:00.000Z');
  expect(ok.times!.has('c')).toBe(false);
  expect(ok.times!.get('a')!.from).toBe('times.csv:2');
  const bad = readSubmissionTimes('times.csv', 'student,submitted_at\na,yesterday\na,2025-10-25T21:00:00Z\nb,2025-10-25 23:30\n', undefined);
  expect(bad.issues.map((i) => `${i.line} ${i.message}`)).toEqual([
    expect.stringMatching(/^2 "yesterday" is not a date and time/),
    expect.stringMatching(/^3 "a" is there twice \(first on line 2\)/),
    expect.stringMatching(/^4 "2025-10-25 23:30" has no offset, and the assignment has no time_zone/),
  ]);
});

describe('submission times from the clones', () => {
  const git = (cwd: string, args: string[], date?: string) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 's', GIT_AUTHOR_EMAIL: 's@x', GIT_COMMITTER_NAME: 's', GIT_COMMITTER_EMAIL: 's@x', ...(date ? { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date } : {}) } });
    if (r.status !== 0) throw new Error(r.stderr);
  };

  test("the last commit touching labs/ gives the time (a later commit elsewhere does not); a zip's timestamps never do", () => {
    const dir = tempDir('clones');
    const clone = path.join(dir, 'alice');
    fs.mkdirSync(path.join(clone, 'labs', 'activations'), { recursive: true });
    git(clone, ['init', '-q']);
    fs.writeFileSync(path.join(clone, 'labs', 'activations', 'activations.ts'), 'export {};\n');
    git(clone, ['add', '.']);
    git(clone, ['commit', '-q', '-m', 'work'], '2025-10-26T01:30:00+02:00');
    fs.writeFileSync(path.join(clone, 'README.md'), 'notes\n');
    git(clone, ['add', '.']);
    git(clone, ['commit', '-q', '-m', 'readme'], '2025-11-30T12:00:00Z');
    const t = gitSubmissionTime(clone);
    expect(new Date(t.time!.ms).toISOString()).toBe('2025-10-25T23:30:00.000Z');
    expect(t.time!.from).toMatch(/^commit [0-9a-f]{10}$/);
    expect(gitSubmissionTime(tempDir('not-a-clone')).problem).toBe('not a git clone');
    fs.writeFileSync(path.join(dir, 'bob.zip'), 'PK');
    const policy = loadAssignment(path.join(ROOT, 'docs', 'assignment-example.yaml'), ROOT).policy;
    const { course } = loadCourse({ policy }, [
      { student: 'alice', path: clone, kind: 'folder' },
      { student: 'bob', path: path.join(dir, 'bob.zip'), kind: 'zip' },
    ]);
    expect(course.times.get('alice')!.source).toBe('git');
    expect(course.times.has('bob')).toBe(false);
    expect(course.timeProblems.get('bob')).toMatch(/zip: its own timestamps are not trusted/);
  });
});
