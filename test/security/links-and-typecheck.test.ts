/**
 * A submission reaches nothing outside its own labs/: not through a symbolic link (to a file,
 * to a folder, `labs` itself, in labs/common, a chain), in any front end (the engine, the CI
 * runtime with the instructor's graders inside the workspace, the Jest graders, Gradescope's
 * run_autograder), and not through the type-check (a type-only import of the reference). Every
 * attack is built for real in a temporary folder; a regular copy of the reference shows that
 * the same content, submitted honestly, does get full marks.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { loadLab } from '../../graders/engine/core/labs';
import { directoryTree, mapTree, overlay, submissionFiles } from '../../graders/engine/host/modules';
import { LabResult, Results, readResults } from '../../graders/engine/core/results';
import { bwrapAvailable, SandboxMode } from '../../graders/engine/host/sandbox';
import { typeErrors } from '../../graders/engine/host/typecheck';
import { gradeForCi } from '../../graders/release/runtime/ci';
import { runAutograder } from '../../graders/release/runtime/autograder';
import { ROOT } from '../support/paths';

const LAB = 'activations';
const LAB_FILE = `labs/${LAB}/activations.ts`;
const REFERENCE_FILE = path.join(ROOT, 'reference', LAB, 'activations.ts');
const REFERENCE_TEXT = fs.readFileSync(REFERENCE_FILE, 'utf8');
const lab = loadLab(ROOT, LAB);

/** Symbolic links need a privilege on Windows; where they cannot be made, there is no attack to test. */
const CAN_LINK = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-link-probe-'));
  try {
    fs.symlinkSync(REFERENCE_FILE, path.join(dir, 'probe'));
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
if (!CAN_LINK) console.warn('SKIPPED: symbolic links cannot be created here (Windows without the privilege), so the link attacks are not tested');

const BWRAP = bwrapAvailable();
if (!BWRAP) console.warn('SKIPPED: bubblewrap is not usable here, the link attacks are graded under the permission sandbox only');
const SANDBOXES: SandboxMode[] = BWRAP ? ['permission', 'bwrap'] : ['permission'];

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gradecheck-security-${prefix}-`));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

function write(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function link(dir: string, rel: string, target: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.symlinkSync(target, path.join(dir, rel));
}

/** Relative link text from `rel` (in `dir`) to the absolute `target`, as `ln -s ../../x` would write. */
function relativeTo(dir: string, rel: string, target: string): string {
  return path.relative(path.dirname(path.join(dir, rel)), target);
}

interface Attack {
  name: string;
  /** Builds the submission in `dir`; `reference` is the folder holding reference/ as the student can reach it. */
  build(dir: string, reference: string): void;
  /** The file that, links followed, reads as the reference. */
  reads: string;
  /** What the message must say: the lab file and the link the student made. */
  says: string;
}

const ATTACKS: Attack[] = [
  {
    name: 'the lab file is a relative link to the reference',
    build: (dir, ref) => link(dir, LAB_FILE, relativeTo(dir, LAB_FILE, path.join(ref, 'reference', LAB, 'activations.ts'))),
    reads: LAB_FILE,
    says: `${LAB_FILE} is a symbolic link`,
  },
  {
    name: 'the lab file is an absolute link to the reference',
    build: (dir, ref) => link(dir, LAB_FILE, path.join(ref, 'reference', LAB, 'activations.ts')),
    reads: LAB_FILE,
    says: `${LAB_FILE} is a symbolic link`,
  },
  {
    name: "the lab's folder is a link to the reference's",
    build: (dir, ref) => link(dir, `labs/${LAB}`, relativeTo(dir, `labs/${LAB}`, path.join(ref, 'reference', LAB))),
    reads: LAB_FILE,
    says: `${LAB_FILE} is reached through labs/${LAB}, a symbolic link`,
  },
  {
    name: 'labs itself is a link to the reference',
    build: (dir, ref) => link(dir, 'labs', path.join(ref, 'reference')),
    reads: LAB_FILE,
    says: `${LAB_FILE} is reached through labs, a symbolic link`,
  },
  {
    name: 'a regular lab file re-exports a link in labs/common',
    build: (dir, ref) => {
      write(dir, LAB_FILE, "export * from '../common/solution';\n");
      link(dir, 'labs/common/solution.ts', relativeTo(dir, 'labs/common/solution.ts', path.join(ref, 'reference', LAB, 'activations.ts')));
    },
    reads: 'labs/common/solution.ts',
    says: 'labs/common/solution.ts is a symbolic link',
  },
  {
    name: 'a chain of links: inside labs/, out to the submission, out to the reference',
    build: (dir, ref) => {
      link(dir, LAB_FILE, 'hop.ts');
      link(dir, `labs/${LAB}/hop.ts`, '../../notes/hop.ts');
      link(dir, 'notes/hop.ts', path.join(ref, 'reference', LAB, 'activations.ts'));
    },
    reads: LAB_FILE,
    says: `${LAB_FILE} is a symbolic link`,
  },
];

/** `studentView`: what a student sees, where hidden items' messages are withheld. */
function expectRefused(labResult: LabResult | undefined, says: string, studentView = false): void {
  expect(labResult).toBeDefined();
  expect(labResult!.status).toBe('forbidden_link');
  expect(labResult!.score).toBe(0);
  expect(labResult!.message).toContain(says);
  expect(labResult!.items.length).toBeGreaterThan(0);
  for (const item of labResult!.items) {
    expect(item.status).toBe('forbidden_link');
    expect(item.score).toBe(0);
    if (!studentView || item.visibility === 'visible') expect(item.message).toContain(says);
  }
}

function labOf(results: Results): LabResult | undefined {
  return results.labs.find((l) => l.lab === LAB);
}

const linkDescribe = CAN_LINK ? describe : describe.skip;

linkDescribe('a submission that reaches the reference through a symbolic link', () => {
  for (const sandbox of SANDBOXES) {
    test(`a regular copy of the reference gets full marks under ${sandbox} (so each attack below would too, if followed)`, async () => {
      const dir = tempDir('honest');
      write(dir, LAB_FILE, REFERENCE_TEXT);
      const r = await gradeSubmission({ root: ROOT, submission: dir, labs: [LAB], sandbox });
      expect(labOf(r)?.status).toBe('graded');
      expect(r.score).toBe(r.max_score);
    });

    for (const attack of ATTACKS) {
      test(`${attack.name}: the lab scores 0 as forbidden_link under ${sandbox}, naming the link`, async () => {
        const dir = tempDir('attack');
        attack.build(dir, ROOT);
        // The attack is real: following the links reads the reference.
        expect(fs.readFileSync(path.join(dir, attack.reads), 'utf8')).toBe(REFERENCE_TEXT);
        const r = await gradeSubmission({ root: ROOT, submission: dir, labs: [LAB], sandbox, typecheck: true });
        expectRefused(labOf(r), attack.says);
      });
    }
  }

  test('a link is refused even when it stays inside labs/, and is never replaced by the stub', () => {
    const dir = tempDir('inside');
    write(dir, `labs/${LAB}/mine.ts`, REFERENCE_TEXT);
    link(dir, LAB_FILE, 'mine.ts');
    const files = submissionFiles(dir);
    expect(files.read(`labs/${LAB}/mine.ts`)).toBe(REFERENCE_TEXT);
    expect(files.read(LAB_FILE)).toBeUndefined();
    expect(files.refusal?.(LAB_FILE)).toContain(`${LAB_FILE} is a symbolic link`);
    // Over the harness's labs/, the refusal stands: the stub is not read in its place.
    const tree = overlay(submissionFiles(dir), directoryTree(ROOT));
    expect(tree.read(LAB_FILE)).toBeUndefined();
    expect(tree.refusal?.(LAB_FILE)).toContain('symbolic link');
    expect(tree.read('labs/common/index.ts')).toBe(fs.readFileSync(path.join(ROOT, 'labs/common/index.ts'), 'utf8'));
  });

  test('a dangling link is refused, and paths that climb out of labs/ are not read at all', () => {
    const dir = tempDir('dangling');
    link(dir, LAB_FILE, path.join(dir, 'nowhere.ts'));
    write(dir, 'secret.ts', 'export const secret = 1;\n');
    const files = submissionFiles(dir);
    expect(files.refusal?.(LAB_FILE)).toContain('symbolic link');
    for (const rel of ['labs/../secret.ts', 'labs/./../secret.ts', 'secret.ts', 'labs\\..\\secret.ts', `${dir}/secret.ts`]) {
      expect(files.read(rel)).toBeUndefined();
      expect(files.refusal?.(rel)).toBeUndefined();
    }
  });

  test('the harness grading its own labs/ (a student release) refuses links there too', async () => {
    // A copy of the pieces a release needs, with labs/<lab>/activations.ts a link to the reference.
    const harness = tempDir('release');
    for (const part of ['graders', 'fixtures', 'reference', 'rubrics']) fs.symlinkSync(path.join(ROOT, part), path.join(harness, part));
    // Packages by link, but its own node_modules/.cache (its expected values differ from the harness's).
    for (const pkg of fs.readdirSync(path.join(ROOT, 'node_modules')).filter((p) => p !== '.cache')) link(harness, `node_modules/${pkg}`, path.join(ROOT, 'node_modules', pkg));
    fs.cpSync(path.join(ROOT, 'labs'), path.join(harness, 'labs'), { recursive: true });
    fs.rmSync(path.join(harness, LAB_FILE));
    link(harness, LAB_FILE, relativeTo(harness, LAB_FILE, path.join(harness, 'reference', LAB, 'activations.ts')));
    const r = await gradeSubmission({ root: harness, labs: [LAB], sandbox: 'permission' });
    expectRefused(labOf(r), `${LAB_FILE} is a symbolic link`);
  });

  test('the CI runtime, with the instructor graders checked out inside the workspace, scores the link 0 (hidden items included)', async () => {
    const workspace = tempDir('ci');
    // Where the workflow's actions/checkout puts the instructor's graders (here: the harness).
    link(workspace, '.gradecheck/instructor', ROOT);
    const graders = path.join(workspace, '.gradecheck', 'instructor');
    link(workspace, LAB_FILE, relativeTo(workspace, LAB_FILE, path.join(graders, 'reference', LAB, 'activations.ts')));
    expect(fs.readFileSync(path.join(workspace, LAB_FILE), 'utf8')).toBe(REFERENCE_TEXT);
    const out = tempDir('ci-out');
    const lines: string[] = [];
    const outcome = await gradeForCi({
      graders,
      submission: workspace,
      out,
      labs: [LAB],
      env: { GRADECHECK_SANDBOX: 'permission', GRADECHECK_CLASSROOM50_RESULT: path.join(out, 'c50.json') },
      write: (t) => lines.push(t),
    });
    // The exit code comes from every item, hidden ones included (the results shown are the student view).
    expect(outcome.exitCode).toBe(1);
    expect(outcome.results.score).toBe(0);
    expectRefused(labOf(outcome.results), `${LAB_FILE} is a symbolic link`, true);
    // The annotation names the lab file.
    expect(lines.some((l) => l.startsWith('::error') && l.includes(LAB_FILE) && l.includes('forbidden_link'))).toBe(true);
  });

  test('the Jest graders (npm test in a release, watch) score the link 0', () => {
    const dir = tempDir('jest');
    link(dir, 'labs', path.join(ROOT, 'reference'));
    const results = tempDir('jest-results');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(JEST_|GRADECHECK_|NODE_OPTIONS$)/.test(k)) env[k] = v;
    const r = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '-c', 'jest.graders.config.js', `graders/${LAB}.test.ts`], {
      cwd: ROOT,
      env: { ...env, GRADECHECK_SUBMISSION: dir, GRADECHECK_RESULTS_DIR: results, GRADECHECK_SANDBOX: 'permission', NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 180000,
    });
    expect(r.status).toBe(1); // the items fail
    const labResult = readResults(JSON.parse(fs.readFileSync(path.join(results, `${LAB}.json`), 'utf8'))).labs[0];
    expectRefused(labResult, `${LAB_FILE} is reached through labs, a symbolic link`);
    expect(r.stdout + r.stderr).toContain('forbidden_link');
  }, 200000);

  describe("Gradescope's run_autograder", () => {
    /** /autograder/source with only this lab (the harness's files, trusted, reached by links). */
    function autograderRoot(): string {
      const root = tempDir('gradescope');
      const source = path.join(root, 'source');
      for (const part of ['graders', 'fixtures', 'reference', 'labs', 'node_modules']) link(source, part, path.join(ROOT, part));
      fs.mkdirSync(path.join(source, 'rubrics'));
      fs.copyFileSync(path.join(ROOT, 'rubrics', `${LAB}.yaml`), path.join(source, 'rubrics', `${LAB}.yaml`));
      fs.mkdirSync(path.join(root, 'submission'));
      return root;
    }

    async function run(root: string) {
      const log: string[] = [];
      expect(await runAutograder(root, (t) => log.push(t))).toBe(0);
      const results = JSON.parse(fs.readFileSync(path.join(root, 'results', 'results.json'), 'utf8')) as { score: number; output: string; tests: Array<{ score: number; output: string }> };
      // Markdown escapes (`\.`, `\_`) are not what is being checked.
      return { ...results, output: results.output.replace(/\\/g, ''), tests: results.tests.map((t) => ({ ...t, output: t.output.replace(/\\/g, '') })) };
    }

    test('a submitted lab file that is a link is copied as a link and scores 0 as forbidden_link', async () => {
      const root = autograderRoot();
      link(path.join(root, 'submission'), LAB_FILE, path.join(root, 'source', 'reference', LAB, 'activations.ts'));
      const r = await run(root);
      expect(r.score).toBe(0);
      expect(r.tests.length).toBe(lab.rubric.items.length);
      for (const t of r.tests) expect(t.output).toContain(`forbidden_link: ${LAB_FILE} is a symbolic link`);
      expect(r.output).not.toContain('graded as the unchanged stub');
    });

    test("a submitted lab folder that is a link (found as <lab>/<file>) scores 0, not the stub's not_implemented", async () => {
      const root = autograderRoot();
      link(path.join(root, 'submission'), `my-work/${LAB}`, path.join(root, 'source', 'reference', LAB));
      const r = await run(root);
      expect(r.score).toBe(0);
      for (const t of r.tests) expect(t.output).toContain(`forbidden_link: ${LAB_FILE} is reached through labs/${LAB}, a symbolic link`);
      expect(r.output).toContain(`from my-work/${LAB}`);
      expect(r.output).not.toContain('graded as the unchanged stub');
    });
  });
});

describe('the type-check and imports see nothing outside labs/', () => {
  const outside = ["import type { Tensor as ReferenceTensor } from '../../reference/activations/activations';", "export type Missing = import('../../reference/activations/activations').NotAnExport;"];
  /** The 1-based column of a line's first quote: where the compiler places a module's name. */
  const quote = (line: string) => line.indexOf("'") + 1;

  test('a type-only import of the reference is forbidden_import, located, and its notes hold no harness path or reference types', async () => {
    const dir = tempDir('typeonly');
    write(dir, LAB_FILE, `${outside[0]}\n${REFERENCE_TEXT}\nexport const typed: ReferenceTensor | undefined = undefined;\n`);
    const r = await gradeSubmission({ root: ROOT, submission: dir, labs: [LAB], sandbox: 'permission', typecheck: true });
    const result = labOf(r)!;
    expect(result.status).toBe('forbidden_import');
    expect(result.score).toBe(0);
    expect(result.message).toBe(`${LAB_FILE} imports '../../reference/activations/activations': lab code may import only files under labs/`);
    // Line 1, at the module's string (as the compiler counts columns).
    expect(result.notes[0]).toBe(`${LAB_FILE}:1:${quote(outside[0])} ${result.message}`);
    const text = JSON.stringify(result);
    expect(text).not.toContain(ROOT);
    expect(text).not.toContain('sigmoidForward(');
  });

  test('the compiler cannot read the reference, by import, import type, import() type or reference path; notes name no absolute path', () => {
    const lines = [
      `/// <reference path="../../reference/${LAB}/activations.ts" />`,
      ...outside,
      `import type * as Reference from '${path.join(ROOT, 'reference', LAB, 'activations').split(path.sep).join('/')}';`,
      // Were the reference readable, this would be a note quoting its type: '(x: Tensor) => Tensor'.
      'export const sigmoid: number = (undefined as unknown as typeof Reference).sigmoidForward;',
      "import * as common from '../common';",
      'export const notANumber: number = common;',
    ];
    const tree = overlay(mapTree({ [LAB_FILE]: lines.join('\n') }, 'test'), directoryTree(ROOT));
    const notes = typeErrors(ROOT, tree, [LAB_FILE]);
    expect(notes.join('\n')).not.toContain(ROOT);
    expect(notes.join('\n')).not.toContain('=>');
    const notFound = "Cannot find module '../../reference/activations/activations' or its corresponding type declarations.";
    expect(notes).toEqual([
      // A reference path's place is its text, inside the quotes.
      `type error at ${LAB_FILE}:1:${lines[0].indexOf('"') + 2}: File 'reference/${LAB}/activations.ts' not found.`,
      `type error at ${LAB_FILE}:2:${quote(lines[1])}: ${notFound}`,
      `type error at ${LAB_FILE}:3:${quote(lines[2])}: ${notFound}`,
      // The student's own absolute path, with the harness's part written away like any other.
      `type error at ${LAB_FILE}:4:${quote(lines[3])}: Cannot find module 'reference/activations/activations' or its corresponding type declarations.`,
      `type error at ${LAB_FILE}:7:14: Type 'typeof import("labs/common/index")' is not assignable to type 'number'.`,
    ]);
  });

  test('declarations labs may use are still there: @types/node, the allowed packages, labs/common', () => {
    const source = ["import * as fs from 'fs';", "import erf = require('@stdlib/math-base-special-erf');", "import { Tensor } from '../common';", 'export const x: number = erf(1);', 'export const t: Tensor | undefined = undefined;', 'export const s: fs.Stats = 3;'].join('\n');
    const tree = overlay(mapTree({ [LAB_FILE]: source }, 'test'), directoryTree(ROOT));
    expect(typeErrors(ROOT, tree, [LAB_FILE])).toEqual([`type error at ${LAB_FILE}:6:14: Type 'number' is not assignable to type 'Stats'.`]);
  });

  test('a plain type error in a lab is a located note, and costs nothing', async () => {
    const dir = tempDir('typeerror');
    const text = `${REFERENCE_TEXT}\nexport const answer: number = 'forty-two';\n`;
    write(dir, LAB_FILE, text);
    const r = await gradeSubmission({ root: ROOT, submission: dir, labs: [LAB], sandbox: 'permission', typecheck: true });
    const result = labOf(r)!;
    expect(result.status).toBe('graded');
    expect(result.score).toBe(result.max_score);
    const line = text.split('\n').indexOf("export const answer: number = 'forty-two';") + 1;
    expect(result.notes).toEqual([`type error at ${LAB_FILE}:${line}:14: Type 'string' is not assignable to type 'number'.`]);
  });
});
