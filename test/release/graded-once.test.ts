/**
 * `npm test` in a student release grades the labs the run selects once, in Jest's global
 * setup, and the grader files only report what it found (graders/engine/jest/pregrade.ts):
 * shown by replacing the in-file grading path with one that fails, which a run with the
 * global setup never reaches. Without the setup, the grader files grade themselves and find
 * the same. `npm test -- <lab>` grades only that lab, and `-t` only the items it names.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadLab } from '../../graders/engine/core/labs';
import { Results, ResultsSchema } from '../../graders/engine/core/results';
import { LabPlan, PLAN_ENV, PLAN_FORMAT, describeTitle, testTitle, writePendingPlan, writePlan } from '../../graders/engine/jest/plan';
import { buildRelease } from '../../graders/release/build';
import { readReleaseManifest } from '../../graders/release/manifest';
import { ROOT } from '../support/paths';
import { cleanEnv, installRelease, run, tempDir } from './support';

const LABS = ['activations', 'backprop'];
const IN_FILE = path.join('graders', 'engine', 'jest', 'in-file.ts');

let dir: string;
let inFile: string;

beforeAll(async () => {
  dir = path.join(tempDir('graded-once'), 'student');
  await buildRelease({ root: ROOT, out: dir, labs: LABS });
  // activations solved, backprop left as the stubs: passing and failing items both.
  fs.cpSync(path.join(ROOT, 'reference', 'activations'), path.join(dir, 'labs', 'activations'), { recursive: true });
  installRelease(dir);
  inFile = fs.readFileSync(path.join(dir, IN_FILE), 'utf8');
  // Whatever reaches the in-file path now fails loudly.
  fs.writeFileSync(path.join(dir, IN_FILE), "export function gradeInFile(lab: string): void {\n  throw new Error(`graded in the grader file of ${lab}`);\n}\n");
}, 300000);

afterAll(() => {
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

function jest(args: string[], json: string) {
  const jestBin = require.resolve('jest/bin/jest', { paths: [dir] });
  return run(process.execPath, [jestBin, ...args], { cwd: dir, env: cleanEnv({ GRADECHECK_JSON: json, GRADECHECK_SANDBOX: 'permission' }) });
}

const outcomes = (r: Results) => r.labs.map((l) => ({ lab: l.lab, score: l.score, items: l.items.map(({ id, status, score, message }) => ({ id, status, score, message })) }));

describe('npm test in a release', () => {
  let all: Results;

  test('grades every lab in the global setup: the grader files only report (the in-file path is never reached)', () => {
    const json = path.join(path.dirname(dir), 'all.json');
    const r = jest([], json);
    expect(r.stdout + r.stderr).not.toContain('graded in the grader file');
    all = ResultsSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8')));
    expect(all.labs.map((l) => l.lab)).toEqual(LABS);
    const activations = all.labs.find((l) => l.lab === 'activations')!;
    expect(activations.score).toBe(activations.max_score);
    const backprop = all.labs.find((l) => l.lab === 'backprop')!;
    expect(backprop.items.length).toBeGreaterThan(0);
    expect(backprop.items.filter((i) => i.status === 'passed')).toEqual([]);
    // Jest sees the failures the table shows: one failing test per failing item.
    expect(r.status).not.toBe(0);
    for (const lab of LABS) expect(r.stdout).toContain(`grading ${lab}...`);
    // Jest reports the labs as their grading ends, while the setup still grades the longest one
    // (by the reference's time in the manifest): its grader file comes last.
    const costs = readReleaseManifest(dir)!.reference_ms!;
    const longest = [...LABS].sort((a, b) => costs[b] - costs[a])[0];
    expect(r.stdout.lastIndexOf('grading ')).toBe(r.stdout.indexOf(`grading ${longest}...`));
  }, 180000);

  test('without the global setup, the grader files grade themselves and find the same', () => {
    fs.writeFileSync(path.join(dir, IN_FILE), inFile);
    const config = path.join(dir, 'jest.nosetup.config.js');
    // The teardown stays: it removes the run's own results folder (and finds no grading to wait for).
    fs.writeFileSync(config, "const { globalSetup, testSequencer, ...config } = require('./jest.config.js');\nmodule.exports = config;\n");
    try {
      const json = path.join(path.dirname(dir), 'in-file.json');
      const r = jest(['-c', config], json);
      expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`gradecheck-jest-${r.pid}-`))).toEqual([]);
      const inFiles = ResultsSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8')));
      expect(outcomes(inFiles)).toEqual(outcomes(all));
    } finally {
      fs.rmSync(config, { force: true });
      fs.writeFileSync(path.join(dir, IN_FILE), "export function gradeInFile(lab: string): void {\n  throw new Error(`graded in the grader file of ${lab}`);\n}\n");
    }
  }, 180000);

  test('a lab the setup cannot grade fails each of its tests, saying why; the other labs are graded', () => {
    // backprop's expected values are gone. Depending on when its grading fails, its grader file
    // finds its plan pending (and reports the failure) or already left (and grades it itself):
    // either way each of its tests fails, saying why.
    const shipped = path.join(dir, 'graders', 'expected', 'backprop.json');
    const aside = `${shipped}.aside`;
    fs.renameSync(shipped, aside);
    fs.writeFileSync(path.join(dir, IN_FILE), inFile);
    try {
      const json = path.join(path.dirname(dir), 'left.json');
      const r = jest([], json);
      expect(r.status).not.toBe(0);
      const output = r.stdout + r.stderr;
      expect(output).toContain('no reference/backprop and no graders/expected/backprop.json: nothing to grade against');
      const left = ResultsSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8')));
      expect(outcomes(left).filter((l) => l.lab === 'activations')).toEqual(outcomes(all).filter((l) => l.lab === 'activations'));
    } finally {
      fs.renameSync(aside, shipped);
      fs.writeFileSync(path.join(dir, IN_FILE), "export function gradeInFile(lab: string): void {\n  throw new Error(`graded in the grader file of ${lab}`);\n}\n");
    }
  }, 180000);

  test("a grader file whose lab is still being graded waits for its plan; a lab left meanwhile fails each test, saying why", async () => {
    // Without the global setup, with a plan written here: pending when Jest loads the grader
    // file, left once Jest has started it and given it time to register its tests.
    const config = path.join(dir, 'jest.pending.config.js');
    fs.writeFileSync(config, "const { globalSetup, testSequencer, ...config } = require('./jest.config.js');\nmodule.exports = config;\n");
    const planDir = path.join(path.dirname(dir), 'pending-plans');
    const lab = loadLab(dir, 'backprop');
    const plan: LabPlan = { format: PLAN_FORMAT, lab: 'backprop', describe: describeTitle('backprop', lab.rubric.title), tests: lab.rubric.items.map((item) => ({ title: testTitle(item), outcome: 'not_selected' })) };
    writePendingPlan(planDir, plan);
    try {
      const jestBin = require.resolve('jest/bin/jest', { paths: [dir] });
      const child = spawn(process.execPath, [jestBin, '-c', config, 'backprop'], { cwd: dir, env: cleanEnv({ [PLAN_ENV]: planDir, GRADECHECK_SANDBOX: 'permission' }) });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const started = Date.now();
      while (!output.includes('grading backprop...') && Date.now() - started < 60000) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      writePlan(planDir, { ...plan, left: 'the grading stopped (written by this test)' });
      expect(await exited).not.toBe(0);
      expect(output).not.toContain('graded in the grader file');
      expect(output.split('gradecheck could not grade backprop: the grading stopped (written by this test)').length - 1).toBe(lab.rubric.items.length);
    } finally {
      fs.rmSync(config, { force: true });
      fs.rmSync(planDir, { recursive: true, force: true });
    }
  }, 180000);

  test('npm test -- <lab> grades only that lab, and leaves no folder of its own behind', () => {
    const json = path.join(path.dirname(dir), 'one.json');
    const r = jest(['backprop'], json);
    // The run's results folder is named after Jest's process (jest.config.js), which is the one started here.
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`gradecheck-jest-${r.pid}-`))).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain('graded in the grader file');
    expect(r.stdout).toContain('grading backprop...');
    expect(r.stdout).not.toContain('grading activations...');
    const one = ResultsSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8')));
    expect(outcomes(one)).toEqual(outcomes(all).filter((l) => l.lab === 'backprop'));
  }, 180000);

  test("the grader files' runner tells Jest what jest-circus does from the same plans", () => {
    // jest-circus reporting the plans through lab-tests.ts, as every grader file did before runner.cjs.
    const circus = path.join(dir, 'jest.circus.config.js');
    fs.writeFileSync(circus, "const { testRunner, ...config } = require('./jest.config.js');\nmodule.exports = config;\n");
    type JestJson = {
      success: boolean;
      numFailedTests: number;
      numPassedTests: number;
      numPendingTests: number;
      numTotalTests: number;
      testResults: Array<{ name: string; status: string; message: string; assertionResults: Array<{ ancestorTitles: string[]; title: string; fullName: string; status: string; failureMessages: string[] }> }>;
    };
    const told = (report: JestJson) => ({
      success: report.success,
      counts: [report.numFailedTests, report.numPassedTests, report.numPendingTests, report.numTotalTests],
      files: report.testResults
        .map((f) => ({
          file: path.relative(dir, f.name),
          status: f.status,
          message: f.message,
          tests: f.assertionResults.map(({ ancestorTitles, title, fullName, status, failureMessages }) => ({ ancestorTitles, title, fullName, status, failureMessages })),
        }))
        .sort((a, b) => a.file.localeCompare(b.file)),
    });
    try {
      // Passing and failing items (activations solved, backprop the stubs); then -t, which skips most.
      for (const args of [[], ['-t', 'softmax|relu.backward']]) {
        const [withCircus, withRunner] = [['-c', circus], []].map((config, k) => {
          const out = path.join(path.dirname(dir), `jest-${k}.json`);
          const r = jest([...config, ...args, '--json', `--outputFile=${out}`], path.join(path.dirname(dir), `results-${k}.json`));
          expect(r.stdout + r.stderr).not.toContain('graded in the grader file');
          return { status: r.status, ...told(JSON.parse(fs.readFileSync(out, 'utf8')) as JestJson) };
        });
        expect(withRunner.counts[0]).toBeGreaterThan(0);
        expect(withRunner.counts[1]).toBeGreaterThan(0);
        if (args.length > 0) expect(withRunner.counts[2]).toBeGreaterThan(0);
        expect(withRunner).toEqual(withCircus);
      }
    } finally {
      fs.rmSync(circus, { force: true });
    }
  }, 180000);

  test('-t grades only the items whose test name matches, as Jest selects them', () => {
    const json = path.join(path.dirname(dir), 'some.json');
    const r = jest(['activations', '-t', 'softmax'], json);
    expect(r.stdout + r.stderr).not.toContain('graded in the grader file');
    expect(r.status).toBe(0);
    const some = ResultsSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8')));
    const expected = loadLab(dir, 'activations').rubric.items.filter((it) => /softmax/i.test(`${it.id} ${it.title}`)).map((it) => it.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(some.labs.map((l) => l.lab)).toEqual(['activations']);
    expect(some.labs[0].items.map((i) => i.id)).toEqual(expected);
    // Jest ran exactly those tests, and skipped the rest.
    expect(r.stdout).toContain('(only the items whose name matches -t "softmax" were graded)');
  }, 180000);
});
