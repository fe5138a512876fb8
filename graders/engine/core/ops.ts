/**
 * How a grader calls a lab, in two files per lab, one per runtime:
 *
 * - `graders/<lab>.ops.ts` exports `ops`, one entry per operation (named as in the oracle
 *   files: `sigmoid`, `lstm`, `multi_head`, ...): which of the lab's exports it uses, its
 *   input specs, and how to run its forward and backward on a lab module (the student's, the
 *   reference or a mutant). It runs INSIDE the student process, so its only runtime import is
 *   the kit (`graders/engine/kit.ts`); everything else is `import type`. Building the student
 *   process's modules enforces this (host/modules.ts).
 * - `graders/<lab>.inputs.ts` (optional) exports `inputs`, by op name: `generate` (drawing a
 *   case's inputs with full control) and `evaluate` (numbers computed from an answer). It runs
 *   in the grader only and may import anything (labs/common's Rng, a provided file's data).
 *
 * Inputs arrive as plain data: tensors are {shape, data: Float64Array} (Int32Array for ids and
 * targets, Uint8Array for masks), which is the labs' Tensor type.
 */
import type { IntTensor, Tensor } from '../../../labs/common/tensor';
import type { Rng } from '../../../labs/common/rng';
import type { Values } from './values';

/** A dimension: a number, a case parameter (`T`) or a small expression of them (`4*H`, `d/h`). */
export type Dim = number | string;

export interface InputSpec {
  shape: readonly Dim[];
  dtype?: 'float' | 'int';
  /** int: integers in [low, high); float: uniform in [low, high) instead of normal draws. */
  range?: readonly [Dim, Dim];
  /** Standard deviation of normal float draws (times the case's `scale`); default 1. */
  scale?: number;
}

export type InputSpecs = Record<string, InputSpec>;

/** What one input spec draws: an IntTensor for `dtype: 'int'`, else a Tensor. */
export type InputOf<S> = S extends { dtype: 'int' } ? IntTensor : Tensor;

/** The inputs an op's callbacks get, typed from its input specs (see the kit's `op`). */
export type InputsOf<I> = { [K in keyof I]: InputOf<I[K]> };

/*
 * What TypeScript cannot type from a spec is named here: inputs drawn by a grader-side
 * `generate` or read from a fixture (any names and values), a case's free-form params and the
 * upstream gradients (numbers or tensors named after outputs).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type DrawnInputs = Record<string, any>;
export type CaseParams = Record<string, any>;
export type Upstream = Record<string, any>;

/** The student-side part of an op: calls only. Runs in the student process. */
export interface OpCalls<Lab = any, In = DrawnInputs> {
  /** The lab exports each stage calls; a missing one is reported as `missing_export`. */
  uses: { forward: Array<keyof Lab & string>; backward?: Array<keyof Lab & string> };
  /** How to draw inputs from a seed (an op with a grader-side `generate` has none). */
  inputs?: InputSpecs;
  /** Outputs that get an upstream gradient in a backward check (default: every float output). */
  upstream?: string[];
  /** Named outputs; tensors may be the labs' Tensor type (the student process makes them plain). */
  forward(lab: Lab, inputs: In, params: CaseParams): Record<string, unknown>;
  /**
   * Gradients named after the inputs they belong to (every one the lab computes: a rubric item's
   * `grads` says which of them it compares).
   */
  backward?(lab: Lab, inputs: In, params: CaseParams, upstream: Upstream): Record<string, unknown>;
}

/** The grader-side part of an op (`graders/<lab>.inputs.ts`): never sent to the student process. */
export interface OpInputs {
  /** Draws inputs with full control (instead of the op's input specs). */
  generate?(rng: Rng, params: CaseParams): Values;
  /**
   * Runs on every answer of a forward check (the reference's, each mutant's, the student's)
   * before it is compared or bounded: numbers the grader computes from what the code returned,
   * such as the accuracy of returned weights on held-out data whose targets the student
   * process never receives. Its outputs join the answer's.
   */
  evaluate?(outputs: any, inputs: any, params: CaseParams): Record<string, unknown>;
}

/** An op as the engine sees it: its calls and, when the lab has an inputs file, its grader side. */
export type OpDef<Lab = any> = OpCalls<Lab, any> & OpInputs;

/** What `graders/<lab>.ops.ts` exports as `ops`. */
export type Ops<Lab = any> = Record<string, OpCalls<Lab, any>>;

/** What `graders/<lab>.inputs.ts` exports as `inputs`: the grader side of some ops, by op name. */
export type GraderInputs = Record<string, OpInputs>;
/* eslint-enable @typescript-eslint/no-explicit-any */
