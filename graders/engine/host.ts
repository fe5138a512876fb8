/**
 * The grader's side of the student process: starts it (see sandbox.ts), loads the lab into
 * it, sends calls and turns whatever happens into a plain outcome. A call that runs past its
 * deadline, exits the process, exhausts memory or throws becomes a failure of that call only:
 * the process is killed when needed and a fresh one is started for the next call.
 */
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import type { ModuleSet } from './modules';
import { SandboxMode, startChild } from './sandbox';
import type { Params } from './rubric';
import type { Values } from './values';

export type FailureStatus = 'threw' | 'not_implemented' | 'missing_export' | 'timed_out' | 'out_of_memory' | 'crashed' | 'load_error';

export interface CallFailure {
  status: FailureStatus;
  message: string;
}

export type CallResult = { ok: true; value: Values; mutated: string[] } | { ok: false; failure: CallFailure };
export type BatchResult = { ok: true; values: Values[] } | { ok: false; failure: CallFailure };

export interface CallRequest {
  op: string;
  stage: 'forward' | 'backward';
  inputs: Values;
  params: Params;
  upstream?: Values;
}

export interface HostOptions {
  sandbox: SandboxMode;
  /** Heap cap (--max-old-space-size); the whole process may use this plus 256 MB. */
  memoryMb: number;
  /** Time allowed for starting and loading the lab, in ms. */
  loadTimeoutMs?: number;
}

interface ChildError {
  name: string;
  message: string;
  stack: string;
  notImplemented?: boolean;
  missingExport?: string[];
  harness?: boolean;
}

/** Keeps the last `limit` characters of a stream (student output can be a flood). */
class Tail {
  private text = '';
  constructor(private readonly limit = 4096) {}
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.limit);
  }
  toString(): string {
    return this.text;
  }
}

const OOM = /heap out of memory|allocation failed|Invalid (typed )?array length|out of memory/i;

/** Resident memory of a process and its descendants, in MB (Linux; 0 where /proc is absent). */
function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number, depth: number) => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (depth > 3) return;
      for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(/\s+/).filter(Boolean)) visit(Number(c), depth + 1);
    } catch {
      /* the process is gone */
    }
  };
  visit(pid, 0);
  return kb / 1024;
}

function describeThrow(e: ChildError): CallFailure {
  if (e.missingExport) return { status: 'missing_export', message: `your lab does not export ${e.missingExport.join(', ')}` };
  if (e.notImplemented) return { status: 'not_implemented', message: e.message };
  const where = firstStudentFrame(e.stack);
  if (OOM.test(e.message)) return { status: 'out_of_memory', message: `${e.name}: ${e.message}${where}` };
  return { status: 'threw', message: `${e.name}: ${e.message}${where}` };
}

/** " (labs/activations/activations.ts:12:9)" from a stack trace, when the error came from lab code. */
function firstStudentFrame(stack: string): string {
  const m = /\/gradecheck\/(labs\/[^\s:()]+:\d+:\d+)/.exec(stack);
  return m ? ` (at ${m[1]})` : '';
}

/** A message from the student process (see child.cjs). */
interface Reply {
  type: string;
  id?: number;
  value?: unknown;
  values?: unknown;
  mutated?: string[];
  exports?: string[];
  error?: ChildError;
}

/** Every live student process, killed when the grader exits however it exits. */
const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** An idle student process must not keep the grader alive (a forgotten close, a failed test). */
function hold(child: ChildProcess, busy: boolean): void {
  const channel = (child as ChildProcess & { channel?: { ref(): void; unref(): void } }).channel;
  if (busy) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
}

interface Pending {
  /** The call this waits for; replies to anything else are ignored. */
  id?: number;
  resolve: (msg: Reply) => void;
}

export class StudentProcess {
  private child?: ChildProcess;
  private starting?: Promise<CallFailure | undefined>;
  /** A failure while loading is deterministic: every later call gets it without a restart. */
  private loadFailure?: CallFailure;
  private pending?: Pending;
  private stdout = new Tail();
  private stderr = new Tail();
  private killedFor?: FailureStatus;
  private nextId = 1;
  /** How many processes were started (for tests and reports). */
  starts = 0;

  constructor(
    private readonly modules: ModuleSet,
    private readonly options: HostOptions,
  ) {}

  /** Output the student code printed most recently (stdout and stderr), trimmed. */
  output(): string {
    return (this.stdout.toString() + this.stderr.toString()).trim();
  }

  async call(req: CallRequest, timeoutMs: number): Promise<CallResult> {
    const reply = await this.exchange({ type: 'call', ...req }, timeoutMs);
    if ('failure' in reply) return { ok: false, failure: reply.failure };
    if (reply.type === 'failed') return { ok: false, failure: describeThrow(reply.error as ChildError) };
    return { ok: true, value: reply.value as Values, mutated: (reply.mutated as string[]) ?? [] };
  }

  /** Runs one stage on many input sets in one round trip (finite differences). */
  async callMany(op: string, stage: 'forward' | 'backward', batch: Array<Omit<CallRequest, 'op' | 'stage'>>, timeoutMs: number): Promise<BatchResult> {
    const reply = await this.exchange({ type: 'calls', op, stage, batch }, timeoutMs);
    if ('failure' in reply) return { ok: false, failure: reply.failure };
    if (reply.type === 'failed') return { ok: false, failure: describeThrow(reply.error as ChildError) };
    return { ok: true, values: reply.values as Values[] };
  }

  async close(): Promise<void> {
    this.kill();
  }

  private kill(reason?: FailureStatus): void {
    if (!this.child) return;
    this.killedFor = reason;
    const child = this.child;
    this.child = undefined;
    this.starting = undefined;
    child.removeAllListeners('message');
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private async exchange(msg: Record<string, unknown>, timeoutMs: number): Promise<Reply | { failure: CallFailure }> {
    const started = Date.now();
    if (this.loadFailure) return { failure: this.loadFailure };
    const startFailure = await this.ensureStarted(timeoutMs);
    if (startFailure) return { failure: startFailure };
    const remaining = timeoutMs - (Date.now() - started);
    if (remaining <= 0) return { failure: { status: 'timed_out', message: `did not finish within ${formatSeconds(timeoutMs)}` } };
    const id = this.nextId++;
    return this.await({ ...msg, id }, remaining, timeoutMs);
  }

  /** Sends `msg` (if any) and waits for the next reply, the deadline, or the process's end. */
  private await(msg: Record<string, unknown> | undefined, ms: number, budgetMs: number): Promise<Reply | { failure: CallFailure }> {
    const child = this.child!;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: Reply | { failure: CallFailure }) => {
        if (done) return;
        done = true;
        hold(child, false);
        clearTimeout(timer);
        clearInterval(watch);
        child.off('exit', onExit);
        this.pending = undefined;
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.kill('timed_out');
        finish({ failure: { status: 'timed_out', message: `did not finish within ${formatSeconds(budgetMs)} (an infinite loop?); the process was stopped` } });
      }, ms);
      const limitMb = this.options.memoryMb + 256;
      const watch = setInterval(() => {
        if (child.pid && treeRssMb(child.pid) > limitMb) {
          this.kill('out_of_memory');
          finish({ failure: { status: 'out_of_memory', message: `used more than ${limitMb} MB of memory; the process was stopped` } });
        }
      }, 100);
      const onExit = (code: number | null, signal: string | null) => {
        this.child = undefined;
        this.starting = undefined;
        finish({ failure: this.exitFailure(code, signal) });
      };
      child.once('exit', onExit);
      hold(child, true);
      this.pending = { id: msg?.id as number | undefined, resolve: finish };
      if (msg) child.send(msg, (err) => err && finish({ failure: { status: 'crashed', message: `the student process stopped accepting calls (${err.message})` } }));
    });
  }

  private exitFailure(code: number | null, signal: string | null): CallFailure {
    const out = this.stderr.toString();
    if (this.killedFor === 'out_of_memory' || OOM.test(out)) {
      return { status: 'out_of_memory', message: `ran out of memory (heap capped at ${this.options.memoryMb} MB)` };
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const hint = code === 0 || code === 1 ? ' (does your code call process.exit?)' : '';
    const tail = lastLines(out, 3);
    return { status: 'crashed', message: `the student process ${how}${hint}${tail ? `: ${tail}` : ''}` };
  }

  private ensureStarted(timeoutMs: number): Promise<CallFailure | undefined> {
    if (this.child) return Promise.resolve(undefined);
    this.starting ??= this.start(Math.max(timeoutMs, this.options.loadTimeoutMs ?? 10000));
    return this.starting;
  }

  private async start(timeoutMs: number): Promise<CallFailure | undefined> {
    this.starts++;
    this.killedFor = undefined;
    this.stdout = new Tail();
    this.stderr = new Tail();
    const child = startChild(this.options.sandbox, this.options.memoryMb);
    this.child = child;
    track(child);
    child.stdout?.on('data', (d) => this.stdout.push(d));
    child.stderr?.on('data', (d) => this.stderr.push(d));
    child.on('message', (m: Reply) => {
      if (this.pending && (this.pending.id === undefined || this.pending.id === m.id)) this.pending.resolve(m);
    });
    child.on('error', () => {
      /* reported through 'exit' */
    });
    const ready = await this.await(undefined, timeoutMs, timeoutMs);
    if ('failure' in ready) return (this.loadFailure = { ...ready.failure, status: ready.failure.status === 'timed_out' ? 'timed_out' : 'crashed', message: `the student process did not start: ${ready.failure.message}` });
    const loaded = await this.await({ type: 'load', ...this.modules }, timeoutMs, timeoutMs);
    if ('failure' in loaded) {
      this.loadFailure = { ...loaded.failure, message: `while loading your lab: ${loaded.failure.message}` };
      return this.loadFailure;
    }
    if (loaded.type === 'load_failed') {
      const e = loaded.error as ChildError;
      this.kill();
      if (e.harness) throw new Error(`grader bug: the ops glue failed to load: ${e.stack || e.message}`);
      this.loadFailure = { status: 'load_error', message: `your lab fails while loading: ${e.name}: ${e.message}${firstStudentFrame(e.stack)}` };
      return this.loadFailure;
    }
    return undefined;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ').slice(0, 400);
}

export function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}
