/**
 * What a grader file (graders/<lab>.test.ts) needs to report a lab graded before Jest ran it
 * (see pregrade.ts): its describe block, one test per rubric item with the same names the
 * in-file path gives them, and each graded item's outcome. Kept free of the engine, so that a
 * grader file reporting a plan loads nothing but this and its plan file.
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

/** This run's plan for `lab`, if the global setup graded it. */
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
