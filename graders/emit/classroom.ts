/**
 * GitHub Classroom's autograding result, from the results model: what a grading step puts in
 * its `result` output for classroom-resources/autograding-grading-reporter. The reporter reads
 * `<RUNNER>_RESULTS` (the output), decodes it from base64, parses the JSON and sums, per
 * runner, `max_score` and every test's `score` (so partial points count); a test whose
 * `status` is not `pass` is printed with its `message`, and a runner whose `status` is `fail`
 * or `error` fails the job. The fields are those of Classroom's own graders
 * (autograding-command-grader's result: version 1, status, max_score, tests with name, status,
 * score, message, test_code, filename, line_no, duration).
 *
 * Each item becomes a test. Pass results through the student view first
 * (graders/release/redact.ts): the output is visible to the student. The reporter prints each
 * message in the job's log, so messages are made safe for a log (text.ts `forTerminal`: no
 * escape sequences, no line that starts a workflow command).
 */
import { z } from 'zod';
import type { ItemResult, LabResult, Results } from '../engine/results';
import { forTerminal } from '../engine/text';

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

/** Where an item's code is, for the test's filename and line_no (and annotations). */
export type Locate = (lab: LabResult, item: ItemResult) => { file: string; line: number } | undefined;

/** The feedback of one item as plain text: what happened, the diagnosis, the hint. */
export function itemFeedback(item: ItemResult): string {
  const lines = [item.status === 'passed' ? item.message : `${item.status}: ${item.message}`];
  if (item.diagnosis) lines.push(`Diagnosis: ${item.diagnosis}`);
  if (item.hint) lines.push(`Hint: ${item.hint}`);
  return lines.join('\n');
}

export function toClassroom(results: Results, opts: { locate?: Locate } = {}): ClassroomResult {
  const tests = results.labs.flatMap((lab) =>
    lab.items.map((item): ClassroomTest => {
      const where = opts.locate?.(lab, item);
      return {
        name: `${lab.lab} ${item.id}: ${item.title}`,
        status: lab.status === 'error' ? 'error' : item.status === 'passed' ? 'pass' : 'fail',
        score: item.score,
        message: forTerminal(itemFeedback(item)),
        test_code: `npm test -- ${lab.lab}`,
        filename: where?.file ?? '',
        line_no: where?.line ?? 0,
        duration: item.duration_ms,
      };
    }),
  );
  const status = tests.some((t) => t.status === 'error') ? 'error' : tests.every((t) => t.status === 'pass') ? 'pass' : 'fail';
  return { version: CLASSROOM_RESULT_VERSION, status, max_score: results.max_score, tests };
}

/** The `result` output: the JSON, base64-encoded (one line, safe for $GITHUB_OUTPUT). */
export function encodeClassroomResult(result: ClassroomResult): string {
  return Buffer.from(JSON.stringify(ClassroomResultSchema.parse(result)), 'utf8').toString('base64');
}

export function decodeClassroomResult(encoded: string): ClassroomResult {
  return ClassroomResultSchema.parse(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
}
