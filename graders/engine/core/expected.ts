/**
 * What a lab's items expect: for every item and case, the inputs, the upstream gradient, the
 * reference's outputs and gradients, and each named mutant's answer (for diagnoses). It is
 * computed once by running the reference and the mutants (trusted code, in their own
 * processes) and cached on disk, keyed by the content of everything it depends on. A student
 * release ships it precomputed (visible items only) instead of the reference.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from './errors';
import type { Lab } from './labs';
import type { OpDef } from './ops';
import type { Params } from './rubric';
import { Values, fromJson, toJson } from './values';

export const EXPECTED_FORMAT = 'gradecheck/expected';
export const EXPECTED_VERSION = 2;

export interface MutantAnswer {
  /** The mutant's value for the item's check (outputs or gradients), when it ran. */
  value?: Values;
  failure?: string;
}

export interface ExpectedCase {
  label: string;
  seed: number;
  inputs: Values;
  params: Params;
  /** Reference outputs. */
  outputs: Values;
  /** Backward checks: the upstream gradient and the reference's gradients. */
  upstream?: Values;
  grads?: Values;
  mutants: Record<string, MutantAnswer>;
  /** How long the reference took on this case, in ms: the item's check, and its forward. */
  ms?: number;
  forward_ms?: number;
  /**
   * When the reference's call reported progress (a training run's steps, see kit.progress): how
   * long it went from each report to the next (the last: to its end), in ms. A student's call
   * is stopped when it goes far longer (budgets.ts stallBudget).
   */
  gaps_ms?: number[];
}

export interface ExpectedItem {
  cases: ExpectedCase[];
  /** The diagnoses of the mutants this item names, and the items each mutant changes. */
  diagnoses: Record<string, { title: string; diagnosis: string; loses?: string[] }>;
  /** The lab functions the item runs: its op's `uses` and what they call in the reference. */
  exercises?: string[];
}

export interface ExpectedBundle {
  format: typeof EXPECTED_FORMAT;
  version: number;
  lab: string;
  key: string;
  /** How long the reference took to start and load, in ms: its computing time where the machine can tell (Linux), else wall-clock time. */
  load_ms?: number;
  items: Record<string, ExpectedItem>;
}

/** How long the reference took on all of a lab's cases, in ms: which lab to start first when several run at once. */
export function referenceCostMs(bundle: ExpectedBundle): number {
  return Object.values(bundle.items).reduce((s, item) => s + item.cases.reduce((t, c) => t + (c.ms ?? 0), 0), 0);
}

/**
 * A forward answer with what the op's grader-side `evaluate` computes from it joined in (see
 * ops.ts); the answer itself when the op has none. Throws what `evaluate` throws.
 */
export function evaluated(op: OpDef, value: Values, inputs: Values, params: Params): Values {
  return op.evaluate ? { ...value, ...(op.evaluate(value, inputs, params) as Values) } : value;
}

// ----- files ------------------------------------------------------------------------------------

export function writeExpected(file: string, bundle: ExpectedBundle): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(toJson(bundle as unknown as Values)));
  fs.renameSync(tmp, file);
}

export function readExpected(file: string): ExpectedBundle {
  const bundle = fromJson(JSON.parse(fs.readFileSync(file, 'utf8'))) as unknown as ExpectedBundle;
  if (bundle.format !== EXPECTED_FORMAT || bundle.version !== EXPECTED_VERSION) throw new Error(`${file} is not a gradecheck expected-values file of version ${EXPECTED_VERSION}`);
  return bundle;
}

/** Where a shipped (release) bundle lives. */
export function shippedExpectedPath(root: string, lab: string): string {
  return path.join(root, 'graders', 'expected', `${lab}.json`);
}

/**
 * The authoring side, which computes expected values by running the reference and the mutants.
 * Loaded by path only where reference/ exists, so that a student release (which has shipped
 * values instead) neither needs nor ships it: the release's import closure refuses
 * graders/engine/authoring/.
 */
function computing(): { cachedExpected(root: string, lab: Lab): Promise<ExpectedBundle> } {
  return require(path.join(__dirname, '..', 'authoring', 'expected-values'));
}

const shippedBundles = new Map<string, ExpectedBundle>();

/**
 * The expected values for a lab: computed from reference/ when the harness has it (cached in
 * node_modules/.cache/gradecheck), else the shipped file of a student release.
 */
export function expectedFor(root: string, lab: Lab): Promise<ExpectedBundle> {
  if (!fs.existsSync(path.join(root, 'reference', lab.name))) {
    try {
      return Promise.resolve(shippedExpected(root, lab.name));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return computing().cachedExpected(root, lab);
}

/**
 * The shipped expected values of a student release's lab, read once; by the lab's name alone, so
 * that a run can order its labs before loading them. Throws no_expected when there are none.
 */
export function shippedExpected(root: string, lab: string): ExpectedBundle {
  const shipped = shippedExpectedPath(root, lab);
  let bundle = shippedBundles.get(shipped);
  if (bundle) return bundle;
  if (!fs.existsSync(shipped)) throw new InputError('no_expected', `no reference/${lab} and no ${path.relative(root, shipped)}: nothing to grade against`);
  shippedBundles.set(shipped, (bundle = readExpected(shipped)));
  return bundle;
}
