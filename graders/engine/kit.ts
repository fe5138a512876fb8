/**
 * The lab author's kit: the ONLY runtime import a `graders/<lab>.ops.ts` file may have (the
 * engine refuses to build one that imports anything else, see host/modules.ts). It is shipped
 * into the student process with the ops file, so it imports nothing at run time itself and
 * holds pure helpers only: typing an op from its input specs, sizes, scalars, small tensor
 * arithmetic, shape checks of what lab code returned, and a seeded generator for draws that
 * must happen inside the student process. Grader-side files (`graders/<lab>.inputs.ts`) may
 * use it too.
 */
import type { IntTensor, Tensor } from '../../labs/common/tensor';
import type { InputSpecs, InputsOf, OpCalls } from './core/ops';

export type { CaseParams, DrawnInputs, GraderInputs, InputSpec, InputSpecs, InputsOf, OpCalls, OpDef, OpInputs, Ops, Upstream } from './core/ops';

/**
 * An op whose callbacks are typed from its input specs: `inputs: { x: {...}, t: {..., dtype:
 * 'int'} }` makes `forward(lab, { x, t })` get a Tensor and an IntTensor, and a name that is
 * not among the specs a type error. (The object itself is returned.)
 */
export function op<Lab, const I extends InputSpecs>(def: OpCalls<Lab, InputsOf<I>> & { inputs: I }): OpCalls<Lab, InputsOf<I>> {
  return def;
}

/** A float tensor as drawn or built here: assignable to the labs' Tensor and to the engine's values. */
export interface FloatData {
  shape: number[];
  data: Float64Array;
}

export interface IntData {
  shape: number[];
  data: Int32Array;
}

/** Number of elements of a shape; a scalar (shape []) has one. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The sum of some numbers. */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

/** A number from a number or a one-element tensor (an upstream gradient of a scalar output, a loss); throws a readable error otherwise. */
export function scalarOf(v: unknown, what = 'a number'): number {
  if (typeof v === 'number') return v;
  const t = v as { data?: ArrayLike<number> } | null | undefined;
  if (t && t.data && t.data.length === 1) return Number(t.data[0]);
  throw new Error(`expected ${what}, got ${JSON.stringify(v)?.slice(0, 80)}`);
}

export function zeros(shape: readonly number[]): FloatData {
  return { shape: [...shape], data: new Float64Array(numel(shape)) };
}

/** A copy (lab code may change its inputs' tensors in place). */
export function copy(t: Tensor): FloatData {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

/** a - b, elementwise (same shapes). */
export function minus(a: Tensor, b: Tensor): FloatData {
  return { shape: [...a.shape], data: a.data.map((v, i) => v - b.data[i]) };
}

/** t * factor; anything that is not a float tensor is returned as it is (the comparison then says what it is). */
export function scaled(t: Tensor, factor: number): Tensor;
export function scaled(t: unknown, factor: number): unknown;
export function scaled(t: unknown, factor: number): unknown {
  const x = t as Tensor | undefined;
  if (factor === 1 || !x || typeof x !== 'object' || !(x.data instanceof Float64Array)) return t;
  return { shape: x.shape, data: x.data.map((v) => v * factor) };
}

// ----- what lab code returned ----------------------------------------------------------------------

export function sameShape(t: { shape?: readonly number[] } | undefined, shape: readonly number[]): boolean {
  return t !== undefined && t !== null && Array.isArray(t.shape) && t.shape.length === shape.length && shape.every((d, k) => t.shape![k] === d);
}

/** `t` itself, or a readable error naming `what` when it does not have the expected shape. */
export function expectShape(t: Tensor | undefined, shape: readonly number[], what: string): Tensor {
  if (!sameShape(t, shape)) throw new Error(`${what} should have shape [${shape.join(', ')}], got ${t?.shape ? `[${t.shape.join(', ')}]` : String(t)}`);
  return t!;
}

/** `t` itself, or a readable error unless it is a tensor (of any shape). */
export function expectTensor(t: Tensor | undefined, what: string): Tensor {
  if (!t || !Array.isArray(t.shape) || !t.data) throw new Error(`${what} should be a tensor, got ${String(t)}`);
  return t;
}

// ----- drawing numbers -------------------------------------------------------------------------------

/** What drawing needs of a generator: labs/common's Rng, or `seededRng`. */
export interface Draws {
  uniform(): number;
  normal(): number;
  int(n: number): number;
  normals(n: number, std?: number): Float64Array;
}

/**
 * The labs' Rng (labs/common/rng.ts: mulberry32, Box-Muller), number for number, for draws
 * inside the student process (a training set), where lab files cannot be imported.
 */
export function seededRng(seed: number): Draws {
  let state = seed >>> 0;
  const uniform = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const normals = (n: number, std = 1) => Float64Array.from({ length: n }, () => std * normal());
  return { uniform, normal, int: (n) => Math.floor(uniform() * n), normals };
}

/** A tensor of normal draws with standard deviation `std` around `mean`. */
export function normal(rng: Pick<Draws, 'normals'>, shape: number[], std = 1, mean = 0): FloatData {
  const data = rng.normals(numel(shape), std);
  if (mean !== 0) for (let i = 0; i < data.length; i++) data[i] += mean;
  return { shape, data };
}

/** A tensor of integers uniform in [0, high). */
export function ints(rng: Pick<Draws, 'int'>, shape: number[], high: number): IntData {
  return { shape, data: Int32Array.from({ length: numel(shape) }, () => rng.int(high)) };
}

export type { IntTensor, Tensor };

/**
 * Reports progress of a long call: hand it to given code that runs many steps (a provided
 * trainer's `onProgress`), which calls it once before its first step and after each. The
 * grader then stops a call that goes far longer without a report than the reference ever did
 * (a loop the training reached), instead of waiting out the whole budget of a training run. A
 * call that never reports is never stopped for it. Outside the student process it does nothing.
 */
export function progress(): void {
  const report = (globalThis as { __gradecheckProgress?: unknown }).__gradecheckProgress;
  if (typeof report === 'function') report();
}
