/**
 * Grading: a submission's labs against the expected values, item by item, case by case.
 * Student code runs only in the student process; this side compares and scores.
 */
import * as path from 'path';
import { Comparison, compareValues, mismatchData, mismatchStatus, Tolerance } from './compare';
import { ExpectedBundle, ExpectedCase, ExpectedItem, evaluated, expectedFor, referenceCostMs } from './expected';
import { mapLimit } from './pool';
import type { OpDef } from './ops';
import { outputFigure } from '../../emit/figures';
import { itemMessage } from '../../emit/case-text';
import { Budget, callBudget, loadBudget, SlowFunctions, stallBudget, SubmissionBudgets } from '../host/budgets';
import { GradcheckResult, gradcheck } from './gradcheck';
import { rootCauses } from './rootcause';
import { CallFailure, StudentProcess, describeTracked, formatSeconds } from '../host/student-process';
import { Lab, loadLab, selectLabs } from './labs';
import { buildModules, directoryTree, overlay, SourceTree, submissionFiles } from '../host/modules';
import { BoundsMiss, CaseResult, GradientFinding, ItemResult, LabResult, Results, Status, resultsOf, roundScore, sumScores, toJsonNumber } from './results';
import { Item, stageOf } from './rubric';
import { resolveSandbox, SandboxMode, SandboxRequest } from '../host/sandbox';
import { typeErrors } from '../host/typecheck';
import { Value, Values, hasContinuous, isTensor, valueDigest } from './values';

export interface GradeLabOptions {
  root: string;
  /** The submission's files (labs/**), falling back to the harness's. */
  tree: SourceTree;
  sandbox: SandboxMode;
  memoryMb?: number;
  expected: ExpectedBundle;
  /** Report type errors as notes (costs a type-check of the lab's files). */
  typecheck?: boolean;
  /** Called as each item finishes (progress). */
  onItem?: (item: ItemResult) => void;
  /** What the submission's other labs have shown (a lab that never finished loading). */
  budgets?: SubmissionBudgets;
  /**
   * A lower scheduling priority for the student process (1 to 19, as `nice`): a lab graded
   * beside a longer one leaves the cores to it. Budgets count CPU time, so waiting costs nothing.
   */
  priority?: number;
}

export const DEFAULT_MEMORY_MB = 512;

/** Outcomes where the code ran and answered wrongly: the ones a hint about the math can help. */
const WRONG_ANSWER = new Set<Status>(['wrong_value', 'wrong_shape', 'wrong_type', 'not_finite', 'mutated_input']);

interface CaseVerdict extends CaseResult {
  /** What the student returned, for diagnoses. */
  value?: Values;
}

/** A stopped call's function had run for at least this share of the call's budget: it is where the call looped. */
const STOPPED_SHARE = 0.5;

/**
 * Where a call stopped at its budget was (the student process's word, see CallFailure): the
 * words for the message, and the function that had run for most of the budget, innermost
 * first: the loop (a helper that a slow computation was in at that moment had run for a moment
 * only, and is not marked).
 */
function stoppedWhere(f: CallFailure, budgetMs: number): { where: string; looping?: string } {
  const { stoppedIn = [], stoppedMs = [] } = f;
  const where = stoppedIn.length ? `; it was stopped in ${stoppedIn.slice().reverse().map(describeTracked).join(', called from ')}` : '';
  return { where, looping: stoppedIn.filter((_fn, i) => stoppedMs[i] >= STOPPED_SHARE * budgetMs).at(-1) };
}

/** A case's verdict, and what its running out of time showed (see SlowFunctions.cut). */
interface CaseRun extends CaseVerdict {
  /** Its budget was cut short: it entered a function already stopped in. */
  cut?: boolean;
  /** It was stopped in this exported function (innermost). */
  stoppedIn?: string;
}

function failureVerdict(label: string, f: CallFailure): CaseVerdict {
  return { label, status: f.status, message: f.message };
}

function pick(values: Values, keys: string[] | undefined): Values {
  return keys ? Object.fromEntries(keys.map((k) => [k, values[k]])) : values;
}

/** A comparison's outcome as data: the first three outputs or gradients that are off, and how many were. */
function comparisonVerdict(label: string, cmp: Comparison, value: Values, tolerance: Tolerance): CaseVerdict {
  if (cmp.ok) return { label, status: 'passed', value };
  const shown = cmp.mismatches.slice(0, 3).map((m) => mismatchData(m, tolerance));
  return { label, status: mismatchStatus(cmp.mismatches), mismatches: shown, ...(cmp.mismatches.length > shown.length ? { mismatches_total: cmp.mismatches.length } : {}), value };
}

function scalarOf(v: Value | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (isTensor(v) && v.data.length === 1) return v.data[0];
  return undefined;
}

function boundsVerdict(label: string, bounds: NonNullable<Item['bounds']>, value: Values): CaseVerdict {
  const misses: BoundsMiss[] = [];
  for (const [key, b] of Object.entries(bounds)) {
    const x = scalarOf(value[key]);
    const returned = JSON.stringify(value[key])?.slice(0, 60);
    if (x === undefined || Number.isNaN(x)) misses.push({ key, ...(returned !== undefined ? { returned } : {}) });
    else if (b.min !== undefined && !(x >= b.min)) misses.push({ key, actual: toJsonNumber(x), min: b.min });
    else if (b.max !== undefined && !(x <= b.max)) misses.push({ key, actual: toJsonNumber(x), max: b.max });
  }
  return misses.length ? { label, status: 'wrong_value', bounds: misses, value } : { label, status: 'passed', value };
}

/**
 * The second gradient oracle on one case: `grads` against central differences of the
 * process's own forward (the student's, or the reference's when validating it).
 */
export async function againstOwnForward(proc: StudentProcess, item: Item, e: ExpectedCase, grads: Values, timeoutMs: number): Promise<GradcheckResult> {
  const deadline = Date.now() + timeoutMs;
  const forward = async (batch: Values[]) => {
    const r = await proc.callMany(item.op, 'forward', batch.map((inputs) => ({ inputs, params: e.params })), deadline - Date.now());
    if (!r.ok) throw new Error(r.failure.message);
    return r.values;
  };
  const wrt = Object.keys(e.grads ?? {}).filter((k) => k in e.inputs);
  try {
    return await gradcheck({ forward, inputs: e.inputs, upstream: e.upstream ?? {}, grads, wrt, settings: item.gradcheck, seed: e.seed });
  } catch (err) {
    return { agrees: false, mode: 'full', checked: 0, problem: 'could_not_run', reason: (err as Error).message };
  }
}

/**
 * Why a backward disagrees with the reference: is the forward right, and does the backward agree
 * with finite differences of it? (graders/emit/case-text.ts says which of these it means.)
 */
async function gradientFinding(proc: StudentProcess, item: Item, e: ExpectedCase, grads: Values, deadline: number): Promise<GradientFinding> {
  const fwd = await proc.call({ op: item.op, stage: 'forward', inputs: e.inputs, params: e.params }, deadline - Date.now());
  if (!fwd.ok) return { forward: 'not_run', forward_problem: fwd.failure.message };
  const forward = compareValues(e.outputs, fwd.value, item.tolerance).ok ? 'right' : 'wrong';
  return { forward, own_forward: await againstOwnForward(proc, item, e, grads, deadline - Date.now()) };
}

async function gradeCase(proc: StudentProcess, item: Item, op: OpDef, e: ExpectedCase, deadline: number, budget: Budget, slow: SlowFunctions): Promise<CaseRun> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return { label: e.label, status: 'timed_out', message: `not run: the item's ${formatSeconds(item.timeout * 1000)} ran out` };
  const ms = Math.min(remaining, budget.ms);
  const cut = slow.cut(e.ms, budget);
  const stall = stallBudget(e.gaps_ms, budget);
  const r = await proc.call({ op: item.op, stage: stageOf(item), inputs: e.inputs, params: e.params, upstream: e.upstream }, ms, cut, stall?.watch);
  if (!r.ok && r.failure.status === 'timed_out' && r.failure !== proc.loadProblem && r.failure !== proc.busyProblem) {
    // The budget, not the time that happened to be left: the same submission gets the same words.
    if (r.failure.cutBy && cut) {
      return { label: e.label, status: 'timed_out', message: `did not finish within ${formatSeconds(cut.ms)} (${slow.cutWhy(r.failure.cutBy)}; an infinite loop?)`, cut: true };
    }
    const { where, looping } = stoppedWhere(r.failure, ms);
    const after = r.failure.stalledAfter;
    if (after !== undefined && stall) {
      return { label: e.label, status: 'timed_out', message: `stopped after ${formatSeconds(stall.watch(after))} without progress (${stall.why(after)}; an infinite loop?)${where}`, stoppedIn: looping };
    }
    return { label: e.label, status: 'timed_out', message: `did not finish within ${formatSeconds(budget.ms)} (${budget.why}; an infinite loop?)${where}`, stoppedIn: looping };
  }
  if (!r.ok && r.failure.status === 'out_of_memory' && r.failure.stoppedIn) {
    const { where, looping } = stoppedWhere(r.failure, ms);
    const short = r.failure.cutBy && cut ? ` (${slow.cutWhy(r.failure.cutBy)})` : '';
    return { ...failureVerdict(e.label, r.failure), message: `${r.failure.message}${short}${where}`, stoppedIn: looping, ...(short ? { cut: true } : {}) };
  }
  if (item.check === 'throws') {
    if (!r.ok) return r.failure.status === 'threw' ? { label: e.label, status: 'passed', message: '' } : failureVerdict(e.label, r.failure);
    return { label: e.label, status: 'wrong_value', message: 'returned a value where it should throw an Error (this input has no meaningful answer)', value: r.value };
  }
  if (!r.ok) return failureVerdict(e.label, r.failure);
  if (r.mutated.length) {
    return { label: e.label, status: 'mutated_input', message: `your code changed its input${r.mutated.length > 1 ? 's' : ''} ${r.mutated.join(', ')} in place; compute into a new tensor instead` };
  }
  if (item.check === 'forward') {
    let value: Values;
    try {
      value = evaluated(op, r.value, e.inputs, e.params);
    } catch (err) {
      return { label: e.label, status: 'wrong_type', message: `what your code returned could not be evaluated: ${(err as Error).message}`, value: r.value };
    }
    if (item.bounds) return boundsVerdict(e.label, item.bounds, value);
    return comparisonVerdict(e.label, compareValues(pick(e.outputs, item.outputs), value, item.tolerance), value, item.tolerance);
  }
  // The gradients the item compares are the reference's (selected by the item's `grads`).
  const grads = pick(r.value, Object.keys(e.grads ?? {}));
  const verdict = comparisonVerdict(e.label, compareValues(e.grads!, grads, item.tolerance), grads, item.tolerance);
  if (verdict.status === 'wrong_value' && item.gradcheck.numeric) verdict.gradient = await gradientFinding(proc, item, e, r.value, deadline);
  return verdict;
}

/**
 * The first mutant whose answers match the student's on every failing case that returned a
 * value, where at least one of those cases compares continuous values that tell the mutant
 * apart from the reference.
 */
function diagnose(item: Item, exp: ExpectedItem, verdicts: CaseVerdict[]): string | undefined {
  const failing = verdicts.map((v, i) => ({ v, e: exp.cases[i] })).filter(({ v }) => v.status !== 'passed' && v.value !== undefined);
  if (failing.length === 0) return undefined;
  // A refusal item: the mistake is answering at all, which a mutant that answers makes too.
  if (item.check === 'throws') return Object.keys(exp.diagnoses).find((id) => failing.every(({ e }) => e.mutants[id]?.value !== undefined));
  for (const id of Object.keys(exp.diagnoses)) {
    const target = (e: ExpectedCase) => {
      const answer = e.mutants[id]?.value;
      return answer && item.check === 'forward' ? pick(answer, item.outputs) : answer;
    };
    const matches = failing.every(({ v, e }) => {
      const t = target(e);
      return t !== undefined && compareValues(t, v.value, item.tolerance).ok;
    });
    const evidence = failing.some(({ e }) => {
      const t = target(e);
      return t !== undefined && hasContinuous(t) && !compareValues(item.check === 'forward' ? pick(e.outputs, item.outputs) : e.grads!, t, item.tolerance).ok;
    });
    if (matches && evidence) return id;
  }
  return undefined;
}

/**
 * Grades one item, case by case, each call within its budget (see budgets.ts). After a case
 * runs out of time or memory, the functions the item runs are known to be slow: the item's
 * other cases are not run, and later items that run them get a short budget (and, once that
 * happened in other functions too, the submission's other calls a reduced one: see
 * SlowFunctions).
 */
export async function gradeItem(proc: StudentProcess, item: Item, exp: ExpectedItem, slow = new SlowFunctions(), op: OpDef = {} as OpDef): Promise<ItemResult> {
  const started = Date.now();
  const deadline = started + item.timeout * 1000;
  const exercises = exp.exercises ?? [];
  const verdicts: CaseVerdict[] = [];
  let ranOut: { label: string; status: 'timed_out' | 'out_of_memory' } | undefined;
  for (const e of exp.cases) {
    if (ranOut) {
      const what = ranOut.status === 'timed_out' ? 'time' : 'memory';
      verdicts.push({ label: e.label, status: ranOut.status, message: `not run: case "${ranOut.label}" of this item already ran out of ${what}` });
      continue;
    }
    const budget = slow.budget(exercises, e.ms, callBudget(e.ms, item.timeout * 1000));
    const { cut, stoppedIn, ...v } = await gradeCase(proc, item, op, e, deadline, budget, slow);
    verdicts.push(v);
    // Out of time or memory: running the same functions again would cost as much and teach nothing.
    if (v.status === 'timed_out' || v.status === 'out_of_memory') {
      ranOut = { label: e.label, status: v.status };
      const what = v.status === 'timed_out' ? 'time' : 'memory';
      if (stoppedIn) slow.recordStop(stoppedIn, item.id, what);
      if (!budget.short && !cut) slow.record(exercises, item.id, what);
    }
  }
  const passed = verdicts.filter((v) => v.status === 'passed').length;
  const total = verdicts.length;
  const fraction = item.scoring === 'proportional' ? passed / total : passed === total ? 1 : 0;
  const firstFailure = verdicts.find((v) => v.status !== 'passed');
  const cases: CaseResult[] = verdicts.map(({ value, ...c }) => ({ ...c, ...(c.status !== 'passed' && value ? { value_digest: valueDigest(value) } : {}) }));
  const diagnosedBy = firstFailure ? diagnose(item, exp, verdicts) : undefined;
  const diagnosis = diagnosedBy && exp.diagnoses[diagnosedBy].diagnosis;
  const figures = figuresOf(item, exp, verdicts);
  return {
    id: item.id,
    title: item.title,
    score: roundScore(item.points * fraction),
    max_score: item.points,
    status: firstFailure ? firstFailure.status : 'passed',
    message: itemMessage({ cases, message: '' }),
    ...(firstFailure && WRONG_ANSWER.has(firstFailure.status) && item.hints.length ? { hint: item.hints.join(' ') } : {}),
    ...(diagnosis ? { diagnosis } : {}),
    ...(diagnosedBy ? { diagnosed_by: diagnosedBy } : {}),
    visibility: item.visibility,
    duration_ms: Date.now() - started,
    cases,
    ...(figures.length ? { figures } : {}),
  };
}

/** The item's figure, from its first case; only for visible items (it shows expected values). */
function figuresOf(item: Item, exp: ExpectedItem, verdicts: CaseVerdict[]): NonNullable<ItemResult['figures']> {
  if (!item.figure || item.visibility !== 'visible' || exp.cases.length === 0) return [];
  const { output, title, rows, columns } = item.figure;
  const svg = outputFigure(exp.cases[0].outputs[output], verdicts[0]?.value?.[output], {
    title: `${title ?? item.title} (${exp.cases[0].label})`,
    rows: rows ?? 'row',
    columns: columns ?? 'column',
  });
  return svg ? [{ name: `${item.id}.${output}.svg`, title: title ?? item.title, svg }] : [];
}

/**
 * A diagnosis stands only where the student matches its mistake on every item the mistake
 * changes (of those graded here): a forward that is right cannot have the mistake "your
 * cross-entropy is the sum over the batch", whatever its backward matched.
 */
export function consistentDiagnoses(items: ItemResult[], expected: ExpectedBundle): ItemResult[] {
  const byId = new Map(items.map((r) => [r.id, r]));
  const holds = (mutant: string, loses: string[]) =>
    loses.every((id) => {
      const r = byId.get(id);
      if (!r) return true; // not graded here (a hidden item in a release)
      if (r.status === 'passed') return false;
      return !(mutant in (expected.items[id]?.diagnoses ?? {})) || r.diagnosed_by === mutant;
    });
  return items.map((r) => {
    const loses = r.diagnosed_by ? expected.items[r.id]?.diagnoses[r.diagnosed_by]?.loses : undefined;
    if (!r.diagnosed_by || !loses || holds(r.diagnosed_by, loses)) return r;
    const { diagnosis: _d, diagnosed_by: _m, ...rest } = r;
    return rest;
  });
}

/**
 * Names, on each failing item whose more basic item fails too, the item to fix first (instead
 * of its own hint, which would point away from the real mistake); where the rubric forgives
 * downstream failures, such an item keeps its points.
 */
export function attributeRootCauses(lab: Lab, items: ItemResult[], expected: ExpectedBundle): ItemResult[] {
  const rubricItems = new Map(lab.rubric.items.map((it) => [it.id, it]));
  const facts = items.map((r) => ({
    id: r.id,
    exercises: expected.items[r.id]?.exercises ?? [],
    buildsOn: rubricItems.get(r.id)?.builds_on ?? [],
    visible: r.visibility === 'visible',
  }));
  // A stub fails for its own reason (it is not written yet), and a run on the stubs would group
  // every lost point under the first function: neither cause nor consequence.
  const failing = new Set(items.filter((r) => r.status !== 'passed' && r.status !== 'not_implemented' && r.score < r.max_score).map((r) => r.id));
  const roots = rootCauses(facts, failing);
  return items.map((r) => {
    const root = roots.get(r.id);
    if (!root) return r;
    const cause = items.find((x) => x.id === root)!;
    const forgiven = lab.rubric.downstream === 'forgiven';
    const hint = `This probably follows from ${root} (${cause.title}), which fails too: fix that first.${forgiven ? ' This item is not charged for it.' : ''}`;
    return { ...r, root_cause: root, hint, ...(forgiven ? { score: r.max_score } : {}) };
  });
}

function zeroItem(item: Item, status: Status, message: string): ItemResult {
  return { id: item.id, title: item.title, score: 0, max_score: item.points, status, message, visibility: item.visibility, duration_ms: 0, cases: [] };
}

/**
 * One lab of one submission being graded: the student process is started on the first item
 * and reused, item after item. `gradeLab` grades every item; the Jest graders grade one item
 * per test.
 */
export class LabSession {
  /** The items this session grades: those with expected values (a release ships visible ones). */
  readonly items: Item[];
  private readonly proc?: StudentProcess;
  private readonly buildProblem?: { status: 'syntax_error' | 'forbidden_import' | 'forbidden_link'; message: string; notes: string[] };
  private readonly notes: string[] = [];
  private readonly graded: ItemResult[] = [];
  private readonly slow: SlowFunctions;

  constructor(
    readonly lab: Lab,
    private readonly opts: GradeLabOptions,
  ) {
    this.items = lab.rubric.items.filter((it) => it.id in opts.expected.items);
    this.slow = new SlowFunctions(opts.budgets, lab.name);
    const built = buildModules(opts.root, opts.tree, lab.files, lab.opsFile);
    if (built.problems.length) {
      // What could reach the reference decides the lab's status, before any syntax error.
      const first = built.problems.find((p) => p.kind === 'forbidden_link') ?? built.problems.find((p) => p.kind === 'forbidden_import') ?? built.problems[0];
      const where = first.line ? `${first.file}:${first.line}:${first.column}` : first.file;
      this.buildProblem = {
        status: first.kind === 'forbidden_link' || first.kind === 'forbidden_import' ? first.kind : 'syntax_error',
        message: first.kind === 'syntax' ? `syntax error at ${where}: ${first.message}` : first.message,
        notes: built.problems.map((p) => (p.line ? `${p.file}:${p.line}:${p.column} ${p.message}` : p.message)),
      };
      return;
    }
    if (opts.typecheck) this.notes = typeErrors(opts.root, opts.tree, lab.files);
    const load = loadBudget(opts.expected.load_ms, opts.budgets);
    this.proc = new StudentProcess(built.modules, { sandbox: opts.sandbox, memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB, loadTimeoutMs: load.ms, loadTimeoutWhy: load.why, priority: opts.priority });
  }

  /**
   * Starts the student process and loads the lab, as the first item would: so that whether the
   * lab loads at all is known (and a lab that never finishes loading shortens the others' load
   * budget) before another lab of the submission starts.
   */
  async load(): Promise<void> {
    if (!this.proc) return;
    await this.proc.ready(0);
    this.noteNeverLoaded();
  }

  /** A lab that ran out of time loading shortens the load budget of the submission's other labs. */
  private noteNeverLoaded(): void {
    if (this.proc?.loadProblem?.status === 'timed_out' && this.opts.budgets) this.opts.budgets.neverLoaded ??= `lab ${this.lab.name}`;
  }

  async grade(item: Item): Promise<ItemResult> {
    const r = this.proc
      ? await gradeItem(this.proc, item, this.opts.expected.items[item.id], this.slow, this.lab.ops[item.op])
      : zeroItem(item, this.buildProblem!.status, this.buildProblem!.message);
    this.noteNeverLoaded();
    this.graded.push(r);
    this.opts.onItem?.(r);
    return r;
  }

  /** The lab's result from the items graded so far, in rubric order. */
  result(): LabResult {
    const order = new Map(this.items.map((it, i) => [it.id, i]));
    const items = attributeRootCauses(this.lab, consistentDiagnoses([...this.graded].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)), this.opts.expected), this.opts.expected);
    const loadError = items.find((r) => r.status === 'load_error');
    const status = this.buildProblem ? this.buildProblem.status : loadError ? 'load_error' : 'graded';
    return {
      lab: this.lab.name,
      title: this.lab.rubric.title,
      ...(this.lab.rubric.due ? { due: this.lab.rubric.due } : {}),
      ...sumScores(items),
      status,
      message: this.buildProblem?.message ?? loadError?.message ?? '',
      notes: this.buildProblem?.notes ?? this.notes,
      items,
    };
  }

  async close(): Promise<void> {
    await this.proc?.close();
  }
}

/** Grades one lab of one submission; `onLoaded` when its code has loaded (or failed to). Never throws for anything the student's code does. */
export async function gradeLab(lab: Lab, opts: GradeLabOptions, onLoaded?: () => void): Promise<LabResult> {
  const session = new LabSession(lab, opts);
  try {
    await session.load();
    onLoaded?.();
    for (const item of session.items) await session.grade(item);
  } finally {
    await session.close();
  }
  return session.result();
}

export interface GradeOptions {
  /** The harness checkout (rubrics, graders, reference or shipped expected values). */
  root: string;
  /** A folder holding the student's labs/ (default: the harness's own). */
  submission?: string;
  labs?: string[];
  sandbox?: SandboxRequest;
  memoryMb?: number;
  typecheck?: boolean;
  onItem?: (lab: string, item: ItemResult) => void;
  /** Called when a lab starts (progress). */
  onLab?: (lab: string) => void;
  /** How many labs are graded at once, each in its own student process (default 1). */
  concurrency?: number;
}

/**
 * The submission's labs/** over the harness's, so a missing file grades as the stub, and given
 * code (labs/<lab>/provided/) is always the harness's (withoutGivenCode). The
 * submission's files are read without following links (see `submissionFiles`): a file reached
 * through one is refused, reported as `forbidden_link`, and never replaced by the stub. This
 * holds when the submission is the graders' own checkout too (a student's release).
 */
export function submissionTree(root: string, submission: string): SourceTree {
  return path.resolve(submission) === path.resolve(root) ? submissionFiles(root) : overHarness(root, submissionFiles(submission));
}

/**
 * A submission's files (read from its folder, or taken into memory by a batch's intake) over the
 * harness's: a file the submission lacks is the harness's (the stub), and given code always is.
 */
export function overHarness(root: string, files: SourceTree): SourceTree {
  return overlay(withoutGivenCode(files), directoryTree(root));
}

/** A lab's given code: students read it and neither change it nor hand it in (the labs' READMEs). */
const GIVEN_CODE = /^labs\/[^/]+\/provided\//;

/**
 * A submission's files without its copy of the labs' given code (`labs/<lab>/provided/`), which
 * is the harness's: a copy edited (a trainer given more steps) or from an older release (a
 * trainer that does not report its progress) changes nothing.
 */
function withoutGivenCode(tree: SourceTree): SourceTree {
  return {
    read: (rel) => (GIVEN_CODE.test(rel) ? undefined : tree.read(rel)),
    origin: (rel) => tree.origin(rel),
    refusal: (rel) => (GIVEN_CODE.test(rel) ? undefined : tree.refusal?.(rel)),
  };
}

/**
 * Grades every selected lab of one submission, `concurrency` labs at a time (default one), each
 * in its own student process, the longest (by the reference's time) first; the results are in
 * the order of the selection whatever the order the labs finished in.
 */
export async function gradeSubmission(opts: GradeOptions): Promise<Results> {
  const root = path.resolve(opts.root);
  const submission = path.resolve(opts.submission ?? root);
  const sandbox = resolveSandbox(opts.sandbox ?? 'auto');
  const tree = submissionTree(root, submission);
  const budgets: SubmissionBudgets = {};
  const labs: Array<{ lab: Lab; expected: ExpectedBundle }> = [];
  for (const name of selectLabs(root, opts.labs)) {
    const lab = loadLab(root, name);
    labs.push({ lab, expected: await expectedFor(root, lab) });
  }
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  // One at a time keeps the selection's order; several start with the longest.
  const queue = concurrency > 1 ? [...labs].sort((a, b) => referenceCostMs(b.expected) - referenceCostMs(a.expected)) : labs;
  const graded = new Map<string, LabResult>();
  // The other labs start once the first has loaded (or failed to): a lab whose shared code
  // never finishes loading costs one load budget per submission, not one per lab at once.
  let firstLoaded!: () => void;
  const first = new Promise<void>((resolve) => (firstLoaded = resolve));
  await mapLimit(
    queue,
    concurrency,
    async ({ lab, expected }) => {
      opts.onLab?.(lab.name);
      try {
        graded.set(lab.name, await gradeLab(lab, { root, tree, sandbox, memoryMb: opts.memoryMb, expected, typecheck: opts.typecheck, budgets, onItem: (r) => opts.onItem?.(lab.name, r) }, firstLoaded));
      } finally {
        firstLoaded(); // also when it threw
      }
    },
    first,
  );
  return resultsOf(path.relative(process.cwd(), submission) || '.', sandbox, labs.map(({ lab }) => graded.get(lab.name)!));
}
