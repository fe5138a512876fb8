/**
 * Every Node students install. Under each Node named in GRADECHECK_TEST_NODES (colon-separated
 * paths to `node` binaries; .ci/run installs Node 24 and 26 and sets it) and under the Node running
 * this test: the reference solutions of every lab get full marks from `gradecheck grade`, with the
 * permission model and, where bubblewrap works for that Node, inside it too. Under the Node CI
 * grades with (CI_NODE_MAJOR), a student release's own `npm test` passes with the reference in its
 * labs/. The harness's `engines` must admit every Node graded here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listLabs } from '../graders/engine/core/labs';
import { Results, ResultsSchema } from '../graders/engine/core/results';
import { buildRelease, CI_NODE_MAJOR } from '../graders/release/build';
import { ROOT } from './support/paths';
import { cleanEnv, npmCiOffline, run, tempDir } from './release/support';

interface TestNode {
  /** As given: the folder it is in goes first on PATH. */
  bin: string;
  version: string;
  major: string;
  /** Whether the engine, run by this Node, finds bubblewrap usable (graders/engine/host/sandbox.ts). */
  bwrap: boolean;
}

function describeNode(bin: string): TestNode {
  const probe = run(bin, ['-r', './graders/engine/host/register.cjs', '-p', "[process.versions.node, require('./graders/engine/host/sandbox.ts').bwrapAvailable()].join(' ')"], { cwd: ROOT, timeoutMs: 60000 });
  if (probe.status !== 0) throw new Error(`${bin} could not load the engine:\n${probe.stderr}`);
  const [version, bwrap] = probe.stdout.trim().split(' ');
  return { bin, version, major: version.split('.')[0], bwrap: bwrap === 'true' };
}

/** The Node running this test, then each of GRADECHECK_TEST_NODES that exists (each Node once). */
function testNodes(): TestNode[] {
  const listed = process.env.GRADECHECK_TEST_NODES;
  if (!listed) console.warn('SKIPPED: grading under other Nodes than this one, because GRADECHECK_TEST_NODES is not set (.ci/run installs Node 24 and 26 and sets it)');
  const bins = [process.execPath];
  for (const bin of (listed ?? '').split(':').filter(Boolean)) {
    if (!fs.existsSync(bin)) console.warn(`SKIPPED: the Node at ${bin}, because there is no such file (from GRADECHECK_TEST_NODES)`);
    else bins.push(path.resolve(bin));
  }
  const byFile = new Map<string, string>();
  for (const bin of bins) if (!byFile.has(fs.realpathSync(bin))) byFile.set(fs.realpathSync(bin), bin);
  return [...byFile.values()].map(describeNode);
}

/** Whether `version` is in an npm `engines` range made of `^x.y.z` and `>=x.y.z` joined by `||`. */
function inRange(range: string, version: string): boolean {
  const parts = (v: string) => v.split('.').map(Number);
  const atLeast = (a: number[], b: number[]) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];
  return range.split('||').some((alternative) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(alternative);
    if (!m) throw new Error(`engines: the test does not understand '${alternative.trim()}'`);
    const [v, floor] = [parts(version), parts(m[2])];
    return atLeast(v, floor) && (m[1] === '>=' || v[0] === floor[0]);
  });
}

const nodes = testNodes();
const labs = listLabs(ROOT);
const harnessEngines = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines;
const runs = nodes.flatMap((node) => [
  { node, sandbox: 'permission' },
  ...(node.bwrap ? [{ node, sandbox: 'bwrap' }] : []),
]);
for (const node of nodes.filter((n) => !n.bwrap)) console.warn(`SKIPPED: --sandbox bwrap under Node ${node.version}, because bubblewrap is not usable by it here (apt-get install bubblewrap)`);

let work: string;
let submission: string;

beforeAll(() => {
  work = tempDir('node-versions');
  // labs/ as handed out, with every lab's reference solution over its stub.
  submission = path.join(work, 'reference-submission');
  fs.cpSync(path.join(ROOT, 'labs'), path.join(submission, 'labs'), { recursive: true });
  for (const lab of labs) fs.cpSync(path.join(ROOT, 'reference', lab), path.join(submission, 'labs', lab), { recursive: true });
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function readResults(file: string): Results {
  return ResultsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

function notPassed(results: Results): string[] {
  return results.labs.flatMap((l) => l.items.filter((i) => i.status !== 'passed').map((i) => `${l.lab} ${i.id}: ${i.status}: ${i.message}`));
}

describe('every Node students install', () => {
  test.each(nodes.map((n) => [n.version, n] as const))("the harness's engines admit Node %s", (_version, node) => {
    expect(inRange(harnessEngines.node, node.version)).toBe(true);
  });

  test.each(runs.map((r) => [r.node.version, r.sandbox, r] as const))(
    "Node %s, --sandbox %s: every lab's reference gets full marks",
    (version, sandbox, { node }) => {
      const json = path.join(work, `results-${version}-${sandbox}.json`);
      const r = run(node.bin, [path.join(ROOT, 'scripts', 'gradecheck.cjs'), 'grade', '--submission', submission, '--json', json, '--sandbox', sandbox], { cwd: ROOT, timeoutMs: 600000 });
      const results = readResults(json);
      expect(notPassed(results)).toEqual([]);
      expect(results.labs.map((l) => l.lab).sort()).toEqual([...labs].sort());
      expect(results.score).toBe(results.max_score);
      expect(results.max_score).toBeGreaterThan(0);
      expect(r.status).toBe(0);
    },
    600000,
  );

  const ci = nodes.find((n) => n.major === CI_NODE_MAJOR);
  if (!ci) console.warn(`SKIPPED: a student release's npm test under Node ${CI_NODE_MAJOR}, because no Node ${CI_NODE_MAJOR} is given (GRADECHECK_TEST_NODES)`);
  (ci ? test : test.skip)(`Node ${CI_NODE_MAJOR} (what CI grades with): a student release's npm test passes with the reference in its labs/`, async () => {
    const dir = path.join(work, 'release');
    await buildRelease({ root: ROOT, out: dir });
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.engines).toEqual(harnessEngines);
    for (const lab of labs) fs.cpSync(path.join(ROOT, 'reference', lab), path.join(dir, 'labs', lab), { recursive: true });

    // That Node first on PATH: npm, and Jest through its `#!/usr/bin/env node`, run on it.
    const env = cleanEnv({ PATH: `${path.dirname(ci!.bin)}${path.delimiter}${process.env.PATH}`, npm_config_offline: 'true' });
    expect(run('node', ['--version'], { cwd: dir, env }).stdout.trim()).toBe(`v${ci!.version}`);
    npmCiOffline(dir);
    const json = path.join(work, 'release-results.json');
    const r = run('npm', ['test'], { cwd: dir, env: { ...env, GRADECHECK_JSON: json }, timeoutMs: 600000 });
    const results = readResults(json);
    expect(notPassed(results)).toEqual([]);
    expect(results.labs.map((l) => l.lab).sort()).toEqual([...labs].sort());
    expect(results.score).toBe(results.max_score);
    expect(r.stdout).toMatch(/Total: ([\d.]+) \/ \1 /);
    expect(r.status).toBe(0);

    // Where Node keeps compiled code between runs (22.1 and later), jest.config.js has it do so;
    // a second run, which loads that code, grades the same.
    if (run(ci!.bin, ['-p', "typeof require('module').enableCompileCache"], { cwd: dir, env }).stdout.trim() === 'function') {
      const cache = path.join(dir, 'node_modules', '.cache', 'node-compile');
      expect(fs.existsSync(cache) && fs.readdirSync(cache).length).toBeGreaterThan(0);
      const again = run('npm', ['test'], { cwd: dir, env: { ...env, GRADECHECK_JSON: json }, timeoutMs: 600000 });
      expect(notPassed(readResults(json))).toEqual([]);
      expect(again.status).toBe(0);
    }
  }, 900000);
});
