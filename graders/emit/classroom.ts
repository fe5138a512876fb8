/**
 * GitHub Classroom's autograding results, from the results model: what a grading step hands
 * classroom-resources/autograding-grading-reporter. The reporter reads, for each runner id of its
 * `runners` input, the variable `<ID>_RESULTS` (upper case), decodes it from base64 and parses the
 * JSON: the fields of Classroom's own graders (autograding-command-grader's result: version 1,
 * status, max_score, tests with name, status, score, message, test_code, filename, line_no,
 * duration). A runner whose `status` is `fail` or `error` fails the job.
 *
 * The reporter computes the points twice, and differently:
 * - its log (ConsoleResults): per runner, passed tests / tests x max_score;
 * - its notice "Points x/y", which Classroom records: the sum of every test's `score`, out of
 *   the sum of the runners' `max_score`.
 * Both equal gradecheck's total (totals.ts) only if, in every runner, the tests weigh the same
 * and each is worth all or nothing. So each listed item is a runner of its own: one test when the
 * item scored all or nothing; one test per case when its score is the fraction of its cases that
 * passed; else as many equal parts as its fraction needs. The hidden items graded (never listed
 * one by one) are one runner per lab, in equal parts, named by their count only. Pending items
 * (not graded) are in no runner: the score table and summary say what they are worth.
 *
 * Pass results through the student view first (graders/release/redact.ts): the output is visible
 * to the student. The reporter prints tests in the job's log, so messages are made safe for a
 * log (text.ts `forTerminal`: no escape sequences, no line that starts a workflow command).
 */
import { z } from 'zod';
import { ItemResult, LabResult, Results, roundScore } from '../engine/core/results';
import { forTerminal } from './text';
import { itemMessage } from './case-text';
import { isShown, labTotals } from '../engine/core/totals';

export const CLASSROOM_RESULT_VERSION = 1;

const Status = z.enum(['pass', 'fail', 'error']);

export const ClassroomTestSchema = z
  .object({
    name: z.string().min(1),
    status: Status,
    score: z.number().nonnegative(),
    message: z.string(),
    test_code: z.string(),
    filename: z.string(),
    line_no: z.number().int().nonnegative(),
    /** Milliseconds. */
    duration: z.number().nonnegative(),
  })
  .strict();

export const ClassroomResultSchema = z
  .object({
    version: z.literal(CLASSROOM_RESULT_VERSION),
    status: Status,
    max_score: z.number().nonnegative(),
    tests: z.array(ClassroomTestSchema),
  })
  .strict();

export type ClassroomTest = z.infer<typeof ClassroomTestSchema>;
export type ClassroomResult = z.infer<typeof ClassroomResultSchema>;

/** One runner: its id (the reporter reads `<ID>_RESULTS`) and its result. */
export interface ClassroomRunner {
  id: string;
  result: ClassroomResult;
}

/** Where an item's code is, for the test's filename and line_no (and annotations). */
export type Locate = (lab: LabResult, item: ItemResult) => { file: string; line: number } | undefined;

/** The feedback of one item as plain text: what happened, the diagnosis, the hint. */
export function itemFeedback(item: ItemResult): string {
  const message = itemMessage(item);
  const lines = [item.status === 'passed' ? message : `${item.status}: ${message}`];
  if (item.diagnosis) lines.push(`Diagnosis: ${item.diagnosis}`);
  if (item.hint) lines.push(`Hint: ${item.hint}`);
  return lines.join('\n');
}

/**
 * k of n equal parts, k / n = score / max: the smallest n (up to 1000) that gives the fraction to
 * within gradecheck's rounding of scores (1e-6).
 */
export function equalParts(score: number, max: number): { passed: number; parts: number } {
  if (max <= 0 || score <= 0) return { passed: 0, parts: 1 };
  if (score >= max) return { passed: 1, parts: 1 };
  for (let parts = 2; parts <= 1000; parts++) {
    const passed = Math.round((score / max) * parts);
    if (Math.abs((passed / parts) * max - score) <= 1e-6) return { passed, parts };
  }
  return { passed: Math.round((score / max) * 1000), parts: 1000 };
}

/** The tests of one runner worth `score` of `max`: `passed` of them pass, and their scores add up to `score`. */
function partTests(names: string[], passed: boolean[], score: number, base: Omit<ClassroomTest, 'name' | 'status' | 'score'>): ClassroomTest[] {
  const k = passed.filter(Boolean).length;
  let left = score;
  let seen = 0;
  return names.map((name, i) => {
    if (!passed[i]) return { ...base, name, status: 'fail' as const, score: 0 };
    seen++;
    const share = seen === k ? left : score / k;
    left -= share;
    return { ...base, name, status: 'pass' as const, score: share };
  });
}

/** A runner id the reporter can read back: letters and digits (its own check), one per runner. */
function runnerId(taken: Set<string>, ...words: string[]): string {
  const camel = words
    .flatMap((w) => w.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1)))
    .join('');
  let id = camel || 'gradecheck';
  for (let n = 2; taken.has(id.toUpperCase()); n++) id = `${camel}${n}`;
  taken.add(id.toUpperCase());
  return id;
}

function itemRunner(lab: LabResult, item: ItemResult, where: { file: string; line: number } | undefined): ClassroomResult {
  const base = { message: forTerminal(itemFeedback(item)), test_code: `npm test -- ${lab.lab} -t ${item.id}`, filename: where?.file ?? '', line_no: where?.line ?? 0, duration: item.duration_ms };
  const name = `${lab.lab} ${item.id}: ${item.title}`;
  const byCase = item.cases.length > 1 && roundScore((item.max_score * item.cases.filter((c) => c.status === 'passed').length) / item.cases.length) === item.score;
  let tests: ClassroomTest[];
  if (item.score <= 0 || item.score >= item.max_score) tests = partTests([name], [item.score >= item.max_score && item.max_score > 0], item.score, base);
  else if (byCase) tests = partTests(item.cases.map((c) => `${name} (case "${c.label}")`), item.cases.map((c) => c.status === 'passed'), item.score, base);
  else {
    const { passed, parts } = equalParts(item.score, item.max_score);
    tests = partTests(Array.from({ length: parts }, (_, i) => `${name} (part ${i + 1} of ${parts})`), Array.from({ length: parts }, (_, i) => i < passed), item.score, base);
  }
  const status = lab.status === 'error' ? 'error' : tests.every((t) => t.status === 'pass') ? 'pass' : 'fail';
  return { version: CLASSROOM_RESULT_VERSION, status, max_score: item.max_score, tests };
}

/** The runners of a grading: one per listed item, one per lab for its hidden items graded. */
export function toClassroom(results: Results, opts: { locate?: Locate; now?: Date } = {}): ClassroomRunner[] {
  const taken = new Set<string>();
  const runners: ClassroomRunner[] = [];
  for (const lab of results.labs) {
    const t = labTotals(lab, { view: 'student', now: opts.now });
    const listed = lab.items.filter((i) => isShown(i, lab, { view: 'student', now: opts.now }));
    for (const item of listed) runners.push({ id: runnerId(taken, lab.lab, item.id), result: itemRunner(lab, item, opts.locate?.(lab, item)) });
    // A lab graded without items (the harness failed on it): its points in one failing test.
    const unlisted = roundScore(lab.max_score - t.hidden.max_score - listed.reduce((s, i) => s + i.max_score, 0));
    if (unlisted > 0) {
      const base = { message: forTerminal(`${lab.status}: ${lab.message}`), test_code: `npm test -- ${lab.lab}`, filename: '', line_no: 0, duration: 0 };
      runners.push({ id: runnerId(taken, lab.lab), result: { version: CLASSROOM_RESULT_VERSION, status: lab.status === 'error' ? 'error' : 'fail', max_score: unlisted, tests: [{ ...base, name: `${lab.lab}: ${lab.status}`, status: 'fail', score: 0 }] } });
    }
    if (t.hidden.items > 0) {
      const { passed, parts } = equalParts(t.hidden.score, t.hidden.max_score);
      const name = `${lab.lab}: ${t.hidden.items} hidden item${t.hidden.items === 1 ? '' : 's'}, together`;
      const base = { message: 'hidden items are not shown one by one', test_code: '', filename: '', line_no: 0, duration: 0 };
      const tests = partTests(Array.from({ length: parts }, (_, i) => (parts > 1 ? `${name} (part ${i + 1} of ${parts})` : name)), Array.from({ length: parts }, (_, i) => i < passed), t.hidden.score, base);
      runners.push({ id: runnerId(taken, lab.lab, 'hidden'), result: { version: CLASSROOM_RESULT_VERSION, status: passed === parts ? 'pass' : 'fail', max_score: t.hidden.max_score, tests } });
    }
  }
  return runners;
}

/** A runner's result as the reporter reads it: the JSON, base64-encoded (one line, safe for $GITHUB_ENV). */
export function encodeClassroomResult(result: ClassroomResult): string {
  return Buffer.from(JSON.stringify(ClassroomResultSchema.parse(result)), 'utf8').toString('base64');
}

export function decodeClassroomResult(encoded: string): ClassroomResult {
  return ClassroomResultSchema.parse(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
}

/** The reporter's log total: per runner, passed tests / tests x max_score (its ConsoleResults). */
export function reporterLogPoints(runners: ClassroomResult[]): { points: number; max: number } {
  return {
    points: runners.reduce((s, r) => s + (r.tests.length ? (r.tests.filter((t) => t.status === 'pass').length / r.tests.length) * r.max_score : 0), 0),
    max: runners.reduce((s, r) => s + r.max_score, 0),
  };
}

/** The reporter's notice, which Classroom records: the sum of every test's score, out of the sum of max_score (its NotifyClassroom). */
export function reporterNoticePoints(runners: ClassroomResult[]): { points: number; max: number } {
  const counted = runners.filter((r) => r.max_score);
  return { points: counted.reduce((s, r) => s + r.tests.reduce((t, x) => t + x.score, 0), 0), max: counted.reduce((s, r) => s + r.max_score, 0) };
}
