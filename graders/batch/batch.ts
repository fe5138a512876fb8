/**
 * Batch grading: a folder of submissions to a gradebook. The plain function behind
 * `gradecheck batch` (the CLI only parses options, draws progress and picks the exit code).
 *
 *   submissions (folders, zips) -> this shard -> not finished yet (--resume: all its labs, or
 *   only those whose rubric or expected values changed) -> worker pool
 *   -> one signed folder per student, written as each finishes -> grades.csv, summary.md
 *   -> the course policy (graders/policy: late penalties, roster, LMS imports, deadline
 *      feedback, gradebook.json; what it was applied with in course.json, for merge)
 *   -> with --resume over an earlier gradebook, regrade.md
 *
 * The expected values of every lab are computed (or read from the cache) here, once, before
 * the workers start, so that workers only read the cache.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../engine/core/errors';
import { expectedFor } from '../engine/core/expected';
import { expectedKey } from '../engine/authoring/expected-values';
import { DEFAULT_MEMORY_MB } from '../engine/core/grade';
import { Lab, loadLab, selectLabs } from '../engine/core/labs';
import { resolveSandbox, SandboxMode, SandboxRequest } from '../engine/host/sandbox';
import { ClassReportOptions, ClassReportSummary, REPORT_DATA_DIR, REPORT_FILE, writeBatchReport } from '../report/report';
import { GradeConfig, StudentOutcome, TimeoutSpec, labNotGraded, resultsOf, withTimeout } from './grade-student';
import { Results, sumScores } from '../engine/core/results';
import { COURSE_FILE, CourseFiles, courseInputs, loadCourse, readGradebookRecord, writeCourseGradebook, writeCourseInputs } from '../policy/apply';
import { CourseRow, missingFromRoster } from '../policy/course';
import { CANVAS_FILE, MOODLE_FILE } from '../policy/lms';
import type { CoursePolicy } from '../policy/policy';
import { Provenance, labProvenance } from '../policy/provenance';
import { GRADEBOOK_JSON, RegradeReport, regradeMarkdown, regradeReport } from '../policy/regrade';
import { GRADEBOOK_FILE, Gradebook, HISTOGRAM_FILE, readGradebook, SUMMARY_FILE } from './gradebook';
import { Submission, gradedDigest, listSubmissions, readSubmission } from './intake';
import { JobResult, gradeInPool } from './pool';
import { Shard, formatShard, inShard } from './shard';
import { studentStatus } from './status';
import { StudentRecord, RECORD_FORMAT, RECORD_VERSION, Store, canonicalJson, openStore, readManifest, readStudent, sha256, writeAtomic, writeManifest, writeStudent } from './store';

/** Kept beside the new gradebook by `--resume`: the gradebook it replaced. */
export const PREVIOUS_GRADEBOOK_FILE = 'grades.previous.csv';
export const PREVIOUS_GRADEBOOK_JSON = 'gradebook.previous.json';
export const REGRADE_FILE = 'regrade.md';
export const REGRADE_JSON = 'regrade.json';

export interface BatchOptions {
  /** The harness checkout (graders, rubrics, reference). */
  root: string;
  /** The folder of submissions. */
  submissions: string;
  /** The output folder. */
  out: string;
  /** Worker processes (default: the number of cores). */
  jobs?: number;
  labs?: string[];
  timeout?: TimeoutSpec;
  sandbox?: SandboxRequest;
  memoryMb?: number;
  typecheck?: boolean;
  /** Skip the students whose verified results are already in `out`. */
  resume?: boolean;
  /** Grade everyone again into an `out` that holds an earlier gradebook, replacing it (else refused, unless `resume`). */
  force?: boolean;
  shard?: Shard;
  /** Where GRADECHECK_BATCH_KEY is read from. */
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the workers; finished students stay written. */
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
  /** For after_due_date items in the feedback (default: now). */
  now?: Date;
  /** Thresholds of report.html's signals (default: report/options.ts). */
  report?: ClassReportOptions;
  /** The assignment's deadline policy (late penalties, extensions). */
  policy?: CoursePolicy;
  /** The roster CSV (id, name, email, section, LMS ids). */
  roster?: string;
  /** The submission-times CSV (student, submitted_at); without it, each clone's last commit touching labs/. */
  submittedAt?: string;
}

export type BatchEvent =
  | { type: 'preparing'; lab: string }
  | { type: 'start'; students: number; toGrade: number; skipped: number; jobs: number; sandbox: SandboxMode; labs: string[] }
  /** `labs`: the labs graded for the student in this run (with --resume, only those whose rubric or expected values changed). */
  | { type: 'started'; student: string; labs: string[] }
  | { type: 'graded'; student: string; record: StudentRecord; done: number; toGrade: number; problems: number };

export interface BatchReport {
  dir: string;
  labs: string[];
  sandbox: SandboxMode;
  /** The students of this run (its shard). */
  students: string[];
  /** Graded by this run. */
  graded: string[];
  /** Already finished (--resume). */
  skipped: string[];
  /** With --resume, students graded again in some labs only (their other labs' results kept), and those labs. */
  partial: Record<string, string[]>;
  /** The harness failed on these (status `error`); --resume grades them again. */
  errors: string[];
  interrupted: boolean;
  /** Entries of the submissions folder that are neither folders nor zips. */
  ignored: string[];
  gradebook: Gradebook;
  /** report.html: where, and how long it took, or why it could not be written. */
  report: ClassReportSummary;
  /** The gradebook with the course policy applied (final scores, lateness, roster). */
  course: CourseRow[];
  /** With --resume over an earlier gradebook: what changed (also in regrade.md, regrade.json). */
  regrade?: RegradeReport;
  /** Problems of the LMS imports (roster rows they cannot identify). */
  lmsProblems: string[];
}

/** A fingerprint of what grades depend on: a finished student graded otherwise is graded again. */
export function configFingerprint(root: string, labs: string[], config: Pick<GradeConfig, 'timeout' | 'memoryMb' | 'typecheck'>): string {
  return sha256(canonicalJson({ labs: labs.map((l) => [l, expectedKey(root, l)]), timeout: config.timeout ?? null, memoryMb: config.memoryMb, typecheck: config.typecheck })).slice(0, 24);
}

/**
 * Each lab's part of the fingerprint: its expected values' key (its rubric, reference, ops,
 * fixtures, mutants and the engine files they depend on) and the settings every lab is graded
 * with. A lab's results depend on nothing else, so a lab whose part is unchanged keeps them.
 */
export function labFingerprints(root: string, labs: string[], config: Pick<GradeConfig, 'timeout' | 'memoryMb' | 'typecheck'>): Record<string, string> {
  return Object.fromEntries(labs.map((l) => [l, sha256(canonicalJson({ lab: l, expected: expectedKey(root, l), timeout: config.timeout ?? null, memoryMb: config.memoryMb, typecheck: config.typecheck })).slice(0, 24)]));
}

/**
 * What `--resume` does with a student: nothing (finished under this configuration), grade
 * again only the labs whose part of the fingerprint changed (the same submission; the other
 * labs' results kept), or grade everything (new, changed, unverified, a harness error, or a
 * record without per-lab fingerprints).
 */
type ResumePlan = { kind: 'finished' } | { kind: 'labs'; labs: string[]; kept: Results } | { kind: 'all' };

/** A safety net under the items' own time budgets: every item's budget plus a restart, and a minute. */
function submissionBudgetMs(labs: Lab[]): number {
  const seconds = labs.reduce((s, lab) => s + lab.rubric.items.reduce((t, it) => t + it.timeout + 10, 0), 0);
  return (seconds + 60) * 1000;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function recordOf(outcome: StudentOutcome, config: string, labConfigs: Record<string, string>, now: Date): Omit<StudentRecord, 'mac' | 'results_sha256'> {
  const { status, message } = studentStatus(outcome.results, outcome.problems);
  return {
    format: RECORD_FORMAT,
    version: RECORD_VERSION,
    student: outcome.student,
    digest: outcome.digest,
    config,
    lab_configs: labConfigs,
    status,
    message,
    labs: Object.fromEntries(outcome.results.labs.map((l) => [l.lab, { score: l.score, max_score: l.max_score, status: l.status }])),
    score: outcome.results.score,
    max_score: outcome.results.max_score,
    duration_ms: outcome.duration_ms,
    graded_at: now.toISOString(),
  };
}

/** A student the harness could not grade: every lab an error, status `error`. */
function harnessFailure(student: string, message: string, labs: Lab[], sandbox: SandboxMode, config: string, now: Date): { record: Omit<StudentRecord, 'mac' | 'results_sha256'>; outcome: StudentOutcome } {
  const results = resultsOf(student, sandbox, labs.map((lab) => labNotGraded(lab, `error: ${message}`)));
  const outcome: StudentOutcome = { student, digest: '', results, problems: [], duration_ms: 0 };
  return { outcome, record: { ...recordOf(outcome, config, {}, now), status: 'error', message } };
}

export async function runBatch(opts: BatchOptions): Promise<BatchReport> {
  const root = path.resolve(opts.root);
  const submissionsDir = path.resolve(opts.submissions);
  const out = path.resolve(opts.out);
  if (!fs.existsSync(submissionsDir) || !fs.statSync(submissionsDir).isDirectory()) throw new InputError('bad_submission', `no folder of submissions at ${submissionsDir}`);
  if (isInside(out, submissionsDir)) throw new InputError('bad_submission', `the output folder ${out} is inside the submissions folder: it would be graded as a student`);
  const earlier = readManifest(out);
  if (earlier && !opts.resume && !opts.force) {
    throw new InputError(
      'output_exists',
      `${out} holds the gradebook of an earlier batch (${earlier.students.length} student${earlier.students.length === 1 ? '' : 's'}, labs ${earlier.labs.join(', ')}): ` +
        'run again with --resume to grade only the students missing or changed, or --force to grade everyone again and replace it, or choose another --out',
    );
  }
  if (earlier && opts.force) {
    // Replaced whole: no student of the earlier class is left in the new gradebook's folder.
    for (const name of ['students', 'batch.json', GRADEBOOK_FILE, SUMMARY_FILE, HISTOGRAM_FILE, GRADEBOOK_JSON, PREVIOUS_GRADEBOOK_FILE, PREVIOUS_GRADEBOOK_JSON, REGRADE_FILE, REGRADE_JSON, CANVAS_FILE, MOODLE_FILE, COURSE_FILE, REPORT_FILE, REPORT_DATA_DIR]) fs.rmSync(path.join(out, name), { recursive: true, force: true });
  }
  const labNames = selectLabs(root, opts.labs);
  const sandbox = resolveSandbox(opts.sandbox ?? 'auto');
  const config: GradeConfig = { root, labs: labNames, sandbox, memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB, timeout: opts.timeout, typecheck: opts.typecheck ?? false };
  const labs = labNames.map((name) => withTimeout(loadLab(root, name), opts.timeout));
  for (const lab of labs) {
    if (opts.signal?.aborted) break;
    opts.onEvent?.({ type: 'preparing', lab: lab.name });
    try {
      await expectedFor(root, lab);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError('no_expected', `cannot grade ${lab.name}: ${(e as Error).message}`);
    }
  }
  const fingerprint = configFingerprint(root, labNames, config);
  const labConfigs = labFingerprints(root, labNames, config);

  const listed = listSubmissions(submissionsDir);
  const mine = listed.submissions.filter((s) => inShard(s.student, opts.shard));
  const students = mine.map((s) => s.student);
  const courseFiles: CourseFiles = { policy: opts.policy, roster: opts.roster, submittedAt: opts.submittedAt };
  const { course, hashes, rosterText } = loadCourse(courseFiles, mine);
  const provenance: Provenance = {
    labs: Object.fromEntries(labs.map((lab) => [lab.name, labProvenance(root, lab, expectedKey(root, lab.name))])),
    config: fingerprint,
    policy: opts.policy?.sha256.slice(0, 16) ?? null,
    roster: hashes.roster,
    submission_times: hashes.times,
  };
  // The gradebook this run replaces, kept beside it for the regrade report.
  const previous = earlier && opts.resume ? readGradebookRecord(path.join(out, GRADEBOOK_JSON)) : undefined;
  if (previous) {
    for (const [from, to] of [[GRADEBOOK_FILE, PREVIOUS_GRADEBOOK_FILE], [GRADEBOOK_JSON, PREVIOUS_GRADEBOOK_JSON]]) if (fs.existsSync(path.join(out, from))) fs.copyFileSync(path.join(out, from), path.join(out, to));
  }
  const store: Store = openStore(out, opts.env ?? process.env);
  writeManifest(out, { labs: labNames, config: fingerprint, shard: opts.shard ? formatShard(opts.shard) : null, students });
  const labMax = Object.fromEntries(labs.map((lab) => [lab.name, sumScores(lab.rubric.items.map((it) => ({ score: 0, max_score: it.points }))).max_score]));
  const submitted = new Set(listed.submissions.map((s) => s.student));
  const missing = missingFromRoster(course.roster, submitted).filter((id) => inShard(id, opts.shard));
  // Before grading: an interrupted shard still tells merge what it was graded under.
  const inputs = courseInputs(courseFiles, course, rosterText, missing, labMax, provenance);
  writeCourseInputs(out, store.key, inputs);

  const resumePlan = (sub: Submission): ResumePlan => {
    const r = readStudent(out, sub.student, store.key);
    if (!r.ok || r.record.status === 'error') return { kind: 'all' };
    try {
      if (r.record.digest !== gradedDigest(readSubmission(sub), sub)) return { kind: 'all' };
    } catch {
      return { kind: 'all' }; // graded again, where a worker reports what went wrong
    }
    if (r.record.config === fingerprint) return { kind: 'finished' };
    const was = r.record.lab_configs ?? {};
    const changed = labNames.filter((l) => was[l] !== labConfigs[l]);
    const graded = new Set(r.results.labs.map((l) => l.lab));
    // Nothing to grade but labs dropped or reordered, or nothing kept: simplest graded whole.
    if (changed.length === 0 || changed.length === labNames.length || labNames.some((l) => !changed.includes(l) && !graded.has(l))) return { kind: 'all' };
    return { kind: 'labs', labs: changed, kept: r.results };
  };
  const plans = new Map(mine.map((s) => [s.student, opts.resume ? resumePlan(s) : ({ kind: 'all' } as ResumePlan)]));
  const skipped = mine.filter((s) => plans.get(s.student)!.kind === 'finished');
  const todo = mine.filter((s) => plans.get(s.student)!.kind !== 'finished');
  const partial: Record<string, string[]> = {};
  for (const [student, plan] of plans) if (plan.kind === 'labs') partial[student] = plan.labs;
  const jobs = Math.max(1, opts.jobs ?? os.availableParallelism());
  opts.onEvent?.({ type: 'start', students: mine.length, toGrade: todo.length, skipped: skipped.length, jobs, sandbox, labs: labNames });

  const graded: string[] = [];
  const errors: string[] = [];
  let problems = 0;
  /** A student graded again in some labs: the new labs' results beside the kept ones, in the assignment's order. */
  const withKeptLabs = (outcome: StudentOutcome): StudentOutcome => {
    const plan = plans.get(outcome.student);
    if (plan?.kind !== 'labs') return outcome;
    const byLab = new Map([...plan.kept.labs, ...outcome.results.labs].map((l) => [l.lab, l]));
    return { ...outcome, results: resultsOf(outcome.student, sandbox, labNames.map((l) => byLab.get(l)!)) };
  };
  const onResult = (r: JobResult) => {
    const now = opts.now ?? new Date();
    const finished = (o: StudentOutcome) => ({ record: recordOf(o, fingerprint, labConfigs, now), outcome: o });
    const { record, outcome } = r.ok ? finished(withKeptLabs(r.outcome)) : harnessFailure(r.student, r.message, labs, sandbox, fingerprint, now);
    const signed = writeStudent(store, record, outcome.results, now);
    graded.push(signed.student);
    if (signed.status === 'error') errors.push(signed.student);
    if (signed.status !== 'graded') problems++;
    opts.onEvent?.({ type: 'graded', student: signed.student, record: signed, done: graded.length, toGrade: todo.length, problems });
  };
  // One pool per set of labs to grade: everything for most, the changed labs for the others.
  const groups = new Map<string, { only: string[]; subs: Submission[] }>();
  for (const s of todo) {
    const plan = plans.get(s.student)!;
    const only = plan.kind === 'labs' ? plan.labs : labNames;
    const group = groups.get(JSON.stringify(only)) ?? groups.set(JSON.stringify(only), { only, subs: [] }).get(JSON.stringify(only))!;
    group.subs.push(s);
  }
  let interrupted = false;
  for (const { only, subs } of groups.values()) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const graders = labs.filter((l) => only.includes(l.name));
    const run = await gradeInPool(
      subs,
      { jobs, config: { ...config, labs: only }, budgetMs: () => submissionBudgetMs(graders), signal: opts.signal, label: `gradecheck-batch:${out}`, onStart: (s) => opts.onEvent?.({ type: 'started', student: s.student, labs: only }) },
      onResult,
    );
    interrupted ||= run.interrupted;
  }

  const gradebook = readGradebook(out, labNames, students, store.key);
  const { output, record } = writeCourseGradebook(out, labNames, gradebook, inputs, opts.now ?? new Date());
  let regrade: RegradeReport | undefined;
  if (previous) {
    regrade = regradeReport(previous, record);
    writeAtomic(path.join(out, REGRADE_JSON), JSON.stringify(regrade, null, 2) + '\n');
    writeAtomic(path.join(out, REGRADE_FILE), regradeMarkdown(regrade, PREVIOUS_GRADEBOOK_FILE));
  }
  const report = await writeBatchReport({ root, dir: out, labs: labNames, gradebook, submissions: mine, options: opts.report, now: opts.now, interrupted });
  return { dir: out, labs: labNames, sandbox, students, graded, skipped: skipped.map((s) => s.student), errors, interrupted, ignored: listed.ignored, gradebook, report, course: output.rows, regrade, lmsProblems: output.problems, partial };
}
