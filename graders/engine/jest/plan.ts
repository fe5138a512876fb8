/**
 * What a grader file (graders/<lab>.test.ts) needs to report a lab graded before Jest ran it
 * (see pregrade.ts): its describe block, one test per rubric item with the same names the
 * in-file path gives them, and each graded item's outcome. Kept free of the engine, so that a
 * grader file reporting a plan loads nothing but this and its plan file.
 *
 * A lab still being graded when Jest starts its grader file has a pending plan (its tests'
 * names, no outcomes yet): the file waits for the final one before its tests report it. A
 * plan file moves from pending to final (or to left: the setup could not grade the lab) once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { forTerminal } from '../../emit/text';
import { itemMessage } from '../../emit/case-text';
import type { ItemResult } from '../core/results';

/** Where the plans of the current run are: set by the global setup, read by the grader files. */
export const PLAN_ENV = 'GRADECHECK_PREGRADED';

export const PLAN_FORMAT = 'gradecheck/jest-plan';

export interface PlannedTest {
  title: string;
  /**
   * `passed`; `failed` with the feedback Jest prints; `no_expected` (a hidden item of a
   * release: nothing to test, it passes as before); `not_selected` (its name does not match
   * -t, so Jest does not run it).
   */
  outcome: 'passed' | 'failed' | 'no_expected' | 'not_selected';
  failure?: string;
}

export interface LabPlan {
  format: typeof PLAN_FORMAT;
  lab: string;
  describe: string;
  tests: PlannedTest[];
  /** Still being graded: the tests' names are final, their outcomes are not there yet. */
  pending?: true;
  /** The setup could not grade the lab, and why: its grader file grades it, or fails with this. */
  left?: string;
}

/** The describe block of a lab, as Jest shows it and as -t matches it. */
export function describeTitle(lab: string, title: string): string {
  return `${lab}: ${title}`;
}

/** The test of one rubric item. */
export function testTitle(item: { id: string; points: number; title: string }): string {
  return `${item.id} (${item.points} pt${item.points === 1 ? '' : 's'}): ${item.title}`;
}

/** Whether Jest runs a test of this full name under `-t pattern` (jest-circus: the names joined by spaces, case-insensitive). */
export function selectedBy(pattern: string | null | undefined, describe: string, test: string): boolean {
  return !pattern || new RegExp(pattern, 'i').test(`${describe} ${test}`);
}

/** What Jest prints for a failed item: the feedback, made safe for a terminal. */
export function failureText(r: ItemResult): string {
  const lines = [`${r.status}: ${itemMessage(r)}`];
  if (r.diagnosis) lines.push(`diagnosis: ${r.diagnosis}`);
  if (r.hint) lines.push(`hint: ${r.hint}`);
  return forTerminal(lines.join('\n'));
}

/** Jest prints the message in the student's terminal (and CI log): it quotes what their code threw. */
export class ItemFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ItemFailed';
    this.stack = `${this.name}: ${message}`; // the message is the feedback; a stack would be noise
  }
}

export function planFile(dir: string, lab: string): string {
  return path.join(dir, `${lab}.plan.json`);
}

export function writePlan(dir: string, plan: LabPlan): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = planFile(dir, plan.lab);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(plan));
  fs.renameSync(`${file}.tmp`, file);
}

/** Writes a pending plan, unless the lab already has one (a kept outcome is final at once). */
export function writePendingPlan(dir: string, plan: LabPlan): void {
  if (!fs.existsSync(planFile(dir, plan.lab))) writePlan(dir, { ...plan, pending: true });
}

/** Marks every plan still pending in `dir` as left, saying why (the grading that would have settled it has ended). */
export function leavePending(dir: string, why: string): void {
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.plan.json'))) {
    try {
      const plan = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as LabPlan;
      if (plan.pending) writePlan(dir, { ...plan, pending: undefined, left: why });
    } catch {
      /* not a plan of ours */
    }
  }
}

/** An error whose message says it all, so that Jest prints no stack (as ItemFailed). */
function planError(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

/**
 * How test i of a lab's plan ends (its title as the grader file named it): `undefined` when it
 * passes, else the error it fails with. `final` is the lab's plan once settled, or why there is
 * none. lab-tests.ts throws it under jest-circus; runner.cjs records it without jest-circus.
 */
export function plannedOutcome(lab: string, title: string, i: number, final: LabPlan | Error): Error | undefined {
  if (final instanceof Error) return final;
  if (final.left !== undefined) return planError(`gradecheck could not grade ${lab}: ${final.left}`);
  const t = final.tests[i];
  if (!t || t.title !== title) return planError(`gradecheck: ${lab} item "${title}" has no outcome in this run's plan`);
  if (t.outcome === 'failed') return new ItemFailed(t.failure ?? 'failed');
  // Jest runs only the tests -t selects, and the setup graded exactly those: this would be its bug.
  if (t.outcome === 'not_selected') return planError(`gradecheck: ${lab} item "${t.title}" was not graded in this run (the grader's -t selection disagrees with Jest's)`);
  return undefined;
}

/** How often a grader file looks whether its lab's pending plan is final. */
const PLAN_POLL_MS = 10;

/** The final (or left) plan of a lab whose plan was pending. */
export async function settledPlan(lab: string, env: NodeJS.ProcessEnv = process.env): Promise<LabPlan> {
  for (;;) {
    const plan = readPlan(lab, env);
    if (!plan) throw new Error(`gradecheck: the plan of ${lab} is gone (the run's global setup ended without grading it)`);
    if (!plan.pending) return plan;
    await new Promise((resolve) => setTimeout(resolve, PLAN_POLL_MS));
  }
}

/** This run's plan for `lab`, if the global setup graded it (or is grading it: pending). */
export function readPlan(lab: string, env: NodeJS.ProcessEnv = process.env): LabPlan | undefined {
  const dir = env[PLAN_ENV];
  if (!dir) return undefined;
  try {
    const plan = JSON.parse(fs.readFileSync(planFile(dir, lab), 'utf8')) as LabPlan;
    return plan.format === PLAN_FORMAT && plan.lab === lab ? plan : undefined;
  } catch {
    return undefined;
  }
}
