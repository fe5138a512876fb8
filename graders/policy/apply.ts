/**
 * The course policy applied to a batch's output: reading the TA's files (roster, submission
 * times) with every problem at once, finding submission times in the clones when no file is
 * given, and making what the output folder gets from them: grades.csv with the course's
 * columns, the LMS imports, the summary's lines, each student's deadline feedback and
 * gradebook.json (the gradebook as data, with its provenance, for regrades and `explain`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Gradebook, writeGradebook } from '../batch/gradebook';
import type { Submission } from '../batch/intake';
import { canonicalJson, readSignedJson, studentDir, writeAtomic, writeSignedJson } from '../batch/store';
import { InputError } from '../engine/core/errors';
import { SpecError } from '../engine/core/spec-files';
import { Course, CourseRow, courseCsv, courseRows, courseSummary, deadlineFeedback, withDeadlineSection } from './course';
import { CANVAS_FILE, MOODLE_FILE, canvasImport, moodleImport } from './lms';
import { CoursePolicy, describePolicy } from './policy';
import { Provenance, hashOf } from './provenance';
import { GRADEBOOK_JSON_FORMAT, GradebookRecord } from './regrade';
import { readRoster } from './roster';
import { SubmissionTime, gitSubmissionTime, readSubmissionTimes } from './submission-times';

export interface CourseFiles {
  policy?: CoursePolicy;
  /** --roster FILE. */
  roster?: string;
  /** --submitted-at FILE. */
  submittedAt?: string;
}

/** Whether the batch applies a course policy at all (else grades.csv keeps its plain columns). */
export const hasCourse = (f: CourseFiles) => Boolean(f.policy || f.roster || f.submittedAt);

function readText(file: string, what: string): string {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InputError('missing_file', `no ${what} file ${file}`);
  return fs.readFileSync(file, 'utf8');
}

/**
 * The course of a batch: the roster and the submission times (the file's, else each clone's
 * last commit touching labs/; never a zip's timestamps). Throws a SpecError listing every
 * problem of the files, each with its line.
 */
export function loadCourse(files: CourseFiles, submissions: Submission[]): { course: Course; hashes: { roster: string | null; times: string | null }; rosterText?: string } {
  const issues = [];
  let roster;
  let rosterHash: string | null = null;
  let rosterText: string | undefined;
  if (files.roster) {
    const text = readText(files.roster, 'roster');
    rosterText = text;
    const r = readRoster(path.basename(files.roster), text);
    issues.push(...r.issues);
    roster = r.roster;
    rosterHash = hashOf(text);
  }
  const times = new Map<string, SubmissionTime>();
  const timeProblems = new Map<string, string>();
  let timesHash: string | null = null;
  if (files.submittedAt) {
    const text = readText(files.submittedAt, 'submission-times');
    const r = readSubmissionTimes(path.basename(files.submittedAt), text, files.policy?.timeZone);
    issues.push(...r.issues);
    for (const [s, t] of r.times ?? []) times.set(s, t);
    for (const s of submissions) if (!times.has(s.student)) timeProblems.set(s.student, `not in ${path.basename(files.submittedAt)}`);
    timesHash = hashOf(text);
  } else if (files.policy) {
    for (const s of submissions) {
      if (s.kind === 'zip') timeProblems.set(s.student, 'a zip: its own timestamps are not trusted; give --submitted-at');
      else if (typeof s.path !== 'string') timeProblems.set(s.student, 'a folder name that is not UTF-8: give --submitted-at');
      else {
        const g = gitSubmissionTime(s.path);
        if (g.time) times.set(s.student, g.time);
        else timeProblems.set(s.student, g.problem ?? 'no time');
      }
    }
  }
  if (issues.length) throw new SpecError(issues);
  return { course: { policy: files.policy, roster, times, timeProblems }, hashes: { roster: rosterHash, times: timesHash }, rosterText };
}

export interface CourseOutput {
  rows: CourseRow[];
  /** Files beside grades.csv (name -> text): the LMS imports. */
  files: Record<string, string>;
  /** grades.csv with the course's columns. */
  csv: string;
  summary: string[];
  /** Each graded student's deadline section for feedback.md (undefined without a policy). */
  feedback: Map<string, string | undefined>;
  /** Problems of the LMS exports (roster rows they cannot identify). */
  problems: string[];
}

export function courseOutput(labs: string[], labMax: Record<string, number>, book: Gradebook, course: Course, missing: string[]): CourseOutput {
  const rows = courseRows(labs, labMax, book.rows, course, missing);
  const files: Record<string, string> = {};
  const problems: string[] = [];
  if (course.roster) {
    for (const e of [canvasImport(labs, rows, course.roster, course.policy?.lms), moodleImport(labs, rows, course.roster, course.policy?.lms)]) {
      files[e.file] = e.text;
      problems.push(...e.problems);
    }
  }
  const summary = courseSummary(rows, course, Object.keys(files));
  if (problems.length) summary.push('## LMS import problems', '', ...problems.map((p) => `- ${p}`), '');
  const feedback = new Map(rows.filter((r) => r.status !== 'missing').map((r) => [r.student, course.policy ? deadlineFeedback(r, labs, course.policy) : undefined]));
  return { rows, files, csv: courseCsv(labs, rows), summary, feedback, problems };
}

/** gradebook.json: the rows, each student's item scores and submission hash, and the provenance. */
export function gradebookRecord(labs: string[], rows: CourseRow[], book: Gradebook, provenance: Provenance, policy: CoursePolicy | undefined, now: Date): GradebookRecord {
  const items: GradebookRecord['items'] = {};
  for (const [student, results] of book.results) {
    items[student] = Object.fromEntries(results.labs.map((l) => [l.lab, Object.fromEntries(l.items.map((i) => [i.id, i.score]))]));
  }
  const digests = Object.fromEntries([...book.records].map(([s, r]) => [s, r.digest]));
  return {
    format: GRADEBOOK_JSON_FORMAT,
    version: 1,
    written_at: now.toISOString(),
    labs,
    provenance,
    policy: policy ? { sha256: policy.sha256, time_zone: policy.timeZone, rules: describePolicy(policy) } : null,
    rows,
    items,
    digests,
  };
}

/** Reads an output folder's gradebook.json (undefined when absent or not one). */
export function readGradebookRecord(file: string): GradebookRecord | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as GradebookRecord;
    return r.format === GRADEBOOK_JSON_FORMAT && r.version === 1 ? r : undefined;
  } catch {
    return undefined;
  }
}

/** course.json: what a batch applied the course policy with. */
export const COURSE_FILE = 'course.json';
export const COURSE_FORMAT = 'gradecheck/batch-course';

/**
 * What a batch applied the course with, as data: the resolved policy, the roster as written,
 * its students' submission times (from the file or their clones) and the roster's students
 * without a submission that it accounts for (a shard's share of them).
 */
export interface CourseInputs {
  format: typeof COURSE_FORMAT;
  version: 1;
  /** Whether grades.csv has the course's columns (a policy, roster or submission-times file was given). */
  applied: boolean;
  policy: (Omit<CoursePolicy, 'extensions'> & { extensions: Array<[string, number]> }) | null;
  roster: { file: string; text: string } | null;
  times: Record<string, SubmissionTime>;
  time_problems: Record<string, string>;
  missing: string[];
  /** Each lab's maximum. */
  lab_max: Record<string, number>;
  provenance: Provenance;
}

/** The inputs of a batch, from what loadCourse read (`rosterText`: the roster as it was read). */
export function courseInputs(files: CourseFiles, course: Course, rosterText: string | undefined, missing: string[], labMax: Record<string, number>, provenance: Provenance): CourseInputs {
  const policy = course.policy ? { ...course.policy, extensions: [...course.policy.extensions] } : null;
  return {
    format: COURSE_FORMAT,
    version: 1,
    applied: hasCourse(files),
    policy,
    roster: course.roster && rosterText !== undefined ? { file: course.roster.file, text: rosterText } : null,
    times: Object.fromEntries(course.times),
    time_problems: Object.fromEntries(course.timeProblems),
    missing,
    lab_max: labMax,
    provenance,
  };
}

export function writeCourseInputs(dir: string, key: Buffer, inputs: CourseInputs): void {
  writeSignedJson(path.join(dir, COURSE_FILE), key, inputs);
}

/**
 * A folder's course.json: undefined when it has none (written before course.json existed), else
 * its inputs, or why they cannot be trusted (it does not verify under `key`); throws when it is
 * of another format or version.
 */
export function readCourseInputs(dir: string, key: Buffer | undefined): { ok: true; inputs: CourseInputs } | { ok: false; message: string } | undefined {
  const r = readSignedJson<CourseInputs>(path.join(dir, COURSE_FILE), key);
  if (!r) return undefined;
  if (!r.ok) return r;
  if (r.value.format !== COURSE_FORMAT || r.value.version !== 1) throw new InputError('bad_submission', `${path.join(dir, COURSE_FILE)} is not a course file this gradecheck reads (format ${r.value.format}, version ${r.value.version})`);
  return { ok: true, inputs: r.value };
}

/** The course of stored inputs (the roster read again from its text, as when it was given). */
export function courseOf(inputs: CourseInputs): Course {
  let roster;
  if (inputs.roster) {
    const r = readRoster(inputs.roster.file, inputs.roster.text);
    if (r.issues.length) throw new SpecError(r.issues);
    roster = r.roster;
  }
  const policy = inputs.policy ? { ...inputs.policy, extensions: new Map(inputs.policy.extensions) } : undefined;
  return { policy, roster, times: new Map(Object.entries(inputs.times)), timeProblems: new Map(Object.entries(inputs.time_problems)) };
}

/**
 * The course inputs of the shards of one class, joined: refused (naming the folders and what
 * differs) unless every shard applied the same policy, roster and submission-times file to the
 * same rubrics; their submission times, problems and missing students put together.
 */
export function joinCourseInputs(shards: Array<{ dir: string; inputs: CourseInputs }>): CourseInputs {
  const [first, ...rest] = shards;
  const same = (what: string, of: (i: CourseInputs) => unknown) => {
    for (const s of rest) {
      if (canonicalJson(of(s.inputs)) !== canonicalJson(of(first.inputs))) {
        throw new InputError('bad_submission', `${s.dir} was graded with another ${what} than ${first.dir}: grade every shard with the same --assignment, --roster and --submitted-at (and the same rubrics), then merge`);
      }
    }
  };
  same('course set-up (one with a policy, roster or submission-times file, the other without)', (i) => i.applied);
  same(`deadline policy (${first.inputs.provenance.policy ?? 'none'} here)`, (i) => i.provenance.policy);
  same(`roster (${first.inputs.provenance.roster ?? 'none'} here)`, (i) => i.provenance.roster);
  same(`submission-times file (${first.inputs.provenance.submission_times ?? 'none'} here)`, (i) => i.provenance.submission_times);
  same('rubric, reference or configuration', (i) => ({ labs: i.provenance.labs, config: i.provenance.config, max: i.lab_max }));
  const all = shards.map((s) => s.inputs);
  return {
    ...first.inputs,
    times: Object.assign({}, ...all.map((i) => i.times)),
    time_problems: Object.assign({}, ...all.map((i) => i.time_problems)),
    missing: [...new Set(all.flatMap((i) => i.missing))].sort(),
  };
}

/**
 * What batch and merge write once the students are graded: grades.csv, the summary and the LMS
 * imports with the course applied, gradebook.json, and each student's deadline section in
 * feedback.md (replacing an earlier run's).
 */
export function writeCourseGradebook(dir: string, labs: string[], book: Gradebook, inputs: CourseInputs, now: Date): { output: CourseOutput; record: GradebookRecord } {
  const course = courseOf(inputs);
  const output = courseOutput(labs, inputs.lab_max, book, course, inputs.missing);
  const record = gradebookRecord(labs, output.rows, book, inputs.provenance, course.policy, now);
  if (!course.roster) for (const name of [CANVAS_FILE, MOODLE_FILE]) fs.rmSync(path.join(dir, name), { force: true });
  writeGradebook(dir, labs, book, inputs.applied ? { csv: output.csv, summary: output.summary, files: output.files, record } : { record });
  for (const student of book.records.keys()) {
    const file = path.join(studentDir({ dir }, student), 'feedback.md');
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const updated = withDeadlineSection(text, output.feedback.get(student));
    if (updated !== text) writeAtomic(file, updated);
  }
  return { output, record };
}
