/**
 * The class report of an output folder, written by `batch` at its end and by `merge`:
 *
 *   DIR/report.html                  the report (html.ts)
 *   DIR/report/labs.json             per lab: the stub's code and the known answers' digests
 *   DIR/report/code/<folder>.json    each student's lab code, as taken from the submission
 *
 * What it needs beyond the gradebook (the stubs, the expected values' known answers, the
 * students' code) is kept in DIR/report/ by `batch`, so that `merge` can write the report of
 * the whole class from the shards' folders alone, without the submissions or the reference.
 * The report's signals are advice for a person, not grades: a problem with them never fails the
 * batch, it is returned as a message.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Gradebook } from '../batch/gradebook';
import { Submission, readSubmission } from '../batch/intake';
import { studentFolder, writeAtomic } from '../batch/store';
import { expectedFor } from '../engine/core/expected';
import { filesUnder } from '../engine/core/files';
import { loadLab } from '../engine/core/labs';
import { classReportHtml } from './html';
import { IdenticalAnswers, KnownAnswers, identicalWrongAnswers, knownAnswersOf } from './identical';
import { ClassReportOptions, DEFAULT_REPORT_OPTIONS } from './options';

export type { ClassReportOptions } from './options';
import { ItemLesson, lessons } from './reteach';
import { LabSimilarity, StudentCode, labSimilarity } from './similarity';

export const REPORT_FILE = 'report.html';
/** DIR/report/: what the report needs beyond the gradebook. */
export const REPORT_DATA_DIR = 'report';
const DATA_DIR = REPORT_DATA_DIR;
const LABS_FILE = 'labs.json';
const CODE_DIR = 'code';
const DATA_FORMAT = 'gradecheck/report-data';
const DATA_VERSION = 1;

/** What was written, how long it took, and what could not be checked. */
export type ClassReportSummary =
  | { ok: true; file: string; ms: number; timings: Record<'inputs' | 'similarity' | 'identical' | 'html', number>; pairs: number; groups: number; notes: string[] }
  | { ok: false; message: string; ms: number; skipped?: boolean };

interface LabData {
  /** The lab's stub: repository-relative path to text. */
  stub: Record<string, string>;
  known: KnownAnswers[string];
}

interface LabsFile {
  format: typeof DATA_FORMAT;
  version: number;
  labs: Record<string, LabData>;
}

interface CodeFile {
  format: typeof DATA_FORMAT;
  version: number;
  student: string;
  /** Lab to its files (repository-relative path to text). */
  labs: Record<string, Record<string, string>>;
}

const isCode = (file: string) => /\.(ts|js)$/.test(file);

/** The files of `labs/<lab>/` among a submission's (or the harness's) files. */
function labFiles(files: Record<string, string>, lab: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([f]) => f.startsWith(`labs/${lab}/`) && isCode(f)));
}

function readJson<T>(file: string): T | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as T & { format?: string; version?: number };
    return data.format === DATA_FORMAT && data.version === DATA_VERSION ? data : undefined;
  } catch {
    return undefined;
  }
}

function codeFile(dir: string, student: string): string {
  return path.join(dir, DATA_DIR, CODE_DIR, `${studentFolder(student)}.json`);
}

function timed<T>(timings: Record<string, number>, part: string, f: () => T): T {
  const started = Date.now();
  try {
    return f();
  } finally {
    timings[part] = (timings[part] ?? 0) + Date.now() - started;
  }
}

export interface WriteReportOptions {
  /** The output folder. */
  dir: string;
  labs: string[];
  gradebook: Gradebook;
  options?: ClassReportOptions;
  now?: Date;
}

/** The report's findings: similar pairs per lab, identical wrong numbers, lessons, and what was not checked. */
export interface ClassAnalysis {
  similarity: LabSimilarity[];
  identical: IdenticalAnswers;
  lessons: ItemLesson[];
  notes: string[];
}

/** Analyses the class in DIR from its gradebook and what DIR/report/ holds. */
export function analyseClass(opts: WriteReportOptions, timings: Record<string, number> = {}): ClassAnalysis {
  const options = opts.options ?? DEFAULT_REPORT_OPTIONS;
  const notes: string[] = [];
  const labData = readJson<LabsFile>(path.join(opts.dir, DATA_DIR, LABS_FILE))?.labs ?? {};
  const results = opts.gradebook.results;
  const similarity: LabSimilarity[] = timed(timings, 'similarity', () => {
    const code = new Map<string, CodeFile>();
    const missing: string[] = [];
    for (const student of results.keys()) {
      const c = readJson<CodeFile>(codeFile(opts.dir, student));
      if (c?.student === student) code.set(student, c);
      else missing.push(student);
    }
    if (missing.length) notes.push(`Similar code: the code of ${missing.length} student${missing.length === 1 ? '' : 's'} is not in ${DATA_DIR}/${CODE_DIR}/ (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}): not compared.`);
    return opts.labs.flatMap((lab) => {
      const data = labData[lab];
      if (!data) {
        notes.push(`Similar code in ${lab}: not checked, ${DATA_DIR}/${LABS_FILE} has no stub for it (written by batch).`);
        return [];
      }
      const students: StudentCode[] = [...code.values()].filter((c) => c.labs[lab]).map((c) => ({ student: c.student, files: c.labs[lab] }));
      return [labSimilarity(lab, data.stub, students, options.similarity)];
    });
  });
  const known: KnownAnswers = Object.fromEntries(Object.entries(labData).map(([lab, d]) => [lab, d.known]));
  const identical = timed(timings, 'identical', () => identicalWrongAnswers(results, known, options.identicalMaxGroup));
  for (const lab of identical.unchecked) notes.push(`Identical wrong numbers in ${lab}: not checked, no known answers to tell a known mistake from an unknown one.`);
  return { similarity, identical, lessons: lessons(opts.labs, results.values(), identical.common), notes };
}

/** Writes DIR/report.html from the gradebook and what DIR/report/ holds. */
export function writeClassReport(opts: WriteReportOptions, timings: Record<string, number> = {}): ClassReportSummary {
  const started = Date.now();
  try {
    const analysis = analyseClass(opts, timings);
    const html = timed(timings, 'html', () =>
      classReportHtml({
        ...analysis,
        labs: opts.labs,
        rows: opts.gradebook.rows,
        results: opts.gradebook.results,
        withFolder: new Set(opts.gradebook.records.keys()),
        options: opts.options ?? DEFAULT_REPORT_OPTIONS,
        generatedAt: opts.now ?? new Date(),
      }),
    );
    const file = path.join(opts.dir, REPORT_FILE);
    writeAtomic(file, html);
    return {
      ok: true,
      file,
      ms: Date.now() - started + (timings.inputs ?? 0),
      timings: { inputs: timings.inputs ?? 0, similarity: timings.similarity ?? 0, identical: timings.identical ?? 0, html: timings.html ?? 0 },
      pairs: analysis.similarity.reduce((n, s) => n + s.pairs.length, 0),
      groups: analysis.identical.groups.length,
      notes: analysis.notes,
    };
  } catch (e) {
    return { ok: false, message: (e as Error).message, ms: Date.now() - started };
  }
}

export interface BatchReportOptions extends WriteReportOptions {
  /** The harness checkout (stubs, rubrics, expected values). */
  root: string;
  /** This run's submissions (its shard), to keep their code. */
  submissions: Submission[];
  /** The batch was stopped (Ctrl-C): no report of half a class, and no wait. */
  interrupted?: boolean;
}

/** Keeps what the report needs in DIR/report/ (stubs, known answers, code), then writes it. */
export async function writeBatchReport(opts: BatchReportOptions): Promise<ClassReportSummary> {
  const started = Date.now();
  if (opts.interrupted) return { ok: false, skipped: true, message: 'not written, the batch was interrupted (run it again with --resume to finish it and write the report)', ms: 0 };
  const timings: Record<string, number> = {};
  try {
    const labs: Record<string, LabData> = {};
    for (const name of opts.labs) {
      const lab = loadLab(opts.root, name);
      const known = knownAnswersOf(lab, await expectedFor(opts.root, lab));
      const stub = Object.fromEntries(filesUnder(opts.root, `labs/${name}`).filter(isCode).map((f) => [f, fs.readFileSync(path.join(opts.root, f), 'utf8')]));
      labs[name] = { stub, known };
    }
    fs.mkdirSync(path.join(opts.dir, DATA_DIR, CODE_DIR), { recursive: true });
    writeAtomic(path.join(opts.dir, DATA_DIR, LABS_FILE), JSON.stringify({ format: DATA_FORMAT, version: DATA_VERSION, labs } satisfies LabsFile));
    // The code of students no longer in this folder's class (an earlier class's, replaced) goes.
    const kept = new Set(opts.submissions.map((sub) => path.basename(codeFile(opts.dir, sub.student))));
    for (const name of fs.readdirSync(path.join(opts.dir, DATA_DIR, CODE_DIR))) if (!kept.has(name)) fs.rmSync(path.join(opts.dir, DATA_DIR, CODE_DIR, name), { force: true });
    for (const sub of opts.submissions) {
      if (!opts.gradebook.results.has(sub.student)) continue;
      const taken = readSubmission(sub);
      if (taken.problem) continue;
      const code: CodeFile = { format: DATA_FORMAT, version: DATA_VERSION, student: sub.student, labs: Object.fromEntries(opts.labs.map((lab) => [lab, labFiles(taken.files, lab)])) };
      writeAtomic(codeFile(opts.dir, sub.student), JSON.stringify(code));
    }
    timings.inputs = Date.now() - started;
  } catch (e) {
    return { ok: false, message: `the report's inputs could not be kept: ${(e as Error).message}`, ms: Date.now() - started };
  }
  return writeClassReport(opts, timings);
}

export interface MergedReportOptions extends WriteReportOptions {
  /** The shard folders merged into `dir`. */
  shards: string[];
}

/** Copies the shards' report inputs of the merged students into DIR/report/, then writes the report. */
export function writeMergedReport(opts: MergedReportOptions): ClassReportSummary {
  const started = Date.now();
  const timings: Record<string, number> = {};
  try {
    fs.mkdirSync(path.join(opts.dir, DATA_DIR, CODE_DIR), { recursive: true });
    const labsFile = opts.shards.map((s) => path.join(s, DATA_DIR, LABS_FILE)).find((f) => readJson<LabsFile>(f));
    if (labsFile) fs.copyFileSync(labsFile, path.join(opts.dir, DATA_DIR, LABS_FILE));
    const kept = new Set([...opts.gradebook.results.keys()].map((student) => path.basename(codeFile(opts.dir, student))));
    for (const name of fs.readdirSync(path.join(opts.dir, DATA_DIR, CODE_DIR))) if (!kept.has(name)) fs.rmSync(path.join(opts.dir, DATA_DIR, CODE_DIR, name), { force: true });
    for (const student of opts.gradebook.results.keys()) {
      const from = opts.shards.map((s) => codeFile(s, student)).find((f) => fs.existsSync(f));
      if (from) fs.copyFileSync(from, codeFile(opts.dir, student));
    }
  } catch (e) {
    return { ok: false, message: `the shards' report inputs could not be copied: ${(e as Error).message}`, ms: Date.now() - started };
  }
  timings.inputs = Date.now() - started;
  return writeClassReport(opts, timings);
}

/** The line a command prints about the report: where it is and how long it took, or what went wrong. */
export function reportLine(summary: ClassReportSummary, shown: (file: string) => string): { stream: 'out' | 'err'; text: string } {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (!summary.ok) return { stream: 'err', text: summary.skipped ? `report.html: ${summary.message}` : `report.html could not be written (grades are not affected): ${summary.message}` };
  const t = summary.timings;
  const signals = `${summary.pairs} similar pair${summary.pairs === 1 ? '' : 's'}, ${summary.groups} group${summary.groups === 1 ? '' : 's'} with identical wrong numbers`;
  return { stream: 'out', text: `report:    ${shown(summary.file)} (${signals}; written in ${s(summary.ms)}: inputs ${s(t.inputs)}, similarity ${s(t.similarity)}, identical numbers ${s(t.identical)}, html ${s(t.html)})` };
}
