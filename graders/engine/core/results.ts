/**
 * The results model: one versioned schema for what grading produced. Every other format
 * (the score table, Markdown feedback, the CSV gradebook, Gradescope's results.json, GitHub
 * Classroom's result) is a small emitter from this.
 */
import { z } from 'zod';
import { VISIBILITIES } from './rubric';

export const RESULTS_FORMAT = 'gradecheck/results';
export const RESULTS_VERSION = 1;

/** What happened to one case (and, worst case first, to an item). */
export const STATUSES = [
  'passed',
  'wrong_value',
  'wrong_shape',
  'wrong_type',
  'not_finite',
  'mutated_input',
  'threw',
  'not_implemented',
  'missing_export',
  'timed_out',
  'out_of_memory',
  'crashed',
  'load_error',
  'syntax_error',
  'forbidden_import',
  /** The lab's files in the submission go through a symbolic link (which could lead to the reference). */
  'forbidden_link',
] as const;
export type Status = (typeof STATUSES)[number];

export const LAB_STATUSES = ['graded', 'syntax_error', 'load_error', 'forbidden_import', 'forbidden_link', 'error'] as const;

const Score = z.number().nonnegative();

export const CaseResultSchema = z.object({
  label: z.string(),
  status: z.enum(STATUSES),
  message: z.string(),
  /**
   * A hash of what the student's code returned on a failing case (see `valueDigest`): equal
   * digests are bit-identical answers, without keeping the answers themselves.
   */
  value_digest: z.string().optional(),
});

export const ItemResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  score: Score,
  max_score: Score,
  status: z.enum(STATUSES),
  message: z.string(),
  hint: z.string().optional(),
  diagnosis: z.string().optional(),
  /** The known mistake (mutant) whose diagnosis this is. */
  diagnosed_by: z.string().optional(),
  /** A more basic item that fails too and that this failure probably follows from (fix it first). */
  root_cause: z.string().optional(),
  visibility: z.enum(VISIBILITIES),
  duration_ms: z.number().nonnegative(),
  cases: z.array(CaseResultSchema),
  /** Pictures for the feedback (SVG), e.g. attention weights beside the reference's. */
  figures: z.array(z.object({ name: z.string(), title: z.string(), svg: z.string() })).optional(),
});

export const LabResultSchema = z.object({
  lab: z.string(),
  title: z.string(),
  score: Score,
  max_score: Score,
  status: z.enum(LAB_STATUSES),
  message: z.string(),
  /** Things worth knowing that cost no points (type errors, for example). */
  notes: z.array(z.string()),
  /** ISO date after which after_due_date items are shown. */
  due: z.string().optional(),
  items: z.array(ItemResultSchema),
  /**
   * Items graded but not listed (the student view of hidden items, see graders/release/redact.ts):
   * how many, and their points together. Counted in `score` and `max_score`.
   */
  hidden: z.object({ items: z.number().int().nonnegative(), score: Score, max_score: Score }).optional(),
  /**
   * Items not graded in this run, left to the instructor's deadline run (hidden items a student
   * release does not hold, or that a per-push CI run leaves out): how many, and their points.
   * Not counted in `score` or `max_score`.
   */
  pending: z.object({ items: z.number().int().nonnegative(), max_score: Score }).optional(),
});

export const ResultsSchema = z.object({
  format: z.literal(RESULTS_FORMAT),
  version: z.literal(RESULTS_VERSION),
  submission: z.string(),
  score: Score,
  max_score: Score,
  /** How the student code was isolated. */
  sandbox: z.enum(['bwrap', 'permission', 'none']),
  labs: z.array(LabResultSchema),
});

export type CaseResult = z.infer<typeof CaseResultSchema>;
export type ItemResult = z.infer<typeof ItemResultSchema>;
export type LabResult = z.infer<typeof LabResultSchema>;
export type Results = z.infer<typeof ResultsSchema>;

/** Sums that do not print as 0.30000000000000004. */
export function roundScore(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function sumScores<T extends { score: number; max_score: number }>(parts: T[]): { score: number; max_score: number } {
  return {
    score: roundScore(parts.reduce((s, p) => s + p.score, 0)),
    max_score: roundScore(parts.reduce((s, p) => s + p.max_score, 0)),
  };
}
