/**
 * The results model: one versioned schema for what grading produced. Every other format
 * (the score table, Markdown feedback, the CSV gradebook, Gradescope's results.json, GitHub
 * Classroom's result) is a small emitter from this.
 *
 * Version 2 keeps what a failing case found as data (`mismatches`, `gradient`, `bounds`): the
 * worst element, expected and actual values, errors, tolerance, the finite-difference verdict.
 * Words are made from them by graders/emit/case-text.ts, which every writer uses. Version 1
 * files (cases with words only) are still read: `readResults`.
 */
import { z } from 'zod';
import { VISIBILITIES } from './rubric';

export const RESULTS_FORMAT = 'gradecheck/results';
export const RESULTS_VERSION = 2;

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

/** A number as JSON can hold it (json-number.ts): NaN, the infinities and -0 as strings. */
export const JsonNumberSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity', '-0'])]);
export { fromJsonNumber, toJsonNumber } from './json-number';
export type { JsonNumber } from './json-number';

const Path = z.string();
const Shape = z.array(z.number().int().nonnegative());

/**
 * One compared output or gradient (`path`, e.g. `y` or `grads.dW`) that is not what was
 * expected. Element reports name the worst element: the largest error beyond the tolerance
 * `|actual - expected| <= atol + rtol * |expected|`, or the first non-finite value.
 */
const elementMismatch = <K extends 'wrong_value' | 'not_finite'>(kind: K) =>
  z.object({
    kind: z.literal(kind),
    path: Path,
    shape: Shape,
    index: z.array(z.number().int().nonnegative()),
    expected: JsonNumberSchema,
    actual: JsonNumberSchema,
    max_abs_error: JsonNumberSchema,
    max_rel_error: JsonNumberSchema,
    /** Elements out of tolerance, of all elements. */
    elements_off: z.number().int().nonnegative(),
    elements: z.number().int().nonnegative(),
    tolerance: z.object({ rtol: z.number(), atol: z.number() }),
  });

export const MismatchSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('missing'), path: Path }),
  z.object({ kind: z.literal('wrong_type'), path: Path, expected: z.string(), actual: z.string() }),
  z.object({ kind: z.literal('wrong_shape'), path: Path, expected: Shape, actual: Shape }),
  elementMismatch('wrong_value'),
  elementMismatch('not_finite'),
]);
export type MismatchData = z.infer<typeof MismatchSchema>;

/** One gradient element (or direction) where the backward and finite differences of the forward differ. */
const GradientDisagreement = z.object({
  backward: JsonNumberSchema,
  finite_differences: JsonNumberSchema,
});

/**
 * The second gradient oracle's verdict: the backward against central differences of the same
 * process's own forward (core/gradcheck.ts).
 */
export const GradcheckVerdictSchema = z.object({
  agrees: z.boolean(),
  mode: z.enum(['full', 'fast']),
  /** Elements (full) or random directions (fast) checked. 0: nothing was checked, see `problem`. */
  checked: z.number().int().nonnegative(),
  /** `nothing_to_check`: no float input among `inputs`; `could_not_run`: the forward failed (`reason`). */
  problem: z.enum(['nothing_to_check', 'could_not_run']).optional(),
  reason: z.string().optional(),
  inputs: z.array(z.string()).optional(),
  /** The inputs whose gradients disagree (named even when the check was a projection). */
  disagreeing: z.array(z.string()).optional(),
  /** The worst element, where it could be found. */
  worst: GradientDisagreement.extend({ input: z.string(), index: z.array(z.number().int().nonnegative()) }).optional(),
  /** Full mode: elements that disagree (of `checked`). */
  elements_off: z.number().int().nonnegative().optional(),
  /** Fast mode: the first random direction that disagrees, and how many did (of `checked`). */
  direction: GradientDisagreement.extend({ number: z.number().int().positive(), disagreeing: z.number().int().nonnegative() }).optional(),
});
export type GradcheckVerdict = z.infer<typeof GradcheckVerdictSchema>;

/**
 * Why a backward that disagrees with the reference does: is the student's forward right
 * (`right`, `wrong`, or `not_run` with `forward_problem`), and does the backward agree with
 * finite differences of it (`own_forward`)?
 */
export const GradientFindingSchema = z.object({
  forward: z.enum(['right', 'wrong', 'not_run']),
  forward_problem: z.string().optional(),
  own_forward: GradcheckVerdictSchema.optional(),
});
export type GradientFinding = z.infer<typeof GradientFindingSchema>;

/** A returned number outside the bounds an item sets (a held-out accuracy, a loss after training). */
export const BoundsMissSchema = z.object({
  key: z.string(),
  /** What was returned, when it was not a number (as JSON, cut short). */
  returned: z.string().optional(),
  actual: JsonNumberSchema.optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type BoundsMiss = z.infer<typeof BoundsMissSchema>;

export const CaseResultSchema = z.object({
  label: z.string(),
  status: z.enum(STATUSES),
  /**
   * What happened, in words, where it is not a comparison: what the student's code threw,
   * why the case did not run. Empty or absent where the findings below say it.
   */
  message: z.string().optional(),
  /** What the comparison found, up to three compared outputs or gradients. */
  mismatches: z.array(MismatchSchema).optional(),
  /** How many compared outputs or gradients were off in all (when more than `mismatches` lists). */
  mismatches_total: z.number().int().nonnegative().optional(),
  gradient: GradientFindingSchema.optional(),
  bounds: z.array(BoundsMissSchema).optional(),
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
  /**
   * The item's outcome in words, rendered from its cases by graders/emit/case-text.ts (for tools
   * that read the file without rendering). Writers render from the cases, not from this.
   */
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

/** Version 1: a case's outcome in words only. */
const CaseResultV1Schema = z.object({ label: z.string(), status: z.enum(STATUSES), message: z.string(), value_digest: z.string().optional() });

export const ResultsV1Schema = ResultsSchema.extend({
  version: z.literal(1),
  labs: z.array(LabResultSchema.extend({ items: z.array(ItemResultSchema.extend({ cases: z.array(CaseResultV1Schema) })) })),
});

/**
 * A results file of any version this engine reads, as the current version: a version 1 file's
 * cases keep their words (`message`) and have no findings, which writers render as they did.
 */
export function readResults(json: unknown): Results {
  const version = (json as { version?: unknown } | null)?.version;
  if (version === 1) return { ...ResultsV1Schema.parse(json), version: RESULTS_VERSION };
  return ResultsSchema.parse(json);
}

/** The results of one submission: its labs, their total, how its code was isolated. Made here only. */
export function resultsOf(submission: string, sandbox: Results['sandbox'], labs: LabResult[]): Results {
  return { format: RESULTS_FORMAT, version: RESULTS_VERSION, submission, ...sumScores(labs), sandbox, labs };
}

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
