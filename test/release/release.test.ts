/**
 * The student release, built into a temporary folder: what it holds and leaves out, the leak
 * check (passes on the release, fails on planted leaks), and the release at work offline:
 * `npm ci` from the npm cache, `npm test` on the stubs (0, every item not_implemented) and on
 * the reference (every visible item passes), `npm run watch`, and the same diagnoses as the
 * harness gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { expectedFor, readExpected, shippedExpectedPath } from '../../graders/engine/core/expected';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { listLabs, loadLab } from '../../graders/engine/core/labs';
import { Results, ResultsSchema } from '../../graders/engine/core/results';
import { buildRelease, Release } from '../../graders/release/build';
import { findLeaks, functionBodies, Leak } from '../../graders/release/leaks';
import { ROOT } from '../support/paths';
import { cleanEnv, mutantSubmission, npmCiOffline, run, start, tempDir } from './support';

const LAB = 'activations';
const lab = loadLab(ROOT, LAB);
const hiddenItems = lab.rubric.items.filter((it) => it.visibility !== 'visible');
const visibleItems = lab.rubric.items.filter((it) => it.visibility === 'visible');

let release: Release;
let dir: string;

beforeAll(async () => {
  dir = path.join(tempDir('release'), 'student');
  release = await buildRelease({ root: ROOT, out: dir, labs: [LAB] });
}, 120000);

afterAll(() => {
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

function npmTest(args: string[], json: string) {
  return run('npm', ['test', '--', ...args], { cwd: dir, env: cleanEnv({ GRADECHECK_JSON: json, npm_config_offline: 'true' }) });
}

function readResults(file: string): Results {
  return ResultsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

describe('a student release', () => {
  test('holds the stubs, graders, rubric and expected values, and no reference, mutant or hidden item', () => {
    expect(release.files).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'README.md', '.github/workflows/gradecheck.yml', '.github/gradecheck/grade.sh', `labs/${LAB}/activations.ts`, `graders/${LAB}.test.ts`, `graders/${LAB}.ops.ts`, `graders/expected/${LAB}.json`, `rubrics/${LAB}.yaml`]));
    expect(release.files.filter((f) => /^(reference|fixtures\/mutants|fixtures\/submissions)\//.test(f))).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'labs', LAB, 'activations.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'labs', LAB, 'activations.ts'), 'utf8').replace(/npx gradecheck grade --labs activations/g, 'npm test -- activations'));

    const rubric = parseYaml(fs.readFileSync(path.join(dir, 'rubrics', `${LAB}.yaml`), 'utf8')) as { items: Array<{ id: string; mutants?: unknown }> };
    expect(rubric.items.map((it) => it.id)).toEqual(visibleItems.map((it) => it.id));
    expect(rubric.items.filter((it) => it.mutants !== undefined)).toEqual([]);

    const bundle = readExpected(shippedExpectedPath(dir, LAB));
    expect(Object.keys(bundle.items).sort()).toEqual(visibleItems.map((it) => it.id).sort());
    // The diagnoses of the visible items' mutants travel with the expected values.
    const named = visibleItems.flatMap((it) => it.mutants.map((m) => `${it.id}:${m}`));
    expect(named.length).toBeGreaterThan(0);
    for (const it of visibleItems) expect(Object.keys(bundle.items[it.id].diagnoses)).toEqual(it.mutants);

    // labs/common: only what the released labs import.
    const common = release.files.filter((f) => f.startsWith('labs/common/'));
    expect(common).toContain('labs/common/index.ts');
    for (const f of common) expect(fs.existsSync(path.join(ROOT, f))).toBe(true);

    // Every package the release's code uses is in its package.json, at the harness's version.
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const harness = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) expect(version).toBe(harness.dependencies[name] ?? harness.devDependencies[name]);
    expect(pkg.dependencies).not.toHaveProperty('execa');
    expect(pkg.scripts).toMatchObject({ test: 'jest', watch: expect.stringContaining('watch') });
  });

  test('the leak check passes on the release', async () => {
    expect(hiddenItems.length).toBeGreaterThan(0);
    expect(await findLeaks({ root: ROOT, release: dir, labs: [LAB] })).toEqual([]);
  });

  test('the leak check fails on a release with a planted leak: a reference body, a hidden id, a hidden value, a reference file', async () => {
    const planted = path.join(tempDir('planted'), 'release');
    try {
      fs.cpSync(dir, planted, { recursive: true });
      const refFile = path.join(ROOT, 'reference', LAB, 'activations.ts');
      const refText = fs.readFileSync(refFile, 'utf8');
      const body = functionBodies(refFile, refText).find((b) => b.name === 'softmaxBackward');
      expect(body).toBeDefined();
      // A reference function pasted into the handout, reformatted and with a comment added.
      const source = refText.slice(refText.indexOf('export function softmaxBackward'));
      const fn = source.slice(0, source.indexOf('\n}\n') + 2);
      fs.appendFileSync(path.join(planted, 'labs', LAB, 'activations.ts'), `\n// solution\n${fn.replace(/\n\s*/g, '\n      // remember\n  ')}\n`);
      // A hidden item's id in a note.
      fs.writeFileSync(path.join(planted, 'NOTES.md'), `Also graded: ${hiddenItems[0].id}\n`);
      // One of a hidden item's expected outputs.
      const full = await expectedFor(ROOT, lab);
      const hiddenOutput = Object.values(full.items[hiddenItems[0].id].cases[0].grads ?? full.items[hiddenItems[0].id].cases[0].outputs)[0] as { data: Float64Array };
      const value = [...hiddenOutput.data].find((x) => !Number.isInteger(x))!;
      fs.writeFileSync(path.join(planted, 'graders', 'cheat.json'), JSON.stringify({ x: value }));
      // A reference file.
      fs.mkdirSync(path.join(planted, 'reference', LAB), { recursive: true });
      fs.writeFileSync(path.join(planted, 'reference', LAB, 'README.md'), 'answers\n');

      const leaks = await findLeaks({ root: ROOT, release: planted, labs: [LAB] });
      const byKind = (kind: Leak['kind']) => leaks.filter((l) => l.kind === kind).map((l) => l.file);
      expect(byKind('reference_body')).toContain(`labs/${LAB}/activations.ts`);
      expect(leaks.find((l) => l.kind === 'reference_body')?.message).toContain('softmaxBackward');
      expect(byKind('hidden_item')).toEqual(['NOTES.md']);
      expect(byKind('hidden_value')).toEqual(['graders/cheat.json']);
      expect(byKind('forbidden_file')).toEqual([`reference/${LAB}/README.md`]);
    } finally {
      fs.rmSync(path.dirname(planted), { recursive: true, force: true });
    }
  });

  test('every lab can be released, and each release passes the leak check', async () => {
    const all = path.join(tempDir('all'), 'student');
    try {
      const r = await buildRelease({ root: ROOT, out: all });
      expect(r.labs).toEqual(listLabs(ROOT));
      for (const name of r.labs) {
        const full = loadLab(ROOT, name);
        const released = loadLab(all, name);
        expect(released.rubric.items.map((it) => it.id)).toEqual(full.rubric.items.filter((it) => it.visibility === 'visible').map((it) => it.id));
        expect(Object.keys(readExpected(shippedExpectedPath(all, name)).items).sort()).toEqual(released.rubric.items.map((it) => it.id).sort());
      }
      expect(await findLeaks({ root: ROOT, release: all })).toEqual([]);
    } finally {
      fs.rmSync(path.dirname(all), { recursive: true, force: true });
    }
  }, 600000);
});

describe('the release at work, offline', () => {
  beforeAll(() => {
    npmCiOffline(dir);
  }, 180000);

  test('npm test grades the stubs: 0 points, every item not_implemented, and prints the score table', () => {
    const json = path.join(path.dirname(dir), 'stub.json');
    const r = npmTest([], json);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/Total: 0 \/ \d+/);
    const results = readResults(json);
    expect(results.score).toBe(0);
    expect(results.labs.map((l) => l.lab)).toEqual([LAB]);
    expect(results.labs[0].items.map((i) => i.id)).toEqual(visibleItems.map((it) => it.id));
    expect(results.labs[0].items.filter((i) => i.status !== 'not_implemented')).toEqual([]);
  }, 180000);

  test('npm test -- <lab> with the reference in labs/: every visible item passes', () => {
    const labsDir = path.join(dir, 'labs', LAB);
    const stub = fs.readFileSync(path.join(labsDir, 'activations.ts'));
    try {
      fs.cpSync(path.join(ROOT, 'reference', LAB), labsDir, { recursive: true });
      const json = path.join(path.dirname(dir), 'reference.json');
      const r = npmTest([LAB], json);
      expect(r.stdout).toContain(`grading ${LAB}...`);
      const results = readResults(json);
      expect(results.labs[0].items.filter((i) => i.status !== 'passed').map((i) => `${i.id}: ${i.message}`)).toEqual([]);
      expect(results.labs[0].items.length).toBe(visibleItems.length);
      expect(results.score).toBe(results.max_score);
      expect(r.status).toBe(0);
    } finally {
      fs.writeFileSync(path.join(labsDir, 'activations.ts'), stub);
    }
  }, 180000);

  test('grading in the release gives the harness\'s scores and diagnoses on known mistakes', async () => {
    const submission = tempDir('mutants');
    try {
      const { mutants } = mutantSubmission(LAB, submission);
      expect(mutants.length).toBeGreaterThan(1);
      const inHarness = await gradeSubmission({ root: ROOT, submission, labs: [LAB], sandbox: 'permission', typecheck: false });
      const inRelease = await gradeSubmission({ root: dir, submission, labs: [LAB], sandbox: 'permission', typecheck: false });
      const visible = (r: Results) =>
        r.labs[0].items.filter((i) => i.visibility === 'visible').map(({ id, score, status, diagnosis, message }) => ({ id, score, status, diagnosis, message }));
      expect(visible(inRelease)).toEqual(visible(inHarness));
      const diagnosed = visible(inRelease).filter((i) => i.diagnosis);
      expect(diagnosed.length).toBeGreaterThan(1);
    } finally {
      fs.rmSync(submission, { recursive: true, force: true });
    }
  }, 180000);

  test('npm run watch grades the lab, then again when one of its files changes', async () => {
    const file = path.join(dir, 'labs', LAB, 'activations.ts');
    const original = fs.readFileSync(file, 'utf8');
    const watcher = start('npm', ['run', 'watch', '--', LAB], { cwd: dir, env: cleanEnv({ npm_config_offline: 'true' }) });
    const tables = (out: string) => out.match(/Total: [\d.]+ \/ \d+/g)?.length ?? 0;
    try {
      await watcher.waitFor((out) => tables(out) >= 1 && out.includes('watching'), 120000);
      expect(watcher.output()).toMatch(/Total: 0 \//);
      fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, 'reference', LAB, 'activations.ts')));
      await watcher.waitFor((out) => tables(out) >= 2, 120000);
      const last = watcher.output().match(/Total: ([\d.]+) \/ (\d+)/g)!.pop()!;
      const [, score, max] = /Total: ([\d.]+) \/ (\d+)/.exec(last)!;
      expect(Number(score)).toBe(Number(max));
    } finally {
      watcher.stop();
      fs.writeFileSync(file, original);
    }
  }, 300000);
});
