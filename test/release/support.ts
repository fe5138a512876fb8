/** Shared by the release tests: temporary folders, a clean environment, running commands. */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyMutant } from '../../graders/engine/authoring/expected-values';
import { loadLab } from '../../graders/engine/core/labs';
import { ROOT } from '../support/paths';
import { tempDir as tempFolder } from '../support/temp';

export function tempDir(prefix: string): string {
  return tempFolder(`test-${prefix}`);
}

/** This process's environment without Jest's and gradecheck's own variables. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(JEST_|GRADECHECK_|GITHUB_|RUNNER_|NODE_OPTIONS$|NODE_ENV$|npm_)/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The process's id (a folder a run names after it can be looked for). */
  pid: number;
}

export function run(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Run {
  const r = spawnSync(command, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), encoding: 'utf8', timeout: opts.timeoutMs ?? 180000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, pid: r.pid };
}

/** `npm ci` with the network off: only what the harness's own `npm ci` put in the npm cache. */
export function npmCiOffline(dir: string): Run {
  const r = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: dir, env: cleanEnv({ npm_config_offline: 'true' }) });
  if (r.status !== 0) throw new Error(`npm ci --offline failed in ${dir}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * A release's node_modules as `npm ci --offline` makes it, for the tests whose subject is not
 * the install itself (release.test.ts and node-versions.test.ts run the real `npm ci`): one
 * `npm ci` per package-lock.json (and Node), kept in the temporary folder, then a copy per
 * release: hard links where the system has `cp -al` (nothing here writes into an installed
 * file in place: the engine's caches write new files and rename them), else a plain copy.
 */
export function installRelease(dir: string): void {
  const lock = fs.readFileSync(path.join(dir, 'package-lock.json'));
  const key = createHash('sha256').update(lock).update(process.version).digest('hex').slice(0, 16);
  const store = path.join(os.tmpdir(), 'gradecheck-test-installs', key);
  if (!fs.existsSync(path.join(store, 'node_modules', '.package-lock.json'))) {
    fs.mkdirSync(path.dirname(store), { recursive: true });
    const scratch = fs.mkdtempSync(`${store}-`);
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(dir, f), path.join(scratch, f));
    npmCiOffline(scratch);
    try {
      fs.renameSync(scratch, store);
    } catch {
      fs.rmSync(scratch, { recursive: true, force: true }); // another test file installed it first
    }
  }
  const target = path.join(dir, 'node_modules');
  fs.rmSync(target, { recursive: true, force: true });
  const linked = process.platform === 'linux' && spawnSync('cp', ['-al', path.join(store, 'node_modules'), target]).status === 0;
  if (!linked) {
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(path.join(store, 'node_modules'), target, { recursive: true, verbatimSymlinks: true });
  }
}

/** Starts a long-running command; lines of its stdout go to `onOutput`. */
export function start(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d.toString()));
  child.stderr.on('data', (d) => (stdout += d.toString()));
  return {
    output: () => stdout,
    async waitFor(predicate: (out: string) => boolean, timeoutMs: number): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!predicate(stdout)) {
        if (Date.now() > until) throw new Error(`timed out waiting; output so far:\n${stdout}`);
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}; output:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop(): void {
      // The process group: the watcher and the Jest run it started.
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    },
  };
}

/**
 * The reference with as many of the lab's mutants applied as can be at once without two
 * of them touching the same item, so that each item's failure is one known mistake.
 */
export function mutantSubmission(lab: string, dir: string): { mutants: string[]; items: string[] } {
  const l = loadLab(ROOT, lab);
  const texts = new Map<string, string>();
  for (const f of l.rubric.files) texts.set(f, fs.readFileSync(path.join(ROOT, 'reference', lab, f), 'utf8'));
  const applied: string[] = [];
  const touched = new Set<string>();
  for (const m of Object.values(l.mutants).sort((a, b) => a.id.localeCompare(b.id))) {
    if (m.loses.some((id) => touched.has(id))) continue;
    try {
      texts.set(m.file, applyMutant(m, texts.get(m.file)!));
    } catch {
      continue; // its patch overlaps one already applied
    }
    applied.push(m.id);
    for (const id of m.loses) touched.add(id);
  }
  for (const [f, text] of texts) {
    fs.mkdirSync(path.join(dir, 'labs', lab), { recursive: true });
    fs.writeFileSync(path.join(dir, 'labs', lab, f), text);
  }
  return { mutants: applied, items: [...touched] };
}
