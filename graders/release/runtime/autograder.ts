/**
 * Gradescope's run_autograder (Gradescope's "Autograder Specifications"): the student's lab
 * files are in <root>/submission, the graders (this release, with every item) in <root>/source,
 * and the results go to <root>/results/results.json. <root> is /autograder on Gradescope.
 *
 * Students upload a whole repository or just the files they edit, so each file a rubric lists
 * (`labs/<lab>/<file>`) is looked for in the submission by its path, then by `<lab>/<file>`,
 * then by its name; only those files are copied, nothing else of the submission is used. A
 * missing file grades as the stub. Everything the student should see is in results.json;
 * stdout (the instructor's score table) stays hidden.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { GradescopeResultsSchema, toGradescope } from '../../emit/gradescope';
import { filesUnder } from '../../engine/files';
import { gradeSubmission } from '../../engine/grade';
import { listLabs, loadLab } from '../../engine/labs';
import { formatTable } from '../../engine/report';

export interface SubmittedFile {
  /** `labs/<lab>/<file>`. */
  target: string;
  /** Path inside the submission folder, when found. */
  from?: string;
}

/** Which submitted file stands for each lab file (shortest path wins among equals). */
export function matchSubmission(submitted: string[], targets: string[]): SubmittedFile[] {
  const byLength = [...submitted].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const endsWith = (f: string, suffix: string) => f === suffix || f.endsWith('/' + suffix);
  return targets.map((target) => {
    const [, lab, ...rest] = target.split('/');
    const file = rest.join('/');
    const from =
      byLength.find((f) => endsWith(f, target)) ??
      byLength.find((f) => endsWith(f, `${lab}/${file}`)) ??
      // A bare file name is trusted only when no other lab file has the same name.
      (targets.filter((t) => path.posix.basename(t) === path.posix.basename(file)).length === 1 ? byLength.find((f) => endsWith(f, path.posix.basename(file))) : undefined);
    return { target, ...(from ? { from } : {}) };
  });
}

export async function runAutograder(root: string, write: (text: string) => void): Promise<number> {
  const source = path.join(root, 'source');
  const resultsFile = path.join(root, 'results', 'results.json');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-submission-'));
  try {
    const targets = listLabs(source).flatMap((name) => loadLab(source, name).files);
    const matched = matchSubmission(filesUnder(path.join(root, 'submission'), '', (name) => name === 'node_modules' || name.startsWith('.')), targets);
    for (const m of matched) {
      if (!m.from) continue;
      const dest = path.join(work, m.target);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(root, 'submission', m.from), dest);
    }
    const results = await gradeSubmission({ root: source, submission: work, sandbox: 'auto', typecheck: true });
    results.submission = 'submission';
    write(formatTable(results, { view: 'instructor' }));
    const gradescope = toGradescope(results, { executionTimeSeconds: (Date.now() - started) / 1000 });
    const missing = matched.filter((m) => !m.from).map((m) => m.target);
    const used = matched.filter((m) => m.from).map((m) => (m.from === m.target ? m.target : `${m.target} (from ${m.from})`));
    gradescope.output = [
      gradescope.output,
      used.length ? `Graded files: ${used.join(', ')}` : 'None of the lab files were found in your submission.',
      ...(missing.length ? [`Not found (graded as the unchanged stub): ${missing.join(', ')}`] : []),
    ].join('\n');
    fs.writeFileSync(resultsFile, JSON.stringify(GradescopeResultsSchema.parse(gradescope), null, 2) + '\n');
    return 0;
  } catch (e) {
    // Gradescope shows results.json to the student; without one it only says the autograder failed.
    const failure = { score: 0, output: 'The autograder could not grade this submission; your instructor has been told (see the autograder output).', stdout_visibility: 'hidden' as const, tests: [] };
    fs.writeFileSync(resultsFile, JSON.stringify(failure, null, 2) + '\n');
    write(`grading failed: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { root: { type: 'string' } }, strict: true });
  const root = path.resolve(values.root ?? process.env.AUTOGRADER_ROOT ?? '/autograder');
  return runAutograder(root, (t) => process.stdout.write(t + '\n'));
}
