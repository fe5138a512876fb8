/**
 * One lab of the submission a Jest run grades, the same whether it is graded before the grader
 * files run (pregrade.ts) or inside its grader file (in-file.ts): where the submission is, the
 * sandbox, the items a release leaves out, the session that grades it, and the results file
 * the score-table reporter reads. Environment: GRADECHECK_SUBMISSION (folder holding labs/,
 * default the graders' own), GRADECHECK_SANDBOX (auto|bwrap|permission|none),
 * GRADECHECK_RESULTS_DIR.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedFor } from '../core/expected';
import { LabSession, submissionTree } from '../core/grade';
import { Lab, loadLab } from '../core/labs';
import { LabResult, resultsOf } from '../core/results';
import type { SubmissionBudgets } from '../host/budgets';
import type { SourceTree } from '../host/modules';
import { resolveSandbox, SandboxMode, SandboxRequest } from '../host/sandbox';
import { formatTable } from '../../emit/score-table';
import { readReleaseManifest } from '../../release/manifest';

/** What every lab of one run shares. */
export interface RunContext {
  root: string;
  submission: string;
  tree: SourceTree;
  sandbox: SandboxMode;
  /** Shared by the run's labs: a submission whose code never finishes loading pays one full load budget. */
  budgets: SubmissionBudgets;
}

export function runContext(root: string, env: NodeJS.ProcessEnv = process.env): RunContext {
  const submission = path.resolve(env.GRADECHECK_SUBMISSION ?? root);
  const sandbox = resolveSandbox((env.GRADECHECK_SANDBOX as SandboxRequest | undefined) ?? 'auto');
  return { root, submission, tree: submissionTree(root, submission), sandbox, budgets: {} };
}

export function openLab(root: string, name: string): Lab {
  return loadLab(root, name);
}

/** A session grading `lab` in this run (the student process starts on its first item). */
export async function labSession(run: RunContext, lab: Lab, priority?: number): Promise<LabSession> {
  const expected = await expectedFor(run.root, lab);
  return new LabSession(lab, { root: run.root, tree: run.tree, sandbox: run.sandbox, expected, typecheck: true, budgets: run.budgets, priority });
}

/**
 * Writes the lab's results where the reporter reads them (GRADECHECK_RESULTS_DIR), or, without
 * that folder, prints its score table.
 */
export function reportLab(run: RunContext, session: LabSession, env: NodeJS.ProcessEnv = process.env): LabResult {
  // A student release holds no hidden items: the table says what they are worth, and when they are graded.
  const withheld = readReleaseManifest(run.root)?.withheld[session.lab.name];
  const pending = withheld && withheld.items > 0 ? { pending: withheld } : {};
  const r = { ...session.result(), ...pending };
  writeLabResult(run, r, env);
  return r;
}

/** Writes a lab's results where the reporter reads them, or prints its score table. */
export function writeLabResult(run: RunContext, r: LabResult, env: NodeJS.ProcessEnv = process.env): void {
  const dir = env.GRADECHECK_RESULTS_DIR;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${r.lab}.json`), JSON.stringify(resultsOf(path.relative(process.cwd(), run.submission) || '.', run.sandbox, [r])));
  } else {
    process.stdout.write(formatTable(resultsOf('.', run.sandbox, [r]), { view: 'student' }) + '\n');
  }
}
