/**
 * Gradescope's run_autograder (Gradescope's "Autograder Specifications"): the student's lab
 * files are in <root>/submission, the graders (this release, with every item) in <root>/source,
 * and the results go to <root>/results/results.json. <root> is /autograder on Gradescope.
 *
 * Students upload a whole repository or just the files they edit, so each file a rubric lists
 * (`labs/<lab>/<file>`) is looked for in the submission by its path, then by `<lab>/<file>`,
 * then by its name; only those files are copied, nothing else of the submission is used. A
 * missing file grades as the stub. A symbolic link standing for a lab file or folder is copied
 * as the link it is, never followed: the engine refuses it (`forbidden_link`), so it neither
 * reads what it points to nor grades the stub in its place. Everything the student should see
 * is in results.json; stdout (the instructor's score table) stays hidden.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { GradescopeResultsSchema, markdownParagraphs, toGradescope } from '../../emit/gradescope';
import { filesUnder } from '../../engine/core/files';
import { gradeSubmission } from '../../engine/core/grade';
import { listLabs, loadLab } from '../../engine/core/labs';
import { formatTable } from '../../emit/score-table';
import { forMarkdown, forTerminal } from '../../emit/text';

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

const skipFolder = (name: string) => name === 'node_modules' || name.startsWith('.');

/** The symbolic links under `dir` (not followed), relative to it with '/'. */
function linksUnder(dir: string, rel = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) return [r];
    return e.isDirectory() && !skipFolder(e.name) ? linksUnder(dir, r) : [];
  });
}

/**
 * A submitted link standing for a folder on the way to `target`, as matchSubmission would take
 * it (`labs`, `labs/rnn`, `rnn`), and the place in labs/ it stands for.
 */
function linkedFolder(links: string[], target: string): { link: string; at: string } | undefined {
  const parts = target.split('/');
  for (let i = parts.length - 1; i >= 1; i--) {
    const at = parts.slice(0, i).join('/');
    for (const suffix of i >= 2 ? [at, parts.slice(1, i).join('/')] : [at]) {
      const link = links.find((l) => l === suffix || l.endsWith('/' + suffix));
      if (link) return { link, at };
    }
  }
  return undefined;
}

export async function runAutograder(root: string, write: (text: string) => void): Promise<number> {
  const source = path.join(root, 'source');
  const resultsFile = path.join(root, 'results', 'results.json');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-submission-'));
  try {
    const targets = listLabs(source).flatMap((name) => loadLab(source, name).files);
    const submitted = path.join(root, 'submission');
    const links = linksUnder(submitted);
    const matched = matchSubmission([...filesUnder(submitted, '', skipFolder), ...links], targets);
    /** Puts a submitted file, or link, at `to` in the copy; not where something is already (a link placed above it). */
    const place = (from: string, to: string): boolean => {
      const parts = to.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const there = fs.lstatSync(path.join(work, ...parts.slice(0, i)), { throwIfNoEntry: false });
        if (there && (i === parts.length || !there.isDirectory())) return false;
      }
      const dest = path.join(work, ...parts);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (links.includes(from)) fs.symlinkSync(fs.readlinkSync(path.join(submitted, from)), dest);
      else fs.copyFileSync(path.join(submitted, from), dest);
      return true;
    };
    for (const m of matched) if (m.from) place(m.from, m.target);
    const linked = matched.flatMap((m) => {
      const folder = m.from ? undefined : linkedFolder(links, m.target);
      if (!folder) return [];
      if (!place(folder.link, folder.at)) place(folder.link, m.target);
      return [{ target: m.target, from: folder.link }];
    });
    const results = await gradeSubmission({ root: source, submission: work, sandbox: 'auto', typecheck: true });
    results.submission = 'submission';
    write(formatTable(results, { view: 'instructor' }));
    const gradescope = toGradescope(results, { executionTimeSeconds: (Date.now() - started) / 1000 });
    const missing = matched.filter((m) => !m.from && !linked.some((l) => l.target === m.target)).map((m) => m.target);
    // The submitted paths are the student's own file names.
    const used = [...matched.filter((m) => m.from), ...linked].map((m) => (m.from === m.target ? m.target : `${m.target} (from ${m.from})`));
    gradescope.output = markdownParagraphs([
      gradescope.output ?? '',
      used.length ? `Graded files: ${forMarkdown(used.join(', '))}` : 'None of the lab files were found in your submission.',
      ...(missing.length ? [`Not found (graded as the unchanged stub): ${forMarkdown(missing.join(', '))}`] : []),
    ]);
    fs.writeFileSync(resultsFile, JSON.stringify(GradescopeResultsSchema.parse(gradescope), null, 2) + '\n');
    return 0;
  } catch (e) {
    // Gradescope shows results.json to the student; without one it only says the autograder failed.
    const failure = { score: 0, output: 'The autograder could not grade this submission; your instructor has been told (see the autograder output).', stdout_visibility: 'hidden' as const, tests: [] };
    fs.writeFileSync(resultsFile, JSON.stringify(failure, null, 2) + '\n');
    write(`grading failed: ${forTerminal(String((e as Error).stack ?? e))}`);
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
