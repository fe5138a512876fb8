/**
 * The worker pool: N worker processes (worker.ts), each grading one submission at a time,
 * handed the next one as it finishes. Each worker leads its own process group, so stopping
 * it (a watchdog, Ctrl-C) stops its student processes too, and a worker that dies costs
 * only the submission it was grading, which is tried once more on a fresh worker.
 */
import { ChildProcess, fork } from 'child_process';
import * as path from 'path';
import type { GradeConfig, StudentOutcome } from './grade-student';
import type { Submission } from './intake';
import { KEY_ENV } from './store';

const WORKER_SCRIPT = path.join(__dirname, 'worker.cjs');

export type JobResult = { ok: true; outcome: StudentOutcome } | { ok: false; student: string; message: string };

export interface PoolOptions {
  jobs: number;
  config: GradeConfig;
  /** How long one submission may take before its worker is stopped: a safety net under the items' own budgets. */
  budgetMs: (sub: Submission) => number;
  signal?: AbortSignal;
  onStart?: (sub: Submission) => void;
  /** Shown in the workers' command lines (`ps`): which batch they belong to. */
  label?: string;
}

type Attempt = { ok: true; outcome: StudentOutcome } | { ok: false; message: string; workerLost: boolean; retry: boolean };

class Worker {
  readonly child: ChildProcess;
  private output = '';
  private readonly ready: Promise<boolean>;
  private nextId = 1;
  private exited = false;

  constructor(label: string) {
    // The batch key stays in the parent: workers only grade, the parent signs.
    const env = { ...process.env };
    delete env[KEY_ENV];
    this.child = fork(WORKER_SCRIPT, [label], { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [], env });
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-2000));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', () => {
      /* reported through 'exit' */
    });
    // A worker that dies may leave student processes in its group: stop them, once.
    this.child.once('exit', () => {
      this.kill();
      this.exited = true;
    });
    this.ready = new Promise((resolve) => {
      this.child.once('message', (m: { type?: string }) => resolve(m?.type === 'ready'));
      this.child.once('exit', () => resolve(false));
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async grade(sub: Submission, config: GradeConfig, budgetMs: number): Promise<Attempt> {
    if (!(await this.ready) || !this.alive) return { ok: false, message: `a batch worker did not start: ${this.output.trim() || 'no output'}`, workerLost: true, retry: true };
    const id = this.nextId++;
    return new Promise((resolve) => {
      const finish = (a: Attempt) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(a);
      };
      const onMessage = (m: { type: string; id: number; outcome?: StudentOutcome; message?: string }) => {
        if (m.id !== id) return;
        if (m.type === 'graded') finish({ ok: true, outcome: m.outcome! });
        else finish({ ok: false, message: `grading failed (a harness error): ${m.message}`, workerLost: false, retry: false });
      };
      const onExit = (code: number | null, signal: string | null) =>
        finish({ ok: false, message: `the batch worker ${signal ? `was killed by ${signal}` : `exited with code ${code}`} while grading${this.output.trim() ? `: ${this.output.trim().split('\n').slice(-3).join(' | ')}` : ''}`, workerLost: true, retry: true });
      const timer = setTimeout(() => {
        this.kill();
        finish({ ok: false, message: `grading did not finish within ${Math.round(budgetMs / 1000)} s; the worker was stopped`, workerLost: true, retry: false });
      }, budgetMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'grade', id, submission: sub, config });
    });
  }

  /** Stops the worker and everything it started (its process group). */
  kill(): void {
    if (!this.child.pid || this.exited) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Grades the submissions with `jobs` workers, calling `onResult` for each as it finishes (in
 * the order they finish). Resolves when all are done or, after `signal` aborts, as soon as
 * the workers are stopped (submissions being graded then are not reported).
 */
export async function gradeInPool(subs: Submission[], opts: PoolOptions, onResult: (r: JobResult) => Promise<void> | void): Promise<{ interrupted: boolean }> {
  const queue = [...subs];
  const workers = new Set<Worker>();
  let interrupted = opts.signal?.aborted ?? false;
  const stopAll = () => workers.forEach((w) => w.kill());
  const onAbort = () => {
    interrupted = true;
    stopAll();
  };
  opts.signal?.addEventListener('abort', onAbort);
  process.on('exit', stopAll);

  const start = () => {
    const w = new Worker(opts.label ?? 'gradecheck-batch');
    workers.add(w);
    return w;
  };
  const retire = (w: Worker) => {
    w.kill();
    workers.delete(w);
  };

  const slot = async () => {
    let worker: Worker | undefined;
    while (!interrupted && queue.length) {
      const sub = queue.shift()!;
      opts.onStart?.(sub);
      let result: JobResult | undefined;
      for (let attempt = 1; attempt <= 2 && !interrupted; attempt++) {
        worker ??= start();
        const a = await worker.grade(sub, opts.config, opts.budgetMs(sub));
        if (a.ok) {
          result = { ok: true, outcome: a.outcome };
          break;
        }
        if (a.workerLost) {
          retire(worker);
          worker = undefined;
        }
        result = { ok: false, student: sub.student, message: a.message };
        if (!a.retry) break;
      }
      if (interrupted || !result) break;
      await onResult(result);
    }
    if (worker) retire(worker);
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, subs.length)) }, slot));
  } finally {
    stopAll();
    opts.signal?.removeEventListener('abort', onAbort);
    process.off('exit', stopAll);
  }
  return { interrupted };
}
