/**
 * The grader's side of the student process: starts it (see sandbox.ts), loads the lab into
 * it, sends calls and turns whatever happens into a plain outcome. A call that runs past its
 * deadline, exits the process, exhausts memory or throws becomes a failure of that call only.
 * A call past its deadline is interrupted where it runs (SIGINT, see child.cjs), and a call
 * that calls process.exit is stopped there, the process kept either way; a process that ended
 * otherwise (a signal), ran out of memory or did not take the interruption is killed, and a
 * fresh one is started for the next call.
 */
import type { ChildProcess } from 'child_process';
import { randomInt } from 'crypto';
import * as fs from 'fs';
import type { ModuleSet } from './modules';
import { SandboxMode, startChild } from './sandbox';
import type { Params } from '../core/rubric';
import type { Values } from '../core/values';

export type FailureStatus = 'threw' | 'not_implemented' | 'missing_export' | 'timed_out' | 'out_of_memory' | 'crashed' | 'load_error';

export interface CallFailure {
  status: FailureStatus;
  message: string;
  /**
   * A call stopped at its deadline while the lab's exported functions were tracked (see
   * child.cjs): the innermost of them running then, last (as "labs/common/tensor.ts:tensor"). The
   * student process's word, bounded: for the message and this submission's own budgets only.
   */
  stoppedIn?: string[];
  /** How long each of stoppedIn had run when the call was stopped, in ms (its clock; the student process's word too). */
  stoppedMs?: number[];
  /** The call entered this marked function, so its budget was cut to the short one (CallCut). */
  cutBy?: string;
  /** The call reported progress this many times, then went its watch's time without another report (see child.cjs, ProgressWatch). */
  stalledAfter?: number;
}

/**
 * `ms`: how long the call ran in the student process, by its own clock, and `gapsMs`, when the
 * call reported progress, how long it went from each report to the next (the last: to its end).
 * Trust either only for trusted code.
 */
export type CallResult = { ok: true; value: Values; mutated: string[]; ms: number; gapsMs?: number[] } | { ok: false; failure: CallFailure };

/**
 * A watch on a call's progress (child.cjs): after the call's report n, the most computing time it
 * may take until its next report, in ms (none where that is not less than the call's budget). The
 * first report arms it; a call that never reports is stopped at its budget only.
 */
export type ProgressWatch = (n: number) => number;
export type BatchResult = { ok: true; values: Values[] } | { ok: false; failure: CallFailure };

export interface CallRequest {
  op: string;
  stage: 'forward' | 'backward';
  inputs: Values;
  params: Params;
  upstream?: Values;
}

/**
 * Where a submission's code has run out of time: its exported functions are tracked (`track`),
 * and a call that enters one of the `marked` ones (functions already stopped in) gets `ms`
 * instead of its budget, counted from its start (see child.cjs).
 */
export interface CallCut {
  marked: string[];
  ms: number;
}

/** A tracked function's name as the student process gives it ("labs/common/tensor.ts:tensor"): bounded, or undefined. */
const TRACKED_NAME = /^labs\/[\w./-]{1,200}\.[cm]?[jt]sx?:[\w$]{1,100}$/;
function trackedName(v: unknown): string | undefined {
  return typeof v === 'string' && TRACKED_NAME.test(v) ? v : undefined;
}

/** "tensor (labs/common/tensor.ts)" for "labs/common/tensor.ts:tensor". */
export function describeTracked(name: string): string {
  const at = name.lastIndexOf(':');
  return `${name.slice(at + 1)} (${name.slice(0, at)})`;
}

export interface HostOptions {
  sandbox: SandboxMode;
  /** Heap cap (--max-old-space-size); the whole process may use this plus 256 MB. */
  memoryMb: number;
  /** Time allowed for starting and loading the lab, in ms, and why it is that (for the message). */
  loadTimeoutMs?: number;
  loadTimeoutWhy?: string;
  /**
   * Whether the code is the harness's own (the reference, a mutant): only then is a failure to
   * load the ops glue a bug of the grader. Default: true for sandbox `none`, false otherwise.
   * Nothing the student process says decides whose fault a failure is.
   */
  trusted?: boolean;
  /** A lower scheduling priority (1 to 19, as `nice`), set by the process itself before the lab loads; where the system refuses it, none. */
  priority?: number;
}

interface ChildError {
  name: string;
  message: string;
  stack: string;
  notImplemented?: boolean;
  missingExport?: string[];
  /** Inputs the ops read that the case does not have (an input name that does not match the op). */
  absentInputs?: string[];
  /** Lab code called process.exit during the call, with this argument (child.cjs ends the call, not the process). */
  exitCalled?: string;
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

/** How much student text (a message, a name, a stack) the grader keeps from one reply. */
export const MAX_STUDENT_TEXT = 2000;

/** Student text cut to `limit` characters, saying how much was cut. */
export function boundText(text: unknown, limit = MAX_STUDENT_TEXT): string {
  const s = typeof text === 'string' ? text : String(text);
  return s.length <= limit ? s : `${s.slice(0, limit)}… (${s.length - limit} more characters)`;
}

/** What the grader sees of a student process and its descendants (Linux's /proc). */
interface TreeSample {
  /** Resident memory now, in MB (0 where /proc is absent). */
  rssMb: number;
  /** The high-water mark of resident memory (`VmHWM`), which a sample taken after a short spike still sees. */
  peakMb: number;
  /**
   * Whether the process that runs the lab (the deepest one: bwrap's own come first) is asleep,
   * neither computing nor waiting for a core: lab code that waits without computing
   * (Atomics.wait). Undefined where /proc is absent.
   */
  asleep?: boolean;
}

const RSS = /VmRSS:\s+(\d+)/;
const HWM = /VmHWM:\s+(\d+)/;
const STATE = /State:\s+(\S)/;

/**
 * Calls `read` with each process of the tree under `pid` (the process itself at depth 0, its
 * children, … down to bwrap's third level): the process's /proc folder and its depth. Processes
 * that are gone, or a system without /proc, are skipped.
 */
function walkTree(pid: number, read: (procDir: string, depth: number) => void): void {
  const visit = (p: number, depth: number) => {
    try {
      read(`/proc/${p}`, depth);
      if (depth > 3) return;
      for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(/\s+/).filter(Boolean)) visit(Number(c), depth + 1);
    } catch {
      /* the process is gone, or there is no /proc */
    }
  };
  visit(pid, 0);
}

/** The process that runs the lab: the deepest of the tree under `pid` (bwrap's own come first), or `pid` itself. */
function labProcess(pid: number): number {
  let deepest = { pid, depth: 0 };
  walkTree(pid, (dir, depth) => {
    if (depth > deepest.depth) deepest = { pid: Number(dir.slice('/proc/'.length)), depth };
  });
  return deepest.pid;
}

function treeSample(pid: number): TreeSample {
  let rssKb = 0;
  let peakKb = 0;
  let asleep: boolean | undefined;
  let deepest = -1;
  walkTree(pid, (dir, depth) => {
    const status = fs.readFileSync(`${dir}/status`, 'utf8');
    rssKb += Number(RSS.exec(status)?.[1] ?? 0);
    peakKb += Number(HWM.exec(status)?.[1] ?? 0);
    if (depth > deepest) {
      deepest = depth;
      asleep = STATE.exec(status)?.[1] === 'S';
    }
  });
  return { rssMb: rssKb / 1024, peakMb: peakKb / 1024, asleep };
}

/**
 * CPU time (user + system) of a process and its descendants so far, in ms, or undefined where
 * /proc is absent (macOS, Windows: there, budgets are wall-clock time only). Clock ticks are
 * 1/100 s on every Linux Node runs on.
 */
function treeCpuMs(pid: number): number | undefined {
  let ticks = 0;
  let seen = false;
  walkTree(pid, (dir) => {
    const stat = fs.readFileSync(`${dir}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    seen = true;
  });
  return seen ? ticks * 10 : undefined;
}

/**
 * A budget is the student's computing time: on a machine so busy that the process got less
 * CPU than its budget by the deadline, the deadline moves on by what it is owed, up to this
 * many times the budget in wall-clock time. So a loaded grading server does not fail correct
 * code, and an infinite loop is stopped after the same computing time everywhere. Time the lab's
 * code spends asleep (waiting without computing, seen every SAMPLE_MS) counts as computing time:
 * such a wait is stopped at its budget, not at this many times it.
 */
const MAX_BUDGET_STRETCH = 8;

/**
 * How long a call sent SIGINT at its deadline has to answer before its process is killed. V8
 * stops JavaScript at once (a loop, Atomics.wait: ≈ 1 ms), but not inside one long built-in
 * operation: a memory bomb's `new Float64Array(1 << 24).fill(1)` takes ≈ 0.4 s of page faults
 * here, and a fresh process (≈ 0.2 s) is cheaper than waiting it out on every item.
 */
const INTERRUPT_GRACE_MS = 100;

/**
 * The least time a process has to take a call (say `started`) before its lab is called busy
 * between calls, whatever the call's budget: on a loaded machine a 30 ms budget can pass before
 * the process is even scheduled (seen under Node 26, 4 calls of 150 in a CI run).
 */
const TAKE_MIN_MS = 1000;

/** What V8 says of a call it stopped on SIGINT (vm's breakOnSigint). */
const V8_INTERRUPTED = 'Script execution was interrupted by `SIGINT`';

/** How often the grader looks at a running call's memory and whether its code is asleep. */
const SAMPLE_MS = 100;

/**
 * What a thrown error says, as the student's outcome. Every field came from the student
 * process, so none of them can make it anything but the student's own failure, and each is
 * bounded: a status that needs evidence (out of memory) comes from what the grader saw.
 */
function describeThrow(raw: unknown): CallFailure {
  const e = (raw ?? {}) as Partial<ChildError>;
  const name = boundText(e.name ?? 'Error', 100);
  const message = boundText(e.message ?? '');
  if (Array.isArray(e.missingExport)) return { status: 'missing_export', message: `your lab does not export ${boundText(e.missingExport.map(String).join(', '), 300)}` };
  if (e.notImplemented === true) return { status: 'not_implemented', message };
  if (typeof e.exitCalled === 'string') {
    return { status: 'crashed', message: `your code called process.exit(${boundText(e.exitCalled, 20)})${firstStudentFrame(String(e.stack ?? ''))}, which ends the process: a function must return its result (the call was stopped there)` };
  }
  const absent = Array.isArray(e.absentInputs) && e.absentInputs.length ? e.absentInputs.map(String) : undefined;
  const opsBug = absent ? ` (the grader's ops read input ${boundText(absent.map((a) => `'${a}'`).join(', '), 200)}, which the case does not have: an input name in the lab's ops does not match the op, a bug of the graders)` : '';
  return { status: 'threw', message: `${name}: ${message}${firstStudentFrame(String(e.stack ?? ''))}${opsBug}` };
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
  ms?: number;
  gapsMs?: unknown;
  n?: unknown;
  exports?: string[];
  error?: ChildError;
  stoppedIn?: unknown;
  stoppedMs?: unknown;
  fn?: unknown;
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
  /** The request this waits for, and the reply types that answer it; anything else is ignored. */
  id?: number;
  accepts: ReadonlySet<string>;
  resolve: (msg: Reply) => void;
  /** A call: whether the process has taken it (child.cjs says `started` before running it). */
  started?: boolean;
  /** A call entered a marked function (child.cjs says `entered`). */
  entered?: (fn: string) => void;
  /** A call reported progress for the n-th time (child.cjs says `progress`). */
  progress?: (n: number) => void;
}

/** The replies that answer each request (see child.cjs); `ready` is sent before any lab code runs. */
const ANSWERS: Record<string, ReadonlySet<string>> = {
  ready: new Set(['ready']),
  load: new Set(['loaded', 'load_failed']),
  call: new Set(['result', 'failed']),
  calls: new Set(['results', 'failed']),
};

function isReply(m: unknown): m is Reply {
  return m !== null && typeof m === 'object' && typeof (m as Reply).type === 'string';
}

/**
 * A request's id: unguessable, so that a reply the student process sends before it has the
 * request (while its lab loads, say) can never be taken for the answer to it.
 */
function requestId(): number {
  return randomInt(1, 2 ** 47);
}

/** When a budget began: the time, the process tree's computing time (where the machine can tell), and how long its code had been seen asleep. */
interface BudgetStart {
  at: number;
  cpu?: number;
  asleepMs: number;
}

/** A call that grew by this much memory and was still running at its deadline was exhausting memory. */
const GROWTH_MB = 64;

/** Time for starting the process and loading the lab, when no budget is given. */
export const DEFAULT_LOAD_TIMEOUT_MS = 10000;

export class StudentProcess {
  private child?: ChildProcess;
  private starting?: Promise<CallFailure | undefined>;
  /** A failure while loading is deterministic: every later call gets it without a restart. */
  private loadFailure?: CallFailure;
  /**
   * The lab's own code kept the process busy between calls (a timer or promise started while it
   * loaded that never ends), so a call was never taken: as deterministic, every later call of
   * this lab gets it without a restart.
   */
  private busyFailure?: CallFailure;
  private pending?: Pending;
  private stdout = new Tail();
  private stderr = new Tail();
  private killedFor?: FailureStatus;
  /** The most memory the current process was seen using, in MB. */
  private peakMb = 0;
  /** How many processes were started (for tests and reports). */
  starts = 0;
  /** A SIGINT was sent to the current process (see exchange). */
  private signalled = false;

  constructor(
    private readonly modules: ModuleSet,
    private readonly options: HostOptions,
  ) {}

  /** Output the student code printed most recently (stdout and stderr), trimmed. */
  output(): string {
    return (this.stdout.toString() + this.stderr.toString()).trim();
  }

  /**
   * Runs one call within `timeoutMs`; with a `watch`, a call that has reported progress is also
   * stopped once it goes the watch's time without another report (see child.cjs).
   */
  async call(req: CallRequest, timeoutMs: number, cut?: CallCut, watch?: ProgressWatch): Promise<CallResult> {
    const reply = await this.exchange({ type: 'call', ...req, ...trackingOf(cut) }, timeoutMs, cut, watch);
    if ('failure' in reply) return { ok: false, failure: reply.failure };
    if (reply.type === 'failed') return { ok: false, failure: describeThrow(reply.error) };
    const mutated = Array.isArray(reply.mutated) ? reply.mutated.filter((k): k is string => typeof k === 'string' && k in req.inputs) : [];
    const gaps = Array.isArray(reply.gapsMs) && reply.gapsMs.every((g) => typeof g === 'number' && Number.isFinite(g) && g >= 0) ? { gapsMs: reply.gapsMs as number[] } : {};
    return { ok: true, value: reply.value as Values, mutated, ms: typeof reply.ms === 'number' ? reply.ms : NaN, ...gaps };
  }

  /** Runs one stage on many input sets in one round trip (finite differences). */
  async callMany(op: string, stage: 'forward' | 'backward', batch: Array<Omit<CallRequest, 'op' | 'stage'>>, timeoutMs: number, cut?: CallCut): Promise<BatchResult> {
    const reply = await this.exchange({ type: 'calls', op, stage, batch, ...trackingOf(cut) }, timeoutMs, cut);
    if ('failure' in reply) return { ok: false, failure: reply.failure };
    if (reply.type === 'failed') return { ok: false, failure: describeThrow(reply.error) };
    if (!Array.isArray(reply.values) || reply.values.length !== batch.length) {
      this.kill();
      return { ok: false, failure: { status: 'crashed', message: `the student process answered ${batch.length} calls with ${Array.isArray(reply.values) ? reply.values.length : 'no'} values` } };
    }
    return { ok: true, values: reply.values as Values[] };
  }

  /** Starts the process and loads the lab, if that is not done yet (a failure is kept for every later call). */
  async ready(timeoutMs: number): Promise<CallFailure | undefined> {
    return this.loadFailure ?? (await this.ensureStarted(timeoutMs));
  }

  /**
   * The computing time (user + system) the process has used so far, in ms: undefined where the
   * machine cannot tell (no /proc: macOS, Windows) or no process runs.
   */
  cpuMs(): number | undefined {
    return this.child?.pid ? treeCpuMs(this.child.pid) : undefined;
  }

  /** Why loading failed, if it did (for example `timed_out`: the lab never finished loading). */
  get loadProblem(): CallFailure | undefined {
    return this.loadFailure;
  }

  /** Why this lab's calls are not run: its code keeps the process busy between calls (see busyFailure). */
  get busyProblem(): CallFailure | undefined {
    return this.busyFailure;
  }


  async close(): Promise<void> {
    this.kill();
  }

  /**
   * Sends SIGINT to the process that runs the lab (under bwrap, the deepest of its tree), which
   * stops the running call (child.cjs); false where that cannot be done (Windows, where a
   * signal ends the process, or the process is gone).
   */
  private interrupt(child: ChildProcess): boolean {
    if (process.platform === 'win32' || !child.pid || child.exitCode !== null || child.signalCode !== null) return false;
    try {
      process.kill(labProcess(child.pid), 'SIGINT');
      this.signalled = true;
      return true;
    } catch {
      return false;
    }
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

  private async exchange(msg: Record<string, unknown>, timeoutMs: number, cut?: CallCut, watch?: ProgressWatch): Promise<Reply | { failure: CallFailure }> {
    if (this.loadFailure) return { failure: this.loadFailure };
    if (this.busyFailure) return { failure: this.busyFailure };
    const startFailure = await this.ensureStarted(timeoutMs);
    if (startFailure) return { failure: startFailure };
    // Starting a fresh process (after a crash) is the grader's time, not the call's.
    const reply = await this.await({ ...msg, id: requestId() }, timeoutMs, timeoutMs, cut, watch);
    if (this.signalled && 'type' in reply && reply.type === 'failed' && reply.error?.message === V8_INTERRUPTED) {
      // Stopped by the SIGINT meant for an earlier call, which ended just as it was sent (the
      // signal came when this one ran): the grader's race, not the student's outcome. Once more.
      return this.await({ ...msg, id: requestId() }, timeoutMs, timeoutMs, cut, watch);
    }
    return reply;
  }

  /**
   * Sends `msg` (if any; else waits for `ready`) and waits for its reply, the deadline, or the
   * process's end. Only a reply of a type that answers `msg`, carrying its id, counts.
   */
  private await(msg: Record<string, unknown> | undefined, ms: number, budgetMs: number, cut?: CallCut, stallWatch?: ProgressWatch): Promise<Reply | { failure: CallFailure }> {
    const child = this.child!;
    return new Promise((resolve) => {
      let done = false;
      // Set once the call ran out of time and was sent SIGINT: whatever it answers then, or its
      // end, is that timeout.
      let interrupted: CallFailure | undefined;
      let grace: NodeJS.Timeout | undefined;
      const finish = (r: Reply | { failure: CallFailure }) => {
        if (done) return;
        done = true;
        if (interrupted) {
          // Where it was stopped, if the process answered the interruption and said so.
          r = { failure: { ...interrupted, ...stopInfo(r) } };
        }
        hold(child, false);
        clearTimeout(timer);
        clearTimeout(stallTimer);
        clearTimeout(grace);
        clearInterval(watch);
        child.off('exit', onExit);
        this.pending = undefined;
        resolve(r);
      };
      const startMb = child.pid ? treeSample(child.pid).rssMb : 0;
      // Time the lab's code was seen asleep. A sample stands for the time since the one before,
      // at most two periods: when this process was itself too busy to look, a reply that
      // came meanwhile (its sender asleep since) is not charged for the wait.
      let asleepMs = 0;
      let sampledAt = Date.now();
      const sample = (): TreeSample | undefined => {
        if (!child.pid) return undefined;
        const s = treeSample(child.pid);
        const now = Date.now();
        if (s.asleep) asleepMs += Math.min(now - sampledAt, 2 * SAMPLE_MS);
        sampledAt = now;
        return s;
      };
      const mark = (): BudgetStart => ({ at: Date.now(), cpu: child.pid ? treeCpuMs(child.pid) : undefined, asleepMs });
      const started = mark();
      const startedAt = started.at;
      /**
       * The computing time a budget of `budgetMs` begun at `from` still owes the process (a busy
       * machine gave it less than that), while the wall clock allows; else 0: the budget is spent.
       */
      const owedMs = (budgetMs: number, from: BudgetStart): number => {
        sample();
        const cpu = child.pid && from.cpu !== undefined ? treeCpuMs(child.pid) : undefined;
        const owed = cpu === undefined ? 0 : budgetMs - (cpu - from.cpu! + asleepMs - from.asleepMs);
        return owed > 50 && Date.now() - from.at + owed <= budgetMs * MAX_BUDGET_STRETCH ? owed : 0;
      };
      const deadline = () => {
        // Replies already waiting are read first (they are in the pipe before this check runs).
        setImmediate(() => {
          if (done) return;
          const owed = owedMs(ms, started);
          if (owed > 0) {
            timer = setTimeout(deadline, owed);
            return;
          }
          outOfTime();
        });
      };
      const outOfTime = () => {
        // Out of time while its memory kept growing (past its heap cap, or by more than
        // GROWTH_MB during the call): a memory bomb that a busy machine let run slowly, not a
        // plain loop. What the grader measured, not what the process printed.
        const usedMb = child.pid ? treeSample(child.pid).rssMb : 0;
        const growing = startMb > 0 && usedMb - startMb > GROWTH_MB;
        if (usedMb > this.options.memoryMb || growing) {
          const oom: CallFailure = { status: 'out_of_memory', message: `was still taking memory (past ${GROWTH_MB} MB more than when the call began) when its time ran out`, ...(cutBy ? { cutBy } : {}) };
          // Under its heap cap: stopped where it runs, as a loop is, and the process kept (what
          // it took is garbage once the call has ended, and the process is killed if it goes on
          // past its cap). A fresh process per item would cost ≈ 0.2 s each.
          stop(oom, usedMb <= this.options.memoryMb && this.pending?.started === true);
          return;
        }
        if (msg && (msg.type === 'call' || msg.type === 'calls') && !this.pending?.started) {
          // A short budget (30 ms) says nothing of a process that was not scheduled in time: it
          // is given TAKE_MIN_MS to take the call before its lab is called busy (for good).
          const waited = Date.now() - startedAt;
          if (waited < TAKE_MIN_MS) {
            timer = setTimeout(deadline, TAKE_MIN_MS - waited);
            return;
          }
          // Not the called function's time: the process never took the call.
          this.kill('timed_out');
          this.busyFailure = {
            status: 'timed_out',
            message: `never started: your lab's code kept its process busy between calls (a timer, promise or callback that never ends, started when the lab loaded), so the call was not taken within ${formatSeconds(Math.max(budgetMs, TAKE_MIN_MS))}; the process was stopped, and the lab's other calls are not run`,
          };
          finish({ failure: this.busyFailure });
          return;
        }
        stop({ status: 'timed_out', message: `did not finish within ${formatSeconds(budgetMs)} (an infinite loop?)`, ...(cutBy ? { cutBy } : {}) }, true);
      };
      /**
       * Ends the call with `failure`: where `interruptible`, stopped where it runs and the process
       * kept (child.cjs), unless it does not answer within the grace period; else the process is
       * killed. The message says which.
       */
      const stop = (failure: CallFailure, interruptible: boolean) => {
        const killed = { ...failure, message: `${failure.message}; the process was stopped` };
        const kill = failure.status === 'out_of_memory' ? 'out_of_memory' : 'timed_out';
        if (interruptible && msg && (msg.type === 'call' || msg.type === 'calls') && this.interrupt(child)) {
          interrupted = { ...failure, message: `${failure.message}; it was stopped` };
          grace = setTimeout(() => {
            interrupted = undefined;
            this.kill(kill);
            finish({ failure: killed });
          }, INTERRUPT_GRACE_MS);
          return;
        }
        this.kill(kill);
        finish({ failure: killed });
      };
      let timer = setTimeout(deadline, ms);
      // The call entered a function already stopped in: its budget becomes the cut one, from its start.
      let cutBy: string | undefined;
      const entered = (fn: string) => {
        if (done || cutBy || !cut || cut.ms >= ms || !cut.marked.includes(fn)) return;
        cutBy = fn;
        ms = cut.ms;
        budgetMs = cut.ms;
        clearTimeout(timer);
        timer = setTimeout(deadline, Math.max(0, startedAt + ms - Date.now()));
      };
      // The progress watch (child.cjs): from the call's report n, it stops a call that then goes
      // stallWatch(n) of computing time without another report, as the deadline does. Each
      // report re-arms it; a check queued before the latest report is dropped (`stallGen`).
      let stallTimer: NodeJS.Timeout | undefined;
      let stallGen = 0;
      let reports = 0;
      let stallMs = 0;
      let lastReport = started;
      const arm = (delay: number | undefined) => {
        const gen = ++stallGen;
        clearTimeout(stallTimer);
        stallTimer = delay === undefined ? undefined : setTimeout(() => stalled(gen), delay);
      };
      const progress = (n: number) => {
        if (done || interrupted || !stallWatch) return;
        reports = n;
        stallMs = stallWatch(n);
        lastReport = mark();
        arm(stallMs < ms ? stallMs : undefined);
      };
      const stalled = (gen: number) => {
        // Replies and reports already waiting are read first.
        setImmediate(() => {
          if (gen !== stallGen || done || interrupted) return;
          const owed = owedMs(stallMs, lastReport);
          if (owed > 0) {
            arm(owed);
            return;
          }
          stop({ status: 'timed_out', message: `reported no progress for ${formatSeconds(stallMs)} (an infinite loop?)`, stalledAfter: reports }, true);
        });
      };
      const limitMb = this.options.memoryMb + 256;
      const watch = setInterval(() => {
        const s = sample();
        if (!s) return;
        this.peakMb = Math.max(this.peakMb, s.peakMb);
        if (s.rssMb > limitMb) {
          this.kill('out_of_memory');
          finish({ failure: { status: 'out_of_memory', message: `used more than ${limitMb} MB of memory; the process was stopped` } });
        }
      }, SAMPLE_MS);
      const onExit = (code: number | null, signal: string | null) => {
        this.child = undefined;
        this.starting = undefined;
        finish({ failure: this.exitFailure(code, signal) });
      };
      child.once('exit', onExit);
      hold(child, true);
      this.pending = { id: msg?.id as number | undefined, accepts: ANSWERS[(msg?.type as string) ?? 'ready'], resolve: finish, entered, progress };
      if (msg) child.send(msg, (err) => err && finish({ failure: { status: 'crashed', message: `the student process stopped accepting calls (${err.message})` } }));
    });
  }

  /**
   * Why the process ended, from what the grader saw: out of memory only when the grader stopped
   * it for its size, or V8's abort (SIGABRT) came after the process was seen using at least
   * its heap cap. What the process printed is quoted, never believed.
   */
  private exitFailure(code: number | null, signal: string | null): CallFailure {
    const out = this.stderr.toString();
    const aborted = signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 134 || code === 133;
    // V8 gives up when the heap reaches its cap, so the process was seen at least that large.
    if (this.killedFor === 'out_of_memory' || (aborted && this.peakMb >= this.options.memoryMb)) {
      return { status: 'out_of_memory', message: `ran out of memory (heap capped at ${this.options.memoryMb} MB)` };
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const hint = code === 0 || code === 1 ? ' (does your code call process.exit?)' : '';
    const tail = lastLines(out, 3);
    return { status: 'crashed', message: `the student process ${how}${hint}${tail ? `: ${tail}` : ''}` };
  }

  private ensureStarted(timeoutMs: number): Promise<CallFailure | undefined> {
    if (this.child) return Promise.resolve(undefined);
    this.starting ??= this.start(this.options.loadTimeoutMs ?? Math.max(timeoutMs, DEFAULT_LOAD_TIMEOUT_MS));
    return this.starting;
  }

  private async start(timeoutMs: number): Promise<CallFailure | undefined> {
    this.starts++;
    this.signalled = false;
    this.killedFor = undefined;
    this.peakMb = 0;
    this.stdout = new Tail();
    this.stderr = new Tail();
    const child = startChild(this.options.sandbox, this.options.memoryMb);
    this.child = child;
    track(child);
    child.stdout?.on('data', (d) => this.stdout.push(d));
    child.stderr?.on('data', (d) => this.stderr.push(d));
    child.on('message', (m: unknown) => {
      const p = this.pending;
      if (p && isReply(m) && m.type === 'started' && m.id === p.id) p.started = true;
      else if (p && isReply(m) && m.type === 'entered' && m.id === p.id && p.started) {
        const fn = trackedName(m.fn);
        if (fn) p.entered?.(fn);
      } else if (p && isReply(m) && m.type === 'progress' && m.id === p.id && p.started && Number.isSafeInteger(m.n) && (m.n as number) > 0) p.progress?.(m.n as number);
      else if (p && isReply(m) && p.accepts.has(m.type) && m.id === p.id) p.resolve(m);
    });
    child.on('error', () => {
      /* reported through 'exit' */
    });
    const ready = await this.await(undefined, timeoutMs, timeoutMs);
    if ('failure' in ready) return (this.loadFailure = { ...ready.failure, status: ready.failure.status === 'timed_out' ? 'timed_out' : 'crashed', message: `the student process did not start: ${ready.failure.message}` });
    const priority = this.options.priority ? { priority: this.options.priority } : {};
    const loaded = await this.await({ type: 'load', id: requestId(), ...this.modules, ...priority }, timeoutMs, timeoutMs);
    if ('failure' in loaded) {
      const why = loaded.failure.status === 'timed_out' && this.options.loadTimeoutWhy ? ` (the load budget: ${this.options.loadTimeoutWhy})` : '';
      this.loadFailure = { ...loaded.failure, message: `while loading your lab: ${loaded.failure.message}${why}` };
      return this.loadFailure;
    }
    if (loaded.type === 'load_failed') {
      const e = (loaded.error ?? {}) as Partial<ChildError>;
      this.kill();
      const trusted = this.options.trusted ?? this.options.sandbox === 'none';
      if (trusted && (loaded as { stage?: unknown }).stage === 'ops') throw new Error(`grader bug: the ops glue failed to load: ${e.stack || e.message}`);
      this.loadFailure = { status: 'load_error', message: `your lab fails while loading: ${boundText(e.name ?? 'Error', 100)}: ${boundText(e.message ?? '')}${firstStudentFrame(String(e.stack ?? ''))}` };
      return this.loadFailure;
    }
    return undefined;
  }
}

/** Where a stopped call says it was (see child.cjs): well-formed names and times only, at most 8. */
function stopInfo(r: Reply | { failure: CallFailure }): Pick<CallFailure, 'stoppedIn' | 'stoppedMs'> {
  if (!('type' in r) || r.type !== 'failed' || !Array.isArray(r.stoppedIn) || !Array.isArray(r.stoppedMs) || r.stoppedIn.length !== r.stoppedMs.length) return {};
  const names = r.stoppedIn.slice(-8);
  const times = r.stoppedMs.slice(-8);
  const frames = names.map((n, i) => ({ fn: trackedName(n), ms: times[i] })).filter((f): f is { fn: string; ms: number } => f.fn !== undefined && typeof f.ms === 'number' && Number.isFinite(f.ms) && f.ms >= 0);
  return frames.length ? { stoppedIn: frames.map((f) => f.fn), stoppedMs: frames.map((f) => f.ms) } : {};
}

/** The tracking fields of a call message (see CallCut). */
function trackingOf(cut: CallCut | undefined): Record<string, unknown> {
  return cut ? { track: true, marked: cut.marked } : {};
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ').slice(0, 400);
}

export function formatSeconds(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1))} s`;
  return ms >= 10 ? `${Math.round(ms)} ms` : `${Number(ms.toFixed(ms >= 1 ? 1 : 2))} ms`;
}
