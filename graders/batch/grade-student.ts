/**
 * Grading one student of a batch (this runs in a batch worker): intake of the submission's
 * labs/**, then each lab graded by the engine, in the student process, exactly as
 * `gradecheck grade` does. Everything the student's code does becomes data in the results;
 * only a bug of the harness throws.
 */
import { expectedFor } from '../engine/core/expected';
import type { SubmissionBudgets } from '../engine/host/budgets';
import { gradeLab, overHarness } from '../engine/core/grade';
import { Lab, loadLab } from '../engine/core/labs';
import { mapTree } from '../engine/host/modules';
import { LabResult, Results, resultsOf, sumScores } from '../engine/core/results';
import type { SandboxMode } from '../engine/host/sandbox';
import { IntakeProblem, Submission, gradedDigest, readSubmission } from './intake';

/** `--timeout`: every item's time budget replaced (`{seconds}`) or scaled (`{factor}`). */
export type TimeoutSpec = { seconds: number } | { factor: number };

/** "3" (seconds per item) or "2x" (the rubric's budgets, doubled); undefined when malformed. */
export function parseTimeout(text: string): TimeoutSpec | undefined {
  const m = /^(\d+(?:\.\d+)?)(x?)$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) return undefined;
  return m[2] ? { factor: Number(m[1]) } : { seconds: Number(m[1]) };
}

/** The lab with each item's time budget replaced or scaled. */
export function withTimeout(lab: Lab, spec: TimeoutSpec | undefined): Lab {
  if (!spec) return lab;
  const timeout = (t: number) => ('seconds' in spec ? spec.seconds : t * spec.factor);
  return { ...lab, rubric: { ...lab.rubric, items: lab.rubric.items.map((it) => ({ ...it, timeout: timeout(it.timeout) })) } };
}

export interface GradeConfig {
  /** The harness checkout. */
  root: string;
  labs: string[];
  sandbox: SandboxMode;
  memoryMb: number;
  timeout?: TimeoutSpec;
  /** Report type errors as notes (slower). */
  typecheck: boolean;
}

/** A problem that is the student's, found before the engine runs (the submission's intake), or a note on its name. */
export interface StudentProblem {
  code: IntakeProblem['code'];
  message: string;
}

export interface StudentOutcome {
  student: string;
  /** Hash of the submission as taken and of the notes on it (resume regrades a changed submission). */
  digest: string;
  results: Results;
  problems: StudentProblem[];
  duration_ms: number;
}

/** A lab that could not be graded for this student: zero, with the reason. */
export function labNotGraded(lab: Lab, message: string): LabResult {
  return {
    lab: lab.name,
    title: lab.rubric.title,
    ...(lab.rubric.due ? { due: lab.rubric.due } : {}),
    score: 0,
    max_score: sumScores(lab.rubric.items.map((it) => ({ score: 0, max_score: it.points }))).max_score,
    status: 'error',
    message,
    notes: [],
    items: [],
  };
}

export { resultsOf };

/** Grades every configured lab of one submission. */
export async function gradeStudent(sub: Submission, config: GradeConfig): Promise<StudentOutcome> {
  const started = Date.now();
  const labs = config.labs.map((name) => withTimeout(loadLab(config.root, name), config.timeout));
  const taken = readSubmission(sub);
  const problems: StudentProblem[] = [...(taken.problem ? [taken.problem] : []), ...(sub.notes ?? [])];
  const results: LabResult[] = [];
  if (taken.problem) {
    for (const lab of labs) results.push(labNotGraded(lab, `${taken.problem.code}: ${taken.problem.message}`));
  } else {
    const tree = overHarness(config.root, mapTree(taken.files, sub.student));
    // Shared by the labs: a submission whose code never finishes loading pays one full load budget.
    const budgets: SubmissionBudgets = {};
    for (const lab of labs) {
      const expected = await expectedFor(config.root, lab);
      results.push(await gradeLab(lab, { root: config.root, tree, sandbox: config.sandbox, memoryMb: config.memoryMb, expected, typecheck: config.typecheck, budgets }));
    }
  }
  return { student: sub.student, digest: gradedDigest(taken, sub), results: resultsOf(sub.student, config.sandbox, results), problems, duration_ms: Date.now() - started };
}
