/**
 * The gradebook of an output folder: a row per student from its verified record (grades.csv),
 * and summary.md with histogram.svg. Written by batch and by merge, from the folder alone.
 */
import * as path from 'path';
import { GradebookRow, gradebookCsv } from '../emit/csv';
import type { Results } from '../engine/core/results';
import { GRADEBOOK_JSON, GradebookRecord } from '../policy/regrade';
import { StudentRecord, readStudent, writeAtomic } from './store';
import { histogramSvg, summaryMarkdown } from './summary';

export const GRADEBOOK_FILE = 'grades.csv';
export const SUMMARY_FILE = 'summary.md';
export const HISTOGRAM_FILE = 'histogram.svg';

export function rowFromRecord(labs: string[], record: StudentRecord): GradebookRow {
  const graded = record.status !== 'error';
  return {
    student: record.student,
    labs: Object.fromEntries(labs.map((l) => [l, graded && record.labs[l] ? record.labs[l].score : null])),
    score: graded ? record.score : null,
    max_score: graded ? record.max_score : null,
    status: record.status,
    message: record.message,
  };
}

function emptyRow(labs: string[], student: string, status: string, message: string): GradebookRow {
  return { student, labs: Object.fromEntries(labs.map((l) => [l, null])), score: null, max_score: null, status, message };
}

export interface Gradebook {
  rows: GradebookRow[];
  results: Map<string, Results>;
  records: Map<string, StudentRecord>;
  /** Students without a record yet. */
  missing: string[];
  /** Students whose record or results do not verify. */
  unverified: string[];
}

/** The rows of `students` (sorted by id) from the records in `dir`, verified with `key`. */
export function readGradebook(dir: string, labs: string[], students: string[], key: Buffer | undefined): Gradebook {
  const book: Gradebook = { rows: [], results: new Map(), records: new Map(), missing: [], unverified: [] };
  for (const student of [...students].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const r = readStudent(dir, student, key);
    if (r.ok) {
      book.rows.push(rowFromRecord(labs, r.record));
      book.records.set(student, r.record);
      if (r.record.status !== 'error') book.results.set(student, r.results);
    } else {
      (r.reason === 'missing' ? book.missing : book.unverified).push(student);
      book.rows.push(emptyRow(labs, student, r.reason === 'missing' ? 'not_graded' : 'unverified', r.message));
    }
  }
  return book;
}

/** What the course policy adds (graders/policy/apply.ts): its grades.csv, summary lines, LMS imports and gradebook.json. */
export interface GradebookExtras {
  /** grades.csv with the course's columns, in place of the plain one. */
  csv?: string;
  summary?: string[];
  /** Files beside grades.csv (the LMS imports). */
  files?: Record<string, string>;
  /** gradebook.json. */
  record?: GradebookRecord;
}

/** Writes grades.csv, summary.md and histogram.svg into `dir` (and what the course policy adds). */
export function writeGradebook(dir: string, labs: string[], book: Gradebook, extras: GradebookExtras = {}): void {
  writeAtomic(path.join(dir, GRADEBOOK_FILE), extras.csv ?? gradebookCsv(labs, book.rows));
  for (const [name, text] of Object.entries(extras.files ?? {})) writeAtomic(path.join(dir, name), text);
  if (extras.record) writeAtomic(path.join(dir, GRADEBOOK_JSON), JSON.stringify(extras.record, null, 2) + '\n');
  const fractions = book.rows.filter((r) => r.score !== null && r.max_score).map((r) => r.score! / r.max_score!);
  writeAtomic(path.join(dir, HISTOGRAM_FILE), histogramSvg(fractions));
  const durations = new Map([...book.records].map(([s, r]) => [s, r.duration_ms]));
  writeAtomic(path.join(dir, SUMMARY_FILE), summaryMarkdown({ labs, rows: book.rows, results: book.results, durations, histogramFile: HISTOGRAM_FILE, course: extras.summary }));
}
