/**
 * Time budgets from evidence: a call may take a generous multiple of what the reference took
 * on the same case, with a floor (a correct implementation 20 times slower than the reference
 * still fits); loading a lab, a multiple of the reference's load. A function that has already
 * run past its budget (an infinite loop) costs its full budget once: later calls that run it
 * again get a short budget, and say why. Code that has run out of time or memory in two
 * functions that share nothing the rubric knows of (a loop or an endless allocation in a helper
 * they all call, or two loops) costs less from then on: for the submission's functions not yet
 * seen to run out, the floor of the budget drops (the multiple of the reference stays). Once a
 * submission's code has run out at all, its exported functions are tracked (child.cjs): a call
 * stopped at its budget then says which one it was in (V8 gives no stack), and a later call that
 * enters a function already stopped in gets a short budget from then on (SlowFunctions.cut): a
 * helper in labs/common that loops costs short budgets, not a reduced one per function that calls
 * it. The rubric's item `timeout` stays the most any item may take.
 */
import { CallCut, describeTracked, formatSeconds, ProgressWatch } from './student-process';

export const BUDGET = {
  /** A call: this many times the reference's time on the case ... */
  factor: 50,
  /** ... and at least this long (process warm-up, a slow laptop, a busy batch machine). */
  floorMs: 2000,
  /**
   * A call that runs a function which already ran out: this many times the reference ... (a
   * correct implementation, however slow, never ran out, so it never gets a short budget; a
   * function that loops on one input may still work on another).
   */
  shortFactor: 3,
  /** ... and at least this long (the function has run before: its code is compiled) ... */
  shortFloorMs: 30,
  /**
   * ... and at most this long: an item that runs for seconds (a training run) would otherwise
   * wait a multiple of that for a function already known to run out.
   */
  shortCapMs: 500,
  /**
   * Once a submission's code has run past a full budget or out of memory in this many items
   * (each running none of the functions already known to run out) ...
   */
  suspectAfter: 2,
  /**
   * ... a call's budget has this floor instead of floorMs (still `factor` times the reference:
   * a correct implementation 20 times slower fits as before; only the warm-up allowance shrinks).
   * A first call's warm-up needs it: with 50 times the reference plus 100 ms instead, the
   * transformer made 20 times slower lost items (budgets of 122–192 ms) when test runs shared
   * the cores; a first call of the slower code used 3 to 14 times 20 times the reference's time
   * (docs/speed.md, tenth session).
   */
  suspectFloorMs: 500,
  /** Starting the student process and loading the lab: this many times the reference's load ... */
  loadFactor: 10,
  /** ... and at least this long. */
  loadFloorMs: 5000,
  /** Loading, once another lab of the same submission never finished loading. */
  shortLoadMs: 1500,
} as const;

export interface Budget {
  ms: number;
  /** Why the budget is what it is, for the message when it runs out. */
  why: string;
  /** Cut short because a function it runs already ran out (running out again teaches nothing new). */
  short?: boolean;
}

/** A call's budget from the reference's time on the same case (unknown: the item's timeout). */
export function callBudget(referenceMs: number | undefined, itemTimeoutMs: number): Budget {
  if (referenceMs === undefined || !Number.isFinite(referenceMs)) return { ms: itemTimeoutMs, why: "the item's time limit" };
  const ms = Math.min(itemTimeoutMs, Math.max(BUDGET.floorMs, BUDGET.factor * referenceMs));
  return { ms, why: `its time budget: ${BUDGET.factor} times the reference's time on this case, at least ${formatSeconds(BUDGET.floorMs)}` };
}

/**
 * A long call's watch on its progress (child.cjs), where the reference's call reported progress
 * (a training run's steps, see kit.progress): `gapsMs[k]` is how long it went from its report
 * k + 1 to the next (the last: to its end). After a student's report n, the call may take the
 * same multiple of the reference's time from its report n, with the same floor, as a call may
 * of the reference's whole time (a correct implementation 20 times slower takes 20 times as long
 * per step; the first step, with its warm-up, has its own); past the reference's reports, of its
 * longest stretch. So a loop the training reaches is stopped within seconds of the last step,
 * not at the end of the training's whole budget. Undefined where it would never stop a call
 * sooner than its budget.
 */
export interface StallBudget {
  watch: ProgressWatch;
  /** Why the watch after report n is what it is, for the message when it runs out. */
  why(n: number): string;
}

export function stallBudget(gapsMs: readonly number[] | undefined, budget: Budget): StallBudget | undefined {
  if (!gapsMs || gapsMs.length === 0 || !gapsMs.every((g) => Number.isFinite(g) && g >= 0)) return undefined;
  const longest = gapsMs.reduce((a, b) => Math.max(a, b), 0);
  const gap = (n: number) => (n <= gapsMs.length ? gapsMs[n - 1] : longest);
  const ms = (n: number) => Math.max(BUDGET.floorMs, BUDGET.factor * gap(n));
  // The call's own deadline comes first wherever the watch is as long (student-process.ts).
  if (Math.max(BUDGET.floorMs, BUDGET.factor * longest) >= budget.ms) return undefined;
  return {
    watch: ms,
    why: (n) =>
      `the call reports its progress (a training run, each step); after its report ${n}, the reference reported again within ${formatSeconds(gap(n))}${n > gapsMs.length ? ' at most' : ''}: ${BUDGET.factor} times that, at least ${formatSeconds(BUDGET.floorMs)}`,
  };
}

/** The budget for starting and loading a lab. */
export function loadBudget(referenceLoadMs: number | undefined, submission?: SubmissionBudgets): Budget {
  if (submission?.neverLoaded) return { ms: BUDGET.shortLoadMs, why: `a short one: ${submission.neverLoaded} never finished loading` };
  const ms = Math.max(BUDGET.loadFloorMs, BUDGET.loadFactor * (referenceLoadMs ?? 0));
  return { ms, why: `${BUDGET.loadFactor} times the reference's load time, at least ${formatSeconds(BUDGET.loadFloorMs)}` };
}

/** What one submission has shown across its labs: a lab that never finished loading, items that ran out of time or memory. */
export interface SubmissionBudgets {
  /** The first lab whose loading ran out of time. */
  neverLoaded?: string;
  /** The items (id, lab, and whether time or memory) whose calls ran past a full budget or out of memory, in the order they did. */
  ranOut?: string[];
  /**
   * Exported functions a call was stopped in (innermost, as "labs/common/tensor.ts:tensor"),
   * and where: a later call that enters one gets a short budget (CallCut), in every lab.
   */
  stoppedIn?: Record<string, string>;
}

/**
 * A call's budget in a submission whose code has already run past a full budget, or out of
 * memory, in BUDGET.suspectAfter items (a loop or an endless allocation in a helper they
 * share): `factor` times the reference as always, with the lower floor suspectFloorMs; else
 * `normal`.
 */
export function suspectBudget(normal: Budget, referenceMs: number | undefined, submission?: SubmissionBudgets): Budget {
  const seen = submission?.ranOut ?? [];
  if (seen.length < BUDGET.suspectAfter || referenceMs === undefined || !Number.isFinite(referenceMs)) return normal;
  const ms = Math.max(BUDGET.suspectFloorMs, BUDGET.factor * referenceMs);
  if (ms >= normal.ms) return normal;
  return {
    ms,
    why: `a reduced budget, because this submission's code already ran out of time or memory in ${seen.slice(0, BUDGET.suspectAfter).join(' and ')}: ${BUDGET.factor} times the reference's time on this case, at least ${formatSeconds(BUDGET.suspectFloorMs)}`,
  };
}

/** The short budget of a call that runs a function already seen to run out (BUDGET.shortFactor ...). */
function shortMs(referenceMs: number | undefined): number {
  return Math.max(BUDGET.shortFloorMs, Math.min(BUDGET.shortCapMs, BUDGET.shortFactor * (referenceMs ?? 0)));
}

/**
 * The functions of one lab's submission that have run out of time or memory, and where. A
 * memory bomb teaches nothing new the second time either: each run costs a heap's worth of
 * allocation and a fresh process.
 */
export class SlowFunctions {
  private readonly ranOut = new Map<string, string>();
  /** Without a submission to share them with: this lab's (see SubmissionBudgets.stoppedIn). */
  private readonly stopped: Record<string, string> = {};
  private ranOutHere = 0;

  /**
   * `submission`: what the submission's labs share (its items that ran past a full budget or
   * out of memory, named with `lab`), for suspectBudget.
   */
  constructor(
    private readonly submission?: SubmissionBudgets,
    private readonly lab?: string,
  ) {}

  /** `functions` ran past their budget (`time`) or exhausted memory (`memory`) in `itemId`, a full budget or a reduced one. */
  record(functions: readonly string[], itemId: string, what: 'time' | 'memory' = 'time'): void {
    const where = what === 'time' ? `ran past its time in ${itemId}` : `ran out of memory in ${itemId}`;
    for (const f of functions) if (!this.ranOut.has(f)) this.ranOut.set(f, where);
    this.ranOutHere++;
    if (this.submission) (this.submission.ranOut ??= []).push(`${itemId} (${this.lab ? `lab ${this.lab}: ` : ''}out of ${what})`);
  }

  /** A call of `itemId` was stopped at its deadline (out of time, or still taking memory) while `fn` (an exported function, tracked) ran. */
  recordStop(fn: string, itemId: string, what: 'time' | 'memory' = 'time'): void {
    this.stoppedFunctions()[fn] ??= `${what === 'time' ? 'ran past its time' : 'kept taking memory'} in ${itemId}${this.lab ? ` (lab ${this.lab})` : ''}`;
  }

  /**
   * What a call sends along once the submission's code has run out of time or memory (its
   * exported functions are then tracked, so the next stop says where): the functions already
   * stopped in, and the short budget a call that enters one of them gets instead of `budget`.
   * Undefined before anything ran out: correct code is never tracked.
   */
  cut(referenceMs: number | undefined, budget: Budget): CallCut | undefined {
    if (this.ranOutHere === 0 && !this.submission?.ranOut?.length) return undefined;
    return { marked: Object.keys(this.stoppedFunctions()).sort(), ms: Math.min(budget.ms, shortMs(referenceMs)) };
  }

  /** Why a call was cut short: it entered `fn`, already stopped in. */
  cutWhy(fn: string): string {
    return `a short budget, because it entered ${describeTracked(fn)}, which already ${this.stoppedFunctions()[fn] ?? 'ran past its time'}`;
  }

  /** The functions stopped in so far, the submission's (every lab's) where it is known. */
  private stoppedFunctions(): Record<string, string> {
    return this.submission ? (this.submission.stoppedIn ??= {}) : this.stopped;
  }

  /**
   * A short budget when the call runs a function that already ran out; else `normal`, reduced
   * once the submission's code ran out of time or memory in other items (suspectBudget).
   */
  budget(exercises: readonly string[], referenceMs: number | undefined, normal: Budget): Budget {
    const base = suspectBudget(normal, referenceMs, this.submission);
    const slow = exercises.find((f) => this.ranOut.has(f));
    if (!slow) return base;
    const ms = Math.min(base.ms, shortMs(referenceMs));
    return { ms, why: `a short budget, because ${slow} already ${this.ranOut.get(slow)}`, short: true };
  }
}
