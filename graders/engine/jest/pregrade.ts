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
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectedFor, referenceCostMs, shippedExpected } from '../core/expected';
import { mapLimit } from '../core/pool';
import type { LabSession } from '../core/grade';
import type { Lab } from '../core/labs';
import type { Item } from '../core/rubric';
import { labSession, openLab, reportLab, runContext, RunContext, writeLabResult } from './lab-run';
import { keep, readKept, reuseKey } from './reuse';
import { readReleaseManifest } from '../../release/manifest';
import { LabPlan, PLAN_FORMAT, PlannedTest, describeTitle, failureText, leavePending, selectedBy, testTitle, writePendingPlan, writePlan } from './plan';

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

/** One test per rubric item, with the name the grader file gives it, none graded yet. */
function ungraded(lab: Lab): PlannedTest[] {
  return lab.rubric.items.map((item) => ({ title: testTitle(item), outcome: 'not_selected' }));
}

function prepare(run: RunContext, lab: Lab, pattern: string | null | undefined, env: NodeJS.ProcessEnv, reuse: boolean): Prepared {
  const describe = describeTitle(lab.name, lab.rubric.title);
  const selected = lab.rubric.items.filter((item) => selectedBy(pattern, describe, testTitle(item)));
  // As in a grader file: with no item selected, Jest runs none of its hooks and the lab has no results.
  if (selected.length === 0) return { lab, describe, selected, plan: { format: PLAN_FORMAT, lab: lab.name, describe, tests: ungraded(lab) } };
  const key = reuse ? reuseKey({ root: run.root, submission: run.submission, lab: lab.name, sandbox: run.sandbox, pattern }) : undefined;
  const kept = key ? readKept(run.root, lab.name, key) : undefined;
  if (!kept) return { lab, describe, selected, key };
  writeLabResult(run, { ...kept.result, notes: [...kept.result.notes, KEPT_NOTE] }, env);
  return { lab, describe, selected, key, plan: kept.plan };
}

/**
 * The scheduling priority of the labs graded beside the longest one: lower, so that the run's
 * longest lab (its critical path) keeps a core while the others share the rest. Budgets count
 * CPU time, so waiting for a core costs a lab nothing.
 */
export const BESIDE_LONGEST_PRIORITY = 10;

/** Grades a prepared lab; `onLoaded` once its code has loaded (or failed to), before its items. */
async function gradeOne(run: RunContext, { lab, describe, selected, key }: Prepared, env: NodeJS.ProcessEnv, onLoaded: () => void, priority?: number): Promise<LabPlan> {
  const tests = ungraded(lab);
  let session: LabSession | undefined;
  try {
    session = await labSession(run, lab, priority);
    if (selected.some((item) => session!.items.includes(item))) await session.load();
    onLoaded();
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

/**
 * The labs in the order they are graded: those whose reference took longest on their cases
 * first, so that the others share the remaining workers instead of one long lab starting last.
 * A release's costs are in its manifest (or else its shipped values), read before any lab is
 * loaded, so the longest lab starts while the others are still being prepared; in the harness
 * the labs are loaded here (and kept). A lab whose cost cannot be read goes first: its failure is reported
 * when it is graded.
 */
async function longestFirst(root: string, names: string[]): Promise<Array<{ name: string; lab?: Lab }>> {
  const cost = new Map<string, number>();
  const loaded = new Map<string, Lab>();
  const recorded = readReleaseManifest(root)?.reference_ms ?? {};
  for (const name of names) {
    try {
      if (recorded[name] !== undefined) {
        cost.set(name, recorded[name]);
      } else if (fs.existsSync(path.join(root, 'reference', name))) {
        const lab = openLab(root, name);
        loaded.set(name, lab);
        cost.set(name, referenceCostMs(await expectedFor(root, lab)));
      } else {
        cost.set(name, referenceCostMs(shippedExpected(root, name)));
      }
    } catch {
      cost.set(name, Number.MAX_SAFE_INTEGER);
    }
  }
  return [...names].sort((a, b) => cost.get(b)! - cost.get(a)!).map((name) => ({ name, lab: loaded.get(name) }));
}

/** Grades the labs, and resolves when every plan is final (or the lab was left). */
export async function pregrade(opts: PregradeOptions): Promise<PregradeOutcome> {
  return startPregrade(opts).done;
}

export interface PregradeRun {
  /**
   * Every lab that will have a plan has one, pending or final: its grader file can register its
   * tests, and report them as the plan becomes final. Resolves while the longest lab starts.
   */
  ready: Promise<void>;
  /** Every plan is final (or its lab left). */
  done: Promise<PregradeOutcome>;
}

/**
 * Starts grading the labs. The grader files need not wait for all of them: `ready` comes once
 * every lab has at least a pending plan, so Jest can report the short labs while the longest
 * one is still being graded.
 */
export function startPregrade(opts: PregradeOptions): PregradeRun {
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const done = grade(opts, ready).finally(() => {
    ready();
    // No grader file may wait for a plan that nothing will settle any more.
    leavePending(opts.planDir, 'its grading in the global setup stopped before it');
  });
  return { ready: readyPromise, done };
}

/** A lab's plan before grading: its tests' names (as in gradeOne), no outcomes. */
function pendingPlan(lab: Lab): LabPlan {
  return { format: PLAN_FORMAT, lab: lab.name, describe: describeTitle(lab.name, lab.rubric.title), tests: ungraded(lab), pending: true };
}

async function grade(opts: PregradeOptions, ready: () => void): Promise<PregradeOutcome> {
  const env = opts.env ?? process.env;
  const outcome: PregradeOutcome = { planned: [], left: {} };
  let run: RunContext;
  try {
    run = runContext(opts.root, env);
  } catch (err) {
    for (const name of opts.labs) outcome.left[name] = (err as Error).message;
    return outcome;
  }
  // Each worker prepares its next lab (a kept outcome needs no grading) and grades it. The
  // others start once the first lab's code has loaded: a module every lab imports that never
  // finishes loading then costs the run one full load budget (the other labs get a short one),
  // and the longest lab has both cores while it starts.
  const queue = await longestFirst(opts.root, opts.labs);
  const opened = new Map<string, Lab>();
  const open = (name: string, lab?: Lab): Lab => {
    if (!opened.has(name)) opened.set(name, lab ?? openLab(opts.root, name));
    return opened.get(name)!;
  };
  let firstLoaded!: () => void;
  const first = new Promise<void>((resolve) => (firstLoaded = resolve));
  const graded = mapLimit(
    queue,
    opts.concurrency ?? os.availableParallelism(),
    async ({ name, lab }) => {
      try {
        const prepared = prepare(run, open(name, lab), opts.testNamePattern, env, opts.reuse ?? false);
        const priority = name === queue[0].name ? undefined : BESIDE_LONGEST_PRIORITY;
        writePlan(opts.planDir, prepared.plan ?? (await gradeOne(run, prepared, env, firstLoaded, priority)));
        outcome.planned.push(name);
      } catch (err) {
        outcome.left[name] = (err as Error).message;
        // A lab with a pending plan is waited for: its grader file learns it was left.
        if (opened.has(name)) writePlan(opts.planDir, { ...pendingPlan(opened.get(name)!), pending: undefined, left: (err as Error).message });
      } finally {
        firstLoaded(); // also when it had nothing to grade, or threw
      }
    },
    first,
  );
  // While the first lab starts: every other lab's pending plan (one that cannot even be opened
  // gets none, and its grader file grades it, failing as it always did).
  for (const { name, lab } of queue) {
    try {
      writePendingPlan(opts.planDir, pendingPlan(open(name, lab)));
    } catch {
      /* left to its grader file */
    }
  }
  ready();
  await graded;
  outcome.planned.sort();
  return outcome;
}
