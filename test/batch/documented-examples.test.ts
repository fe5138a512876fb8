/**
 * The sharding examples in docs/ are what course staff copy: docs/batch-slurm.sh,
 * docs/batch-matrix.yml and the Kubernetes Job in docs/batch.md. Without Slurm, GitHub or a
 * cluster, this runs the gradecheck command lines they contain, exactly as written, with the
 * environment each engine would give them (a fake `sbatch` that records what the script
 * submits; the workflow's matrix and artifacts expanded as the actions do), on the example
 * class (fixtures/submissions, activations lab), and checks that the merge equals one
 * unsharded batch. `npm run e2e:slurm` runs the Slurm script on a real one-node cluster.
 *
 * The class is copied once, so that every run here grades the same submissions.
 */
import { SpawnSyncReturns, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { shardFromEnvironment } from '../../graders/batch/shard';
import { ROOT } from '../support/paths';
import { FIXTURES, readGrades, removeTempDirs, tempDir } from './class';
import { gradebookDifferences } from './gradebooks';

const CLI = path.join(ROOT, 'scripts', 'gradecheck.cjs');
const SLURM_SCRIPT = path.join(ROOT, 'docs', 'batch-slurm.sh');
const WORKFLOW = path.join(ROOT, 'docs', 'batch-matrix.yml');
const LAB = 'activations';
const LONG = 15 * 60 * 1000;

/** This process's environment without any engine's shard variables or batch key. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(SLURM_|SBATCH_|GRADECHECK_|GITHUB_)/.test(k) || k === 'JOB_COMPLETION_INDEX') continue;
    env[k] = v;
  }
  return env;
}

function run(command: string, args: string[], opts: { cwd: string; env: Record<string, string> }): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { ...opts, encoding: 'utf8', timeout: LONG, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return r;
}

const explain = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
function expectExit(r: SpawnSyncReturns<string>, code: number): void {
  if (r.status !== code) throw new Error(`expected exit ${code}, got ${explain(r)}`);
}

const gradebook = (dir: string) => fs.readFileSync(path.join(dir, 'grades.csv'), 'utf8');
/** The merged gradebook against the unsharded one (scores, statuses; messages but for measured times). */
const expectSameGradebook = (merged: string) => expect(gradebookDifferences(gradebook(merged), gradebook(whole))).toEqual([]);
const students = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'batch.json'), 'utf8')).students as string[];

/** A folder of stand-in executables, first on PATH. */
function fakeBin(files: Record<string, string>): string {
  const bin = path.join(tempDir('bin'), 'bin');
  fs.mkdirSync(bin);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  return bin;
}

/**
 * The example class, as it was when this test started, without erin and frank: an infinite
 * loop while loading and a memory bomb cost their full budgets (seconds of computing) in each
 * of the runs here and tell nothing about sharding that mallory's loop and process.exit do not
 * (fixtures.test.ts grades them).
 */
let CLASS: string;
const LEFT_OUT = ['erin', 'frank'];
/** Its unsharded gradebook: the README's command, one lab. */
let whole: string;

beforeAll(() => {
  CLASS = path.join(tempDir('class'), 'submissions');
  for (const student of fs.readdirSync(FIXTURES).filter((s) => !LEFT_OUT.includes(s))) fs.cpSync(path.join(FIXTURES, student), path.join(CLASS, student), { recursive: true });
  whole = path.join(tempDir('whole'), 'out');
  expectExit(run(process.execPath, [CLI, 'batch', CLASS, '--out', whole, '--labs', LAB], { cwd: ROOT, env: cleanEnv() }), 0);
}, LONG);

afterAll(removeTempDirs);

describe('comparing gradebooks of two runs', () => {
  const header = 'student,activations,total,max,status,message\n';
  const timeout = (ref: string, cut = '') => `${header}mallory,28,28,31,timed_out,"did not finish within 2 s (50× the reference's ${ref} ms, at least 2 s; an infinite loop?)${cut}"\n`;

  test('allows only the measured times in messages to differ, even where a message is cut', () => {
    expect(gradebookDifferences(timeout('0.24'), timeout('0.08'))).toEqual([]);
    expect(gradebookDifferences(`${header}erin,0,0,31,timed_out,within 10.6 s (10× the refe…\n`, `${header}erin,0,0,31,timed_out,within 6.9 s (10× the refer…\n`)).toEqual([]);
  });

  test('reports any other difference', () => {
    expect(gradebookDifferences(timeout('0.24').replace('28,28', '27,27'), timeout('0.24'))).toEqual(['mallory, activations: "27" instead of "28"', 'mallory, total: "27" instead of "28"']);
    expect(gradebookDifferences(timeout('0.24').replace('an infinite', 'a long'), timeout('0.08'))).toHaveLength(1);
    expect(gradebookDifferences(`${header}bob,1,1,31,graded,\n`, `${header}bob,1,1,31,graded,\nzoe,1,1,31,graded,\n`)).toEqual(['students bob instead of bob, zoe']);
  });
});

describe('the command line', () => {
  test('--shard auto outside any engine exits 2 before grading, naming what it looked for', () => {
    const out = path.join(tempDir('auto'), 'out');
    const r = run(process.execPath, [CLI, 'batch', 'fixtures/submissions', '--out', out, '--labs', LAB, '--shard', 'auto'], { cwd: ROOT, env: cleanEnv() });
    expectExit(r, 2);
    for (const name of ['GRADECHECK_SHARD', 'SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'GRADECHECK_SHARD_COUNT']) expect(r.stderr).toContain(name);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('batch --help documents auto and where a Kubernetes count comes from', () => {
    const r = run(process.execPath, [CLI, 'batch', '--help'], { cwd: ROOT, env: cleanEnv() });
    expectExit(r, 0);
    expect(r.stdout).toMatch(/--shard i\/n\|auto +grade only shard i of n .*`auto`: i and n from a Slurm job array, a Kubernetes Indexed Job \(GRADECHECK_SHARD_COUNT=n needed\) or GRADECHECK_SHARD=i\/n/);
  });
});

describe('docs/batch-slurm.sh', () => {
  const text = fs.readFileSync(SLURM_SCRIPT, 'utf8');

  test('is valid bash, and its #SBATCH lines come before the first command (sbatch reads no further)', () => {
    expectExit(run('bash', ['-n', SLURM_SCRIPT], { cwd: ROOT, env: cleanEnv() }), 0);
    const lines = text.split('\n');
    const firstCommand = lines.findIndex((l, i) => i > 0 && l.trim() !== '' && !l.startsWith('#'));
    const directives = lines.flatMap((l, i) => (l.startsWith('#SBATCH') ? [i] : []));
    expect(directives.length).toBeGreaterThan(0);
    expect(Math.max(...directives)).toBeLessThan(firstCommand);
    for (const i of directives) expect(lines[i]).toMatch(/^#SBATCH --[a-z-]+=\S+$/);
  });

  describe('submitted to a fake sbatch, its tasks and merge run with the environment Slurm gives them', () => {
    let dir: string;
    let calls: Array<{ argv: string[]; env: Record<string, string> }>;
    let submitted: SpawnSyncReturns<string>;
    const taskEnv = (id: number, min: number, max: number, count: number) => ({
      ...cleanEnv(),
      ...calls[0].env,
      SLURM_JOB_ID: String(200 + id),
      SLURM_ARRAY_JOB_ID: '100',
      SLURM_ARRAY_TASK_ID: String(id),
      SLURM_ARRAY_TASK_MIN: String(min),
      SLURM_ARRAY_TASK_MAX: String(max),
      SLURM_ARRAY_TASK_COUNT: String(count),
      SLURM_ARRAY_TASK_STEP: '1',
      SLURM_CPUS_PER_TASK: '1',
      SLURM_SUBMIT_DIR: dir,
    });
    /** Slurm runs a copy of the script (from its spool folder), not docs/batch-slurm.sh itself. */
    const spooled = () => {
      const copy = path.join(dir, 'slurm_script');
      fs.copyFileSync(SLURM_SCRIPT, copy);
      return copy;
    };

    beforeAll(() => {
      dir = tempDir('slurm');
      const log = path.join(dir, 'sbatch-calls.jsonl');
      // Records each call's arguments and the variables the tasks inherit, and answers as
      // `sbatch --parsable` does ("jobid;cluster").
      const bin = fakeBin({
        sbatch: `#!${process.execPath}
const fs = require('fs');
const log = ${JSON.stringify(log)};
const n = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\\n').filter(Boolean).length : 0;
const keep = ['HARNESS', 'SUBMISSIONS', 'OUT', 'LABS', 'GRADECHECK_SHARD_COUNT'];
fs.appendFileSync(log, JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(keep.filter((k) => k in process.env).map((k) => [k, process.env[k]])) }) + '\\n');
process.stdout.write((100 + n) + ';cluster\\n');
`,
      });
      submitted = run('bash', [SLURM_SCRIPT], {
        cwd: dir,
        env: { ...cleanEnv(), PATH: `${bin}:${process.env.PATH}`, SUBMISSIONS: CLASS, SHARDS: '3', LABS: LAB, OUT: 'shards', GRADEBOOK: 'gradebook' },
      });
      calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    });

    test('submits an array of SHARDS tasks that inherit absolute paths and the shard count', () => {
      expectExit(submitted, 0);
      expect(calls).toHaveLength(2);
      expect(calls[0].argv).toEqual(expect.arrayContaining(['--parsable', '--array=1-3', '--export=ALL']));
      expect(calls[0].argv[calls[0].argv.length - 1]).toBe(SLURM_SCRIPT);
      expect(calls[0].env).toEqual({ HARNESS: ROOT, SUBMISSIONS: CLASS, OUT: path.join(dir, 'shards'), LABS: LAB, GRADECHECK_SHARD_COUNT: '3' });
      expect(submitted.stdout).toContain(`submitted array 100 (3 shards into ${path.join(dir, 'shards')}) and merge job 101`);
    });

    test('and a merge that waits for the whole array', () => {
      expect(calls[1].argv).toEqual(expect.arrayContaining(['--parsable', '--dependency=afterany:100']));
      expect(calls[1].argv[calls[1].argv.indexOf('--wrap') + 1]).toContain('gradecheck.cjs merge');
    });

    test(
      'each task grades the shard of its array position (--shard auto), and the merge equals the unsharded gradebook',
      () => {
        for (const id of [1, 2, 3]) {
          const r = run('bash', [spooled()], { cwd: dir, env: taskEnv(id, 1, 3, 3) });
          expectExit(r, 0);
          expect(r.stderr).toContain(`shard ${id}/3, from Slurm job array task ${id} of 1-3`);
        }
        // Slurm runs --wrap under /bin/sh, in the folder sbatch ran in.
        const wrap = calls[1].argv[calls[1].argv.indexOf('--wrap') + 1];
        expectExit(run('sh', ['-c', wrap], { cwd: dir, env: cleanEnv() }), 0);
        const merged = path.join(dir, 'gradebook');
        expectSameGradebook(merged);
        expect(students(merged)).toEqual(students(whole));
        expect(Object.keys(readGrades(merged)).length).toBe(fs.readdirSync(CLASS).length);
      },
      LONG,
    );

    test('a task submitted again on its own (a one-task array) stops before grading, naming GRADECHECK_SHARD_COUNT', () => {
      const r = run('bash', [spooled()], { cwd: dir, env: { ...taskEnv(2, 2, 2, 1), OUT: path.join(dir, 'again') } });
      expectExit(r, 2);
      expect(r.stderr).toContain('GRADECHECK_SHARD_COUNT=3, but Slurm job array task 2 of 2-2 makes 1 shard');
      expect(fs.existsSync(path.join(dir, 'again'))).toBe(false);
    });
  });
});

/** `${{ expr }}` in a workflow, from the values given; anything else fails the test. */
function evaluate(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (!(expr in context)) throw new Error(`docs/batch-matrix.yml: the test does not know \${{ ${expr} }}`);
    return context[expr];
  });
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

/** Copies a folder as upload-artifact@v4 does: hidden files and folders left out. */
function upload(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !path.basename(src).startsWith('.') || src === from });
}

describe('docs/batch-matrix.yml', () => {
  const doc = YAML.parseDocument(fs.readFileSync(WORKFLOW, 'utf8'));
  const workflow = doc.toJS() as { jobs: Record<string, { needs?: string | string[]; strategy?: { matrix: Record<string, unknown> }; steps: Step[] }> };
  const jobs = workflow.jobs;
  const SECRET = 'a-course-secret-for-the-test';

  test('parses as YAML, and every job it needs exists', () => {
    expect(doc.errors).toEqual([]);
    expect(Object.keys(jobs)).toEqual(['fetch', 'grade', 'merge']);
    for (const job of Object.values(jobs)) for (const need of [job.needs ?? []].flat()) expect(Object.keys(jobs)).toContain(need);
    expect(jobs.grade.needs).toBe('fetch');
    expect(jobs.merge.needs).toBe('grade');
  });

  /** The grading steps of shard i on its own runner; returns the runner's folder. */
  function gradeShard(i: number, total: number, bin: string): string {
    const runner = tempDir(`runner-${i}`);
    const context = { 'matrix.shard': String(i), 'strategy.job-total': String(total), 'secrets.GRADECHECK_BATCH_KEY': SECRET };
    for (const step of jobs.grade.steps) {
      if (step.uses?.startsWith('actions/download-artifact@')) {
        expect(step.with?.name).toBe('submissions');
        fs.cpSync(CLASS, path.join(runner, step.with!.path), { recursive: true });
      } else if (step.run?.includes('gradecheck')) {
        const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), context)]));
        const r = run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', evaluate(step.run, context)], { cwd: runner, env: { ...cleanEnv(), ...env, PATH: `${bin}:${process.env.PATH}` } });
        expectExit(r, 0);
      }
    }
    return runner;
  }

  /** The merge job's steps, from the artifacts; returns the runner's folder and the step's result. */
  function mergeShards(artifacts: string, secret: string, bin: string) {
    const runner = tempDir('runner-merge');
    const summary = path.join(runner, 'step-summary.md');
    let result: SpawnSyncReturns<string> | undefined;
    for (const step of jobs.merge.steps) {
      if (step.uses?.startsWith('actions/download-artifact@')) {
        // With a pattern and no merge-multiple, each matching artifact lands in path/<its name>.
        const pattern = new RegExp(`^${step.with!.pattern.replace(/\*/g, '.*')}$`);
        for (const name of fs.readdirSync(artifacts).filter((n) => pattern.test(n))) fs.cpSync(path.join(artifacts, name), path.join(runner, step.with!.path, name), { recursive: true });
      } else if (step.run?.includes('gradecheck merge')) {
        const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), { 'secrets.GRADECHECK_BATCH_KEY': secret })]));
        result = run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: runner, env: { ...cleanEnv(), ...env, GITHUB_STEP_SUMMARY: summary, PATH: `${bin}:${process.env.PATH}` } });
      }
    }
    if (!result) throw new Error('docs/batch-matrix.yml: no merge step runs gradecheck merge');
    return { runner, result, summary };
  }

  test(
    'its matrix of shards, merged from the artifacts, equals the unsharded gradebook; without the secret nothing verifies',
    () => {
      const matrix = jobs.grade.strategy!.matrix;
      expect(Object.keys(matrix)).toEqual(['shard']); // no include/exclude: job-total is the number of shards
      const shards = matrix.shard as number[];
      expect(shards).toEqual(shards.map((_, i) => i + 1));
      const gradeStep = jobs.grade.steps.find((s) => s.run?.includes('gradecheck batch'))!;
      expect(gradeStep.run).toContain('--shard ${{ matrix.shard }}/${{ strategy.job-total }}');
      const uploadStep = jobs.grade.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;

      // `npx gradecheck` on a runner, where `npm ci` has installed the checkout; one lab.
      const bin = fakeBin({
        npx: `#!/bin/bash
[ "$1" = gradecheck ] || { echo "npx $1: not emulated by the test" >&2; exit 127; }
shift
if [ "$1" = batch ]; then exec "${process.execPath}" "${CLI}" "$@" --labs ${LAB}; fi
exec "${process.execPath}" "${CLI}" "$@"
`,
      });
      const artifacts = tempDir('artifacts');
      for (const i of shards) {
        const runner = gradeShard(i, shards.length, bin);
        const context = { 'matrix.shard': String(i), 'strategy.job-total': String(shards.length) };
        upload(path.join(runner, uploadStep.with!.path), path.join(artifacts, evaluate(uploadStep.with!.name, context)));
      }

      const merged = mergeShards(artifacts, SECRET, bin);
      expectExit(merged.result, 0);
      const out = path.join(merged.runner, 'gradebook');
      expectSameGradebook(out);
      expect(students(out)).toEqual(students(whole));
      expect(fs.readFileSync(merged.summary, 'utf8')).toBe(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'));

      const unkeyed = mergeShards(artifacts, '', bin);
      expectExit(unkeyed.result, 1);
      const rows = Object.values(readGrades(path.join(unkeyed.runner, 'gradebook')));
      expect(rows.length).toBe(students(whole).length);
      expect(rows.every((r) => r.status === 'unverified' && r.total === '')).toBe(true);
    },
    LONG,
  );
});

describe('the Kubernetes Indexed Job in docs/batch.md', () => {
  const markdown = fs.readFileSync(path.join(ROOT, 'docs', 'batch.md'), 'utf8');
  const blocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parseDocument(m[1]));
  const job = blocks.map((d) => d.toJS()).find((d) => d?.kind === 'Job');

  test('parses, and its pods cover the shards 1..completions exactly once with --shard auto', () => {
    expect(blocks.every((d) => d.errors.length === 0)).toBe(true);
    expect(job).toBeDefined();
    expect(job.spec.completionMode).toBe('Indexed');
    const n = job.spec.completions as number;
    const container = job.spec.template.spec.containers[0];
    const count = container.env.find((e: { name: string }) => e.name === 'GRADECHECK_SHARD_COUNT')?.value;
    expect(count).toBe(String(n));
    const command = container.command.join(' ');
    expect(command).toContain('gradecheck.cjs batch');
    expect(command).toContain('--shard auto');
    expect(command).toMatch(/--out \S*\$JOB_COMPLETION_INDEX/); // one output folder per pod
    const shards = Array.from({ length: n }, (_, k) => shardFromEnvironment({ JOB_COMPLETION_INDEX: String(k), GRADECHECK_SHARD_COUNT: count }));
    expect(shards.map((s) => (s.ok ? `${s.shard.index}/${s.shard.count}` : s.message))).toEqual(Array.from({ length: n }, (_, k) => `${k + 1}/${n}`));
  });
});
