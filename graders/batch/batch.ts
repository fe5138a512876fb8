/**
 * Batch grading: a folder of submissions to a gradebook. The plain function behind
 * `gradecheck batch` (the CLI only parses options, draws progress and picks the exit code).
 *
 *   submissions (folders, zips) -> this shard -> not finished yet (--resume) -> worker pool
 *   -> one signed folder per student, written as each finishes -> grades.csv, summary.md
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
import { ClassReportOptions, ClassReportSummary, writeBatchReport } from '../report/report';
import { GradeConfig, StudentOutcome, TimeoutSpec, labNotGraded, resultsOf, withTimeout } from './grade-student';
import { GRADEBOOK_FILE, Gradebook, HISTOGRAM_FILE, readGradebook, SUMMARY_FILE, writeGradebook } from './gradebook';
import { Submission, gradedDigest, listSubmissions, readSubmission } from './intake';
import { JobResult, gradeInPool } from './pool';
import { Shard, formatShard, inShard } from './shard';
import { studentStatus } from './status';
import { StudentRecord, RECORD_FORMAT, RECORD_VERSION, Store, canonicalJson, openStore, readManifest, readStudent, sha256, writeManifest, writeStudent } from './store';

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
}

export type BatchEvent =
  | { type: 'preparing'; lab: string }
  | { type: 'start'; students: number; toGrade: number; skipped: number; jobs: number; sandbox: SandboxMode; labs: string[] }
  | { type: 'started'; student: string }
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
  /** The harness failed on these (status `error`); --resume grades them again. */
  errors: string[];
  interrupted: boolean;
  /** Entries of the submissions folder that are neither folders nor zips. */
  ignored: string[];
  gradebook: Gradebook;
  /** report.html: where, and how long it took, or why it could not be written. */
  report: ClassReportSummary;
}

/** A fingerprint of what grades depend on: a finished student graded otherwise is graded again. */
export function configFingerprint(root: string, labs: string[], config: Pick<GradeConfig, 'timeout' | 'memoryMb' | 'typecheck'>): string {
  return sha256(canonicalJson({ labs: labs.map((l) => [l, expectedKey(root, l)]), timeout: config.timeout ?? null, memoryMb: config.memoryMb, typecheck: config.typecheck })).slice(0, 24);
}

/** A safety net under the items' own time budgets: every item's budget plus a restart, and a minute. */
function submissionBudgetMs(labs: Lab[]): number {
  const seconds = labs.reduce((s, lab) => s + lab.rubric.items.reduce((t, it) => t + it.timeout + 10, 0), 0);
  return (seconds + 60) * 1000;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function recordOf(outcome: StudentOutcome, config: string, now: Date): Omit<StudentRecord, 'mac' | 'results_sha256'> {
  const { status, message } = studentStatus(outcome.results, outcome.problems);
  return {
    format: RECORD_FORMAT,
    version: RECORD_VERSION,
    student: outcome.student,
    digest: outcome.digest,
    config,
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
  return { outcome, record: { ...recordOf(outcome, config, now), status: 'error', message } };
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
    for (const name of ['students', 'batch.json', GRADEBOOK_FILE, SUMMARY_FILE, HISTOGRAM_FILE]) fs.rmSync(path.join(out, name), { recursive: true, force: true });
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

  const listed = listSubmissions(submissionsDir);
  const mine = listed.submissions.filter((s) => inShard(s.student, opts.shard));
  const students = mine.map((s) => s.student);
  const store: Store = openStore(out, opts.env ?? process.env);
  writeManifest(out, { labs: labNames, config: fingerprint, shard: opts.shard ? formatShard(opts.shard) : null, students });

  const finished = (sub: Submission): boolean => {
    const r = readStudent(out, sub.student, store.key);
    if (!r.ok || r.record.status === 'error' || r.record.config !== fingerprint) return false;
    try {
      return r.record.digest === gradedDigest(readSubmission(sub), sub);
    } catch {
      return false; // graded again, where a worker reports what went wrong
    }
  };
  const skipped = opts.resume ? mine.filter(finished) : [];
  const skip = new Set(skipped.map((s) => s.student));
  const todo = mine.filter((s) => !skip.has(s.student));
  const jobs = Math.max(1, opts.jobs ?? os.availableParallelism());
  opts.onEvent?.({ type: 'start', students: mine.length, toGrade: todo.length, skipped: skipped.length, jobs, sandbox, labs: labNames });

  const graded: string[] = [];
  const errors: string[] = [];
  let problems = 0;
  const onResult = (r: JobResult) => {
    const now = opts.now ?? new Date();
    const { record, outcome } = r.ok ? { record: recordOf(r.outcome, fingerprint, now), outcome: r.outcome } : harnessFailure(r.student, r.message, labs, sandbox, fingerprint, now);
    const signed = writeStudent(store, record, outcome.results, now);
    graded.push(signed.student);
    if (signed.status === 'error') errors.push(signed.student);
    if (signed.status !== 'graded') problems++;
    opts.onEvent?.({ type: 'graded', student: signed.student, record: signed, done: graded.length, toGrade: todo.length, problems });
  };
  const { interrupted } = await gradeInPool(
    todo,
    { jobs, config, budgetMs: () => submissionBudgetMs(labs), signal: opts.signal, label: `gradecheck-batch:${out}`, onStart: (s) => opts.onEvent?.({ type: 'started', student: s.student }) },
    onResult,
  );

  const gradebook = readGradebook(out, labNames, students, store.key);
  writeGradebook(out, labNames, gradebook);
  const report = await writeBatchReport({ root, dir: out, labs: labNames, gradebook, submissions: mine, options: opts.report, now: opts.now, interrupted });
  return { dir: out, labs: labNames, sandbox, students, graded, skipped: skipped.map((s) => s.student), errors, interrupted, ignored: listed.ignored, gradebook, report };
}
