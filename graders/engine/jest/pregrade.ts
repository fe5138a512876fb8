/**
 * Grading before the grader files run (Jest's global setup, global-setup.cjs): the labs the
 * run selected, graded in Jest's own process, where the engine is loaded once and the sandbox
 * checked once, a few labs at a time, each in its own student process (student code never
 * runs here). Each lab leaves its results for the reporter, as a grader file would, and a plan
 * its grader file reports (plan.ts). Only the items `-t` selects are graded, as Jest would.
 *
 * A lab that cannot be prepared here (a broken rubric, no expected values) gets no plan: its
 * grader file grades it itself and fails the way it always did.
 */
import * as os from 'os';
import { expectedFor, referenceCostMs } from '../core/expected';
import { mapLimit } from '../core/pool';
import type { LabSession } from '../core/grade';
import type { Lab } from '../core/labs';
import type { Item } from '../core/rubric';
import { labSession, openLab, reportLab, runContext, RunContext, writeLabResult } from './lab-run';
import { keep, readKept, reuseKey } from './reuse';
import { LabPlan, PLAN_FORMAT, PlannedTest, describeTitle, failureText, selectedBy, testTitle, writePlan } from './plan';

export interface PregradeOptions {
  /** The graders' root (a release, or the harness). */
  root: string;
  /** The labs whose grader files the run will run. */
  labs: string[];
  /** Jest's -t, when given. */
  testNamePattern?: string | null;
  /** Where the plans go. */
  planDir: string;
  /**
   * Whether a lab whose code and graders did not change since an earlier run keeps that run's
   * outcome instead of being graded again (reuse.ts; a student's own runs only).
   */
  reuse?: boolean;
  /** Labs graded at the same time (default: the machine's cores, at most the labs). */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
}

export interface PregradeOutcome {
  /** Labs with a plan. */
  planned: string[];
  /** Labs left to their grader files, with why. */
  left: Record<string, string>;
}

const KEPT_NOTE = 'nothing this lab depends on changed since your last run, so its results are those of that run (npm test -- --no-cache grades it again)';

/** A lab's plan before any grading: none of its items selected, or its outcome kept from an earlier run. */
interface Prepared {
  lab: Lab;
  describe: string;
  selected: Item[];
  /** The outcome's key, when outcomes are kept (reuse.ts). */
  key?: string;
  /** The plan, when nothing needs grading. */
  plan?: LabPlan;
}

function prepare(run: RunContext, lab: Lab, pattern: string | null | undefined, env: NodeJS.ProcessEnv, reuse: boolean): Prepared {
  const describe = describeTitle(lab.name, lab.rubric.title);
  const selected = lab.rubric.items.filter((item) => selectedBy(pattern, describe, testTitle(item)));
  // As in a grader file: with no item selected, Jest runs none of its hooks and the lab has no results.
  if (selected.length === 0) return { lab, describe, selected, plan: { format: PLAN_FORMAT, lab: lab.name, describe, tests: lab.rubric.items.map((item) => ({ title: testTitle(item), outcome: 'not_selected' })) } };
  const key = reuse ? reuseKey({ root: run.root, submission: run.submission, lab: lab.name, sandbox: run.sandbox, pattern }) : undefined;
  const kept = key ? readKept(run.root, lab.name, key) : undefined;
  if (!kept) return { lab, describe, selected, key };
  writeLabResult(run, { ...kept.result, notes: [...kept.result.notes, KEPT_NOTE] }, env);
  return { lab, describe, selected, key, plan: kept.plan };
}

async function gradeOne(run: RunContext, { lab, describe, selected, key }: Prepared, env: NodeJS.ProcessEnv): Promise<LabPlan> {
  const tests: PlannedTest[] = lab.rubric.items.map((item) => ({ title: testTitle(item), outcome: 'not_selected' }));
  let session: LabSession | undefined;
  try {
    session = await labSession(run, lab);
    for (const item of selected) {
      const i = lab.rubric.items.indexOf(item);
      if (!session.items.includes(item)) {
        tests[i] = { title: tests[i].title, outcome: 'no_expected' };
        continue;
      }
      const r = await session.grade(item);
      tests[i] = r.status === 'passed' ? { title: tests[i].title, outcome: 'passed' } : { title: tests[i].title, outcome: 'failed', failure: failureText(r) };
    }
  } finally {
    await session?.close();
  }
  const result = reportLab(run, session!, env);
  const plan: LabPlan = { format: PLAN_FORMAT, lab: lab.name, describe, tests };
  if (key) keep(run.root, lab.name, key, { plan, result });
  return plan;
}

/** The labs to grade, those whose reference took longest on their cases first; one whose values cannot be read goes first (its failure is reported when it is graded). */
async function longestFirst(root: string, labs: Prepared[]): Promise<Prepared[]> {
  const cost = new Map<Prepared, number>();
  for (const p of labs) {
    try {
      const bundle = await expectedFor(root, p.lab);
      cost.set(p, referenceCostMs(bundle));
    } catch {
      cost.set(p, Number.MAX_SAFE_INTEGER);
    }
  }
  return [...labs].sort((a, b) => cost.get(b)! - cost.get(a)!);
}

export async function pregrade(opts: PregradeOptions): Promise<PregradeOutcome> {
  const env = opts.env ?? process.env;
  const outcome: PregradeOutcome = { planned: [], left: {} };
  let run: RunContext;
  try {
    run = runContext(opts.root, env);
  } catch (err) {
    for (const name of opts.labs) outcome.left[name] = (err as Error).message;
    return outcome;
  }
  const toGrade: Prepared[] = [];
  for (const name of opts.labs) {
    try {
      const prepared = prepare(run, openLab(opts.root, name), opts.testNamePattern, env, opts.reuse ?? false);
      if (!prepared.plan) toGrade.push(prepared);
      else {
        writePlan(opts.planDir, prepared.plan);
        outcome.planned.push(name);
      }
    } catch (err) {
      outcome.left[name] = (err as Error).message;
    }
  }
  // The longest lab first (by the reference's time on its cases), so that the others share the
  // remaining workers instead of one long lab starting last.
  const queue = await longestFirst(opts.root, toGrade);
  await mapLimit(queue, opts.concurrency ?? os.availableParallelism(), async (p) => {
    try {
      writePlan(opts.planDir, await gradeOne(run, p, env));
      outcome.planned.push(p.lab.name);
    } catch (err) {
      outcome.left[p.lab.name] = (err as Error).message;
    }
  });
  outcome.planned.sort();
  return outcome;
}
