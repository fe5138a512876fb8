/**
 * The grading step of a release's GitHub workflow (.github/gradecheck/grade.sh runs it): grades
 * the submission's labs/ with the given graders, then reports the student view of the results
 * everywhere GitHub and its classroom tools look.
 *
 * A push is graded on what its student may see: visible items, and after_due_date items once
 * the lab's due date has passed. Hidden items are left to the instructor's deadline run (`batch`
 * on the clones, or this step with GRADECHECK_GRADE_HIDDEN=true and the instructor's graders,
 * which hold them): a push shows only their number and points, as pending, so no variant of a
 * push can tell which of them passes. In a deadline run they count, shown together, never one
 * by one (redact.ts).
 *
 * - stdout: the score table, and an `::error` annotation for each failed item listed (no line of
 *   the table can start a workflow command, and on GitHub the runner ignores commands while it is
 *   printed; the annotations' messages are escaped);
 * - $GITHUB_STEP_SUMMARY: the Markdown feedback (score table and what went wrong);
 * - $GITHUB_ENV: `<RUNNER>_RESULTS` for each GitHub Classroom runner (emit/classroom.ts);
 *   $GITHUB_OUTPUT: `runners` (their ids, for the reporter's `runners` input), `score`, `max_score`;
 * - the results folder: results.json (gradecheck/results v1, the student view), feedback.md,
 *   result.json (Classroom 50), classroom-result.json (the runners, decoded); and result.json in
 *   the workspace (Classroom 50 reads it there).
 *
 * Exit code: 0 full marks on what was graded, 1 points lost, 2 bad usage, 3 grading failed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { encodeClassroomResult, itemFeedback, Locate, toClassroom } from '../../emit/classroom';
import { classroom50Context, toClassroom50 } from '../../emit/classroom50';
import { expectedFor } from '../../engine/core/expected';
import { LabSession, submissionTree } from '../../engine/core/grade';
import { Lab, loadLab, selectLabs } from '../../engine/core/labs';
import { formatMarkdown, formatPoints, formatTable } from '../../emit/score-table';
import { LabResult, Results, ResultsSchema, resultsOf, roundScore } from '../../engine/core/results';
import { resolveSandbox, SANDBOX_MODES, SandboxRequest } from '../../engine/host/sandbox';
import type { SubmissionBudgets } from '../../engine/host/budgets';
import { isShown } from '../../engine/core/totals';
import { readReleaseManifest } from '../manifest';
import { studentView } from '../redact';
import { forTerminal } from '../../emit/text';
import { itemMessage } from '../../emit/case-text';
import { annotation, commandsPaused, outputEntry } from './github';

export interface CiOptions {
  /** The graders' root (a release, an instructor's copy, or the harness). */
  graders: string;
  /** The folder holding the student's labs/ (the workspace). */
  submission: string;
  /** The results folder. */
  out: string;
  labs?: string[];
  env: NodeJS.ProcessEnv;
  /** stdout. */
  write(text: string): void;
  now?: Date;
}

export interface CiOutcome {
  /** What was reported (the student view). */
  results: Results;
  exitCode: number;
}

const DECLARATION = (name: string) => new RegExp(`^\\s*export\\s+(?:async\\s+)?(?:function\\*?|const|let|class)\\s+${name}\\b`);

/** Where an item's code is: the line a student's stack trace names, else the declaration of the export it grades. */
export function locator(graders: string, submission: string): Locate {
  const tree = submissionTree(graders, submission);
  return (labResult, item) => {
    const thrown = /\(at (labs\/[^\s:()]+):(\d+):\d+\)/.exec(itemMessage(item));
    if (thrown) return { file: thrown[1], line: Number(thrown[2]) };
    let lab: Lab;
    try {
      lab = loadLab(graders, labResult.lab);
    } catch {
      return undefined;
    }
    const rubricItem = lab.rubric.items.find((it) => it.id === item.id);
    const op = rubricItem && lab.ops[rubricItem.op];
    if (!rubricItem || !op) return undefined;
    const names = rubricItem.check === 'backward' ? (op.uses.backward ?? op.uses.forward) : op.uses.forward;
    for (const name of names) {
      for (const file of lab.files) {
        const lines = tree.read(file)?.split('\n') ?? [];
        const at = lines.findIndex((l) => DECLARATION(name).test(l));
        if (at >= 0) return { file, line: at + 1 };
      }
    }
    return undefined;
  };
}

/** An annotation per failed item (per lab, when the lab could not be loaded at all). */
export function annotations(results: Results, locate: Locate): string[] {
  const out: string[] = [];
  for (const lab of results.labs) {
    if (lab.status !== 'graded') {
      const where = /(labs\/[^\s:]+):(\d+):\d+/.exec(lab.notes[0] ?? lab.message);
      out.push(annotation('error', lab.message, { ...(where ? { file: where[1], line: Number(where[2]) } : {}), title: `${lab.lab}: ${lab.status} (0 / ${formatPoints(lab.max_score)} points)` }));
      continue;
    }
    for (const item of lab.items) {
      if (item.status === 'passed') continue;
      const where = locate(lab, item);
      out.push(annotation('error', itemFeedback(item), { ...where, title: `${lab.lab} ${item.id}: ${formatPoints(item.score)} / ${formatPoints(item.max_score)} points` }));
    }
  }
  return out;
}

/** The graded commit's committer date (Classroom 50's `datetime`), when git can tell. */
function commitDate(dir: string, sha: string | undefined): Date | undefined {
  try {
    const iso = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%cI', sha || 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? undefined : d;
  } catch {
    return undefined;
  }
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Grades the labs for CI: in a push, the items the student may see now; in a deadline run
 * (`gradeHidden`), every item the graders hold. The rest are pending: the items of the rubric
 * not graded, and those the graders do not hold (a student release's, from its manifest).
 */
export async function gradeLabsForCi(opts: { graders: string; submission: string; labs?: string[]; sandbox: SandboxRequest; gradeHidden: boolean; now: Date }): Promise<Results> {
  const sandbox = resolveSandbox(opts.sandbox);
  const manifest = readReleaseManifest(opts.graders);
  const tree = submissionTree(opts.graders, opts.submission);
  const budgets: SubmissionBudgets = {};
  const labs: LabResult[] = [];
  for (const name of selectLabs(opts.graders, opts.labs ?? manifest?.labs)) {
    const lab = loadLab(opts.graders, name);
    const session = new LabSession(lab, { root: opts.graders, tree, sandbox, expected: await expectedFor(opts.graders, lab), typecheck: true, budgets });
    const graded = session.items.filter((it) => opts.gradeHidden || isShown(it, lab.rubric, { view: 'student', now: opts.now }));
    try {
      for (const item of graded) await session.grade(item);
    } finally {
      await session.close();
    }
    const left = lab.rubric.items.filter((it) => !graded.includes(it));
    const withheld = manifest?.withheld[name] ?? { items: 0, max_score: 0 };
    const pending = { items: left.length + withheld.items, max_score: roundScore(left.reduce((s, it) => s + it.points, 0) + withheld.max_score) };
    labs.push({ ...session.result(), ...(pending.items > 0 ? { pending } : {}) });
  }
  return resultsOf('.', sandbox, labs);
}

export async function gradeForCi(opts: CiOptions): Promise<CiOutcome> {
  const { env } = opts;
  const now = opts.now ?? new Date();
  const sandbox = (env.GRADECHECK_SANDBOX ?? 'auto') as SandboxRequest;
  if (!SANDBOX_MODES.includes(sandbox)) throw new Error(`GRADECHECK_SANDBOX must be one of ${SANDBOX_MODES.join(', ')}`);
  const gradeHidden = env.GRADECHECK_GRADE_HIDDEN === 'true';
  const graded = await gradeLabsForCi({ graders: opts.graders, submission: opts.submission, labs: opts.labs, sandbox, gradeHidden, now });
  const results = ResultsSchema.parse(studentView(graded, now));
  const locate = locator(opts.graders, opts.submission);

  const paused = env.GITHUB_ACTIONS === 'true' ? commandsPaused() : undefined;
  if (paused) opts.write(paused.pause);
  opts.write(formatTable(results, { view: 'student', now }));
  if (paused) opts.write(paused.resume);
  for (const line of annotations(results, locate)) opts.write(line);

  const markdown = formatMarkdown(results, { view: 'student', now });
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, markdown + '\n');

  const runners = toClassroom(results, { locate, now });
  if (env.GITHUB_ENV) fs.appendFileSync(env.GITHUB_ENV, runners.map((r) => outputEntry(`${r.id.toUpperCase()}_RESULTS`, encodeClassroomResult(r.result))).join(''));
  if (env.GITHUB_OUTPUT) {
    fs.appendFileSync(env.GITHUB_OUTPUT, outputEntry('runners', runners.map((r) => r.id).join(',')) + outputEntry('score', String(results.score)) + outputEntry('max_score', String(results.max_score)));
  }

  const assignment = readReleaseManifest(opts.graders)?.assignment;
  const c50 = toClassroom50(results, { ...classroom50Context(env, { labs: results.labs.map((l) => l.lab), assignment, commitDate: commitDate(opts.submission, env.GITHUB_SHA), now }), now });
  const c50Text = JSON.stringify(c50, null, 2) + '\n';
  writeFile(path.join(opts.out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFile(path.join(opts.out, 'feedback.md'), markdown + '\n');
  writeFile(path.join(opts.out, 'classroom-result.json'), JSON.stringify({ runners }, null, 2) + '\n');
  writeFile(path.join(opts.out, 'result.json'), c50Text);
  writeFile(env.GRADECHECK_CLASSROOM50_RESULT || path.join(opts.submission, 'result.json'), c50Text);

  return { results, exitCode: results.score < results.max_score ? 1 : 0 };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { graders: { type: 'string' }, submission: { type: 'string' }, out: { type: 'string' }, labs: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`gradecheck ci: ${(e as Error).message}\n`);
    return 2;
  }
  const submission = path.resolve(args.submission ?? env.GITHUB_WORKSPACE ?? process.cwd());
  const graders = path.resolve(args.graders ?? submission);
  const out = path.resolve(args.out ?? path.join(env.RUNNER_TEMP ?? os.tmpdir(), 'gradecheck'));
  try {
    const outcome = await gradeForCi({
      graders,
      submission,
      out,
      labs: (args.labs ?? env.GRADECHECK_LABS)?.split(',').map((l) => l.trim()).filter(Boolean),
      env,
      write: (t) => process.stdout.write(t + '\n'),
    });
    process.stdout.write(`results written to ${out}\n`);
    return outcome.exitCode;
  } catch (e) {
    process.stdout.write(annotation('error', `grading failed: ${(e as Error).message}`, { title: 'gradecheck' }) + '\n');
    process.stderr.write(`${forTerminal(String((e as Error).stack ?? e))}\n`);
    return 3;
  }
}
