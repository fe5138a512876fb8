/**
 * Classroom 50's result.json, from the results model. Contract: the foundation50/classroom50
 * wiki, "Advanced Autograding", "The result.json contract" (schema `classroom50/result/v1`),
 * as its score collector validates it: `score` and `max-score` are non-negative integers, the
 * sums of the tests' `score` and `max-score`; each test has a non-empty `test-name`, a boolean
 * `passed` and integer `score` <= `max-score`; extra fields on a test are kept verbatim.
 * `owner` and `assignment_type` are stamped by Classroom 50's runner; the identity fields come
 * from the variables that runner sets (CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL,
 * RELEASE_URL, REVIEW_URL, OWNER or USERNAME, ASSIGNMENT_TYPE), else from GitHub's (the owner
 * then is GITHUB_ACTOR, who pushed).
 *
 * The collector's total is the sum of the tests' scores, so the tests are what gradecheck's
 * totals (totals.ts) are made of: one test per listed item, and one per lab for the hidden items
 * graded (never listed one by one: named by their count, with their points together). Pending
 * items (not graded) are in no test.
 *
 * Points are integers there, and gradecheck's are not always (partial credit, 2 of 3 cases, half
 * points): every score and maximum is multiplied by one scale, the first of 1, 10, 100, 1000,
 * then 2, 3, ... 1000 that makes them all whole, so that score / max-score is gradecheck's total
 * exactly. Only if none does (never with cases up to 1000) are partial scores rounded down at
 * 1000. Each test keeps the exact points as `points` and `max-points`.
 */
import { z } from 'zod';
import type { Results } from '../engine/core/results';
import { isShown, labTotals } from '../engine/core/totals';

export const CLASSROOM50_SCHEMA = 'classroom50/result/v1';

const NonNegativeInt = z.number().int().nonnegative();
const UtcDatetime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'an RFC 3339 date-time');

export const Classroom50TestSchema = z
  .object({
    'test-name': z.string().min(1),
    passed: z.boolean(),
    score: NonNegativeInt,
    'max-score': NonNegativeInt,
  })
  .catchall(z.unknown())
  .refine((t) => t.score <= t['max-score'], 'score > max-score');

export const Classroom50ResultSchema = z
  .object({
    schema: z.literal(CLASSROOM50_SCHEMA),
    classroom: z.string().min(1),
    assignment: z.string().min(1),
    assignment_type: z.enum(['individual', 'group']).optional(),
    owner: z.string().min(1).optional(),
    submission: z.string().min(1),
    commit: z.string().min(1),
    release: z.string().min(1),
    review: z.string().min(1),
    datetime: UtcDatetime,
    graded_at: UtcDatetime.optional(),
    score: NonNegativeInt,
    'max-score': NonNegativeInt,
    tests: z.array(Classroom50TestSchema),
  })
  .strict()
  .refine((r) => r.score === r.tests.reduce((s, t) => s + t.score, 0) && r['max-score'] === r.tests.reduce((s, t) => s + t['max-score'], 0), 'score and max-score must be the sums of the tests')
  .refine((r) => r.score <= r['max-score'], 'score > max-score');

export type Classroom50Result = z.infer<typeof Classroom50ResultSchema>;

/** Who and what was graded. */
export interface Classroom50Context {
  classroom: string;
  assignment: string;
  submission: string;
  commit: string;
  release: string;
  review: string;
  /** The submission instant: the graded commit's committer date. */
  datetime: Date;
  gradedAt: Date;
  owner?: string;
  assignmentType?: 'individual' | 'group';
}

/** Second-precision UTC, as Classroom 50 writes it. */
export function utc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The context from the environment: Classroom 50's runner variables when present, else what
 * GitHub Actions sets (a submission name `submit/<UTC>-<short sha>` like Classroom 50's tags).
 */
export function classroom50Context(env: NodeJS.ProcessEnv, opts: { labs: string[]; assignment?: string; commitDate?: Date; now?: Date }): Classroom50Context {
  const now = opts.now ?? new Date();
  const datetime = opts.commitDate ?? now;
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/$/, '');
  const repo = env.GITHUB_REPOSITORY;
  const sha = env.GITHUB_SHA ?? '';
  const commit = env.COMMIT_URL || (repo && sha ? `${server}/${repo}/commit/${sha}` : `commit ${sha || 'unknown'}`);
  const submission = env.SUBMISSION_TAG || `submit/${utc(datetime).replace(/:/g, '-')}${sha ? `-${sha.slice(0, 7)}` : ''}`;
  const release = env.RELEASE_URL || (repo ? `${server}/${repo}/releases/tag/${encodeURIComponent(submission)}` : submission);
  const type = env.ASSIGNMENT_TYPE;
  const owner = env.OWNER || env.USERNAME || env.GITHUB_ACTOR;
  return {
    classroom: env.CLASSROOM || env.GITHUB_REPOSITORY_OWNER || 'local',
    assignment: env.ASSIGNMENT || opts.assignment || opts.labs.join('+') || 'labs',
    submission,
    commit,
    release,
    review: env.REVIEW_URL || commit,
    datetime,
    gradedAt: now,
    ...(owner ? { owner } : {}),
    ...(type === 'individual' || type === 'group' ? { assignmentType: type } : {}),
  };
}

/** Whether x times `scale` is whole, to within gradecheck's rounding of scores (1e-6). */
const wholeAt = (x: number, scale: number) => Math.abs(x * scale - Math.round(x * scale)) <= scale * 1e-6 + 1e-9;

/** The scale that makes every value whole: 1, 10, 100, 1000 if one does, else the smallest integer up to 1000. */
export function pointScale(values: number[]): number {
  for (const scale of [1, 10, 100, 1000]) if (values.every((v) => wholeAt(v, scale))) return scale;
  for (let scale = 2; scale <= 1000; scale++) if (values.every((v) => wholeAt(v, scale))) return scale;
  return 1000;
}

export function toClassroom50(results: Results, ctx: Classroom50Context & { now?: Date }): Classroom50Result {
  const view = { view: 'student' as const, now: ctx.now ?? ctx.gradedAt };
  const parts = results.labs.flatMap((lab) => {
    const listed = lab.items
      .filter((item) => isShown(item, lab, view))
      .map((item) => ({ name: `${lab.lab} ${item.id}: ${item.title}`, passed: item.status === 'passed', score: item.score, max: item.max_score, status: item.status as string }));
    const hidden = labTotals(lab, view).hidden;
    if (hidden.items > 0) listed.push({ name: `${lab.lab}: ${hidden.items} hidden item${hidden.items === 1 ? '' : 's'}, together`, passed: hidden.score >= hidden.max_score, score: hidden.score, max: hidden.max_score, status: 'hidden' });
    return listed;
  });
  const scale = pointScale(parts.flatMap((p) => [p.score, p.max]));
  const tests = parts.map((p) => {
    const max = Math.round(p.max * scale);
    const score = wholeAt(p.score, scale) ? Math.round(p.score * scale) : Math.floor(p.score * scale + 1e-9);
    return { 'test-name': p.name, passed: p.passed, score: Math.min(max, score), 'max-score': max, points: p.score, 'max-points': p.max, status: p.status };
  });
  return {
    schema: CLASSROOM50_SCHEMA,
    classroom: ctx.classroom,
    assignment: ctx.assignment,
    ...(ctx.assignmentType ? { assignment_type: ctx.assignmentType } : {}),
    ...(ctx.owner ? { owner: ctx.owner } : {}),
    submission: ctx.submission,
    commit: ctx.commit,
    release: ctx.release,
    review: ctx.review,
    datetime: utc(ctx.datetime),
    graded_at: utc(ctx.gradedAt),
    score: tests.reduce((s, t) => s + t.score, 0),
    'max-score': tests.reduce((s, t) => s + t['max-score'], 0),
    tests,
  };
}
