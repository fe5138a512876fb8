/**
 * The Gradescope autograder: `gradecheck gradescope` builds autograder.zip; here it is unpacked
 * into a simulated /autograder (a temporary root: source/, submission/, results/), setup.sh's
 * `npm ci` is run offline, and run_autograder grades a submission. results.json is checked
 * against Gradescope's documented fields (Autograder Specifications).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { GradescopeResultsSchema } from '../../graders/emit/gradescope';
import { loadLab } from '../../graders/engine/core/labs';
import { CI_NODE_VERSION } from '../../graders/release/build';
import { buildGradescope } from '../../graders/release/gradescope';
import { matchSubmission } from '../../graders/release/runtime/autograder';
import { ROOT } from '../support/paths';
import { cleanEnv, installRelease, mutantSubmission, run, tempDir } from './support';

const LAB = 'activations';
const lab = loadLab(ROOT, LAB);

/** Unix permission bits of each entry, from the zip's central directory. */
function zipModes(zip: Uint8Array): Record<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (view.getUint32(end, true) !== 0x06054b50) end--;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const modes: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    const name = Buffer.from(zip.subarray(at + 46, at + 46 + nameLength)).toString('utf8');
    modes[name] = (external >>> 16) & 0o777;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

let root: string;
let zip: Uint8Array;

beforeAll(async () => {
  root = tempDir('gradescope');
  const built = await buildGradescope({ root: ROOT, out: path.join(root, 'autograder.zip'), labs: [LAB] });
  expect(built.leaks).toEqual([]);
  zip = fs.readFileSync(path.join(root, 'autograder.zip'));
  // Gradescope extracts the zip into /autograder/source and copies run_autograder to /autograder.
  const ag = path.join(root, 'autograder');
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    const file = path.join(ag, 'source', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  }
  fs.copyFileSync(path.join(ag, 'source', 'run_autograder'), path.join(ag, 'run_autograder'));
  fs.mkdirSync(path.join(ag, 'results'));
  installRelease(path.join(ag, 'source')); // what setup.sh does after installing Node (its npm ci)
}, 240000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the Gradescope autograder', () => {
  test('has setup.sh and run_autograder, executable, at the root of the zip, every item, and no reference or mutant', () => {
    const modes = zipModes(zip);
    expect(modes['setup.sh']).toBe(0o755);
    expect(modes['run_autograder']).toBe(0o755);
    const names = Object.keys(modes);
    expect(names.filter((n) => /^(reference|fixtures\/mutants|fixtures\/submissions)\//.test(n))).toEqual([]);
    const source = path.join(root, 'autograder', 'source');
    expect(loadLab(source, LAB).rubric.items.map((it) => it.id)).toEqual(lab.rubric.items.map((it) => it.id));
    const setup = fs.readFileSync(path.join(source, 'setup.sh'), 'utf8');
    expect(setup.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(setup).toMatch(/^set -euo pipefail$/m);
    expect(setup).toContain('npm ci');
    expect(setup).toContain(`\nNODE_VERSION="${CI_NODE_VERSION}"\n`);
  });

  test('run_autograder grades the lab files of /autograder/submission and writes results.json as Gradescope documents it', () => {
    const ag = path.join(root, 'autograder');
    const submission = path.join(ag, 'submission');
    // A whole repository uploaded in a folder, with things that must be ignored beside the labs.
    const repo = path.join(submission, 'labs-bob-main');
    const { items: lost } = mutantSubmission(LAB, repo);
    fs.mkdirSync(path.join(repo, 'graders'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'graders', `${LAB}.test.ts`), 'test("everything", () => {});\n');
    fs.writeFileSync(path.join(repo, 'rubrics.yaml'), 'items: []\n');

    const r = run('bash', [path.join(ag, 'run_autograder')], { cwd: ag, env: cleanEnv({ AUTOGRADER_ROOT: ag }) });
    expect(r.status).toBe(0);
    // stdout is the instructor's log: the full score table.
    expect(r.stdout).toMatch(/Total: [\d.]+ \/ \d+/);

    const json = JSON.parse(fs.readFileSync(path.join(ag, 'results', 'results.json'), 'utf8'));
    const results = GradescopeResultsSchema.parse(json);
    // Documented fields and values only.
    expect(Object.keys(json).every((k) => ['score', 'execution_time', 'output', 'output_format', 'visibility', 'stdout_visibility', 'extra_data', 'tests', 'leaderboard'].includes(k))).toBe(true);
    expect(results.stdout_visibility).toBe('hidden');
    expect(Number.isInteger(results.execution_time)).toBe(true);
    expect(results.output).toContain(`labs/${LAB}/activations.ts (from labs-bob-main/labs/${LAB}/activations.ts)`);
    expect(results.tests.length).toBe(lab.rubric.items.length);
    for (const t of results.tests) {
      expect(Object.keys(t).every((k) => ['score', 'max_score', 'status', 'name', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data'].includes(k))).toBe(true);
      expect(t.score).toBeGreaterThanOrEqual(0);
      expect(t.score).toBeLessThanOrEqual(t.max_score);
      expect(t.status === 'passed').toBe(t.score === t.max_score);
    }
    // Each item's visibility maps one to one.
    expect(results.tests.map((t) => t.visibility)).toEqual(lab.rubric.items.map((it) => it.visibility));
    expect(results.tests.map((t) => t.tags?.[1])).toEqual(lab.rubric.items.map((it) => it.id));
    expect(results.score).toBeCloseTo(results.tests.reduce((s, t) => s + t.score, 0), 9);
    // The mistakes cost exactly the items they should, hidden ones included.
    expect(results.tests.filter((t) => t.status === 'failed').map((t) => t.tags?.[1]).sort()).toEqual([...lost].sort());
    expect(results.tests.filter((t) => t.status === 'failed').every((t) => t.score < t.max_score)).toBe(true);
    expect(results.tests.some((t) => t.output?.includes('Diagnosis: '))).toBe(true);
  }, 180000);

  test('finds lab files by path, by lab folder, or by file name, and ignores everything else', () => {
    const targets = ['labs/rnn/rnn.ts', 'labs/rnn/lstm.ts', 'labs/attention/attention.ts', 'labs/attention/layers.ts', 'labs/transformer/layers.ts'];
    const matched = matchSubmission(['notes.txt', 'rnn.ts', 'src/lstm.ts', 'attention/layers.ts', 'layers.ts', 'x/labs/attention/attention.ts', 'labs/attention/attention.ts'], targets);
    expect(matched).toEqual([
      { target: 'labs/rnn/rnn.ts', from: 'rnn.ts' },
      { target: 'labs/rnn/lstm.ts', from: 'src/lstm.ts' },
      { target: 'labs/attention/attention.ts', from: 'labs/attention/attention.ts' },
      { target: 'labs/attention/layers.ts', from: 'attention/layers.ts' },
      // Two labs have a layers.ts: a bare layers.ts could be either, so it is not guessed.
      { target: 'labs/transformer/layers.ts' },
    ]);
  });

  test('an empty submission grades as the stubs, with a note saying so', () => {
    const ag = path.join(root, 'autograder');
    fs.rmSync(path.join(ag, 'submission'), { recursive: true, force: true });
    fs.mkdirSync(path.join(ag, 'submission'));
    const r = run('bash', [path.join(ag, 'run_autograder')], { cwd: ag, env: cleanEnv({ AUTOGRADER_ROOT: ag }) });
    expect(r.status).toBe(0);
    const results = GradescopeResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(ag, 'results', 'results.json'), 'utf8')));
    expect(results.score).toBe(0);
    expect(results.output).toContain(`Not found (graded as the unchanged stub): labs/${LAB}/activations.ts`);
    expect(results.tests.every((t) => t.status === 'failed' && t.output?.startsWith('not_implemented: '))).toBe(true);
  }, 180000);
});

/** The programs setup.sh runs that are not faked, found on this machine (undefined if one is missing). */
function setupTools(): Record<string, string> | undefined {
  const tools: Record<string, string> = {};
  for (const name of ['bash', 'mktemp', 'grep', 'sha256sum', 'tar', 'xz', 'dirname', 'rm', 'mkdir', 'cp']) {
    const r = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    tools[name] = r.stdout.trim();
  }
  return tools;
}

/**
 * setup.sh against a stand-in nodejs.org: `curl` copies from a local folder and logs each address
 * asked for, `apt-get` does nothing, `uname -m` says x86_64, and PATH holds nothing else but the
 * tools setup.sh needs and NODE_PREFIX/bin, where the Node it installs lands. The tarball's node
 * and npm are shell scripts: node says it is the pinned version, npm logs how it was called.
 */
function runSetup(work: string, tools: Record<string, string>, opts: { tamper?: boolean; noSum?: boolean; installedMajor?: string } = {}) {
  const dist = path.join(work, 'dist');
  const bin = path.join(work, 'bin');
  const prefix = path.join(work, 'prefix');
  const log = path.join(work, 'log');
  for (const d of [dist, bin, path.join(prefix, 'bin')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(log, '');
  const script = (file: string, text: string) => fs.writeFileSync(file, `#!/bin/sh\n${text}\n`, { mode: 0o755 });
  for (const [name, at] of Object.entries(tools)) fs.symlinkSync(at, path.join(bin, name));
  script(path.join(bin, 'apt-get'), 'exit 0');
  script(path.join(bin, 'uname'), 'echo x86_64');
  // curl -fsSL --retry 3 -o FILE URL
  script(path.join(bin, 'curl'), `for a; do url="$a"; done\nwhile [ "$1" != -o ]; do shift; done\necho "curl $url" >> "${log}"\nexec cp "${dist}/\${url##*/}" "$2"`);

  const name = `node-v${CI_NODE_VERSION}-linux-x64`;
  const node = (version: string) => `case "$1" in --version) echo v${version} ;; -p) echo ${version.split('.')[0]} ;; esac`;
  fs.mkdirSync(path.join(work, name, 'bin'), { recursive: true });
  script(path.join(work, name, 'bin', 'node'), node(CI_NODE_VERSION));
  const npm = `echo "npm $* (in $PWD)" >> "${log}"`;
  script(path.join(work, name, 'bin', 'npm'), npm);
  const tarball = path.join(dist, `${name}.tar.xz`);
  expect(run(tools.tar, ['-cJf', tarball, name], { cwd: work }).status).toBe(0);
  const sum = (file: string) => run(tools.sha256sum, [file], { cwd: dist }).stdout.split(' ')[0];
  const lines = [`${'0'.repeat(64)}  node-v${CI_NODE_VERSION}-darwin-arm64.tar.xz`, `${'1'.repeat(64)}  ${name}.tar.gz`, `${'2'.repeat(64)}  ${name}.tar.xz.sig`];
  if (!opts.noSum) lines.push(`${sum(tarball)}  ${name}.tar.xz`);
  fs.writeFileSync(path.join(dist, 'SHASUMS256.txt'), lines.sort().join('\n') + '\n');
  if (opts.tamper) fs.appendFileSync(tarball, 'x');
  if (opts.installedMajor) {
    script(path.join(prefix, 'bin', 'node'), node(`${opts.installedMajor}.0.0`));
    script(path.join(prefix, 'bin', 'npm'), npm);
  }

  const source = path.join(root, 'autograder', 'source');
  const r = run(tools.bash, [path.join(source, 'setup.sh')], { cwd: work, env: { PATH: `${bin}:${path.join(prefix, 'bin')}`, NODE_PREFIX: prefix, HOME: work } });
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { ...r, calls, installed: path.join(prefix, 'bin', 'node'), source, dist: `https://nodejs.org/dist/v${CI_NODE_VERSION}` };
}

describe("the autograder's setup.sh, against a stand-in nodejs.org", () => {
  const tools = setupTools();
  const cases = tools ? test : test.skip;
  if (!tools) console.warn('SKIPPED: setup.sh tests, because bash, tar, xz or sha256sum is not installed here');
  let work: string;
  beforeEach(() => {
    work = tempDir('setup-sh');
  });
  afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  cases('installs the pinned Node when the tarball matches SHASUMS256.txt, in place of a Node of another major, then runs npm ci', () => {
    const r = runSetup(work, tools!, { installedMajor: '20' });
    expect(r.stderr).not.toContain('setup.sh:');
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('curl')).sort()).toEqual([`curl ${r.dist}/SHASUMS256.txt`, `curl ${r.dist}/node-v${CI_NODE_VERSION}-linux-x64.tar.xz`].sort());
    expect(r.stdout).toContain(`node-v${CI_NODE_VERSION}-linux-x64.tar.xz: OK`);
    expect(run(r.installed, ['--version'], { cwd: work }).stdout.trim()).toBe(`v${CI_NODE_VERSION}`);
    expect(r.calls).toContain(`npm ci --no-audit --no-fund (in ${r.source})`);
  });

  cases('refuses a tarball whose checksum does not match, loudly, and installs nothing', () => {
    const r = runSetup(work, tools!, { tamper: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`setup.sh: CHECKSUM MISMATCH: node-v${CI_NODE_VERSION}-linux-x64.tar.xz`);
    expect(fs.existsSync(r.installed)).toBe(false);
    expect(r.calls.filter((c) => c.startsWith('npm'))).toEqual([]);
  });

  cases('refuses a tarball SHASUMS256.txt has no line for (a near name does not count)', () => {
    const r = runSetup(work, tools!, { noSum: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`SHASUMS256.txt has no checksum for node-v${CI_NODE_VERSION}-linux-x64.tar.xz`);
    expect(fs.existsSync(r.installed)).toBe(false);
  });

  cases('downloads nothing when a Node of the pinned major is already installed', () => {
    const r = runSetup(work, tools!, { installedMajor: CI_NODE_VERSION.split('.')[0] });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('curl'))).toEqual([]);
    expect(r.calls).toContain(`npm ci --no-audit --no-fund (in ${r.source})`);
  });
});
