/**
 * How a grader calls a lab: each lab's `graders/<lab>.ops.ts` exports `ops`, one entry per
 * operation (named as in the oracle files: `sigmoid`, `lstm`, `multi_head`, ...). An op says
 * which of the lab's exports it uses, how to draw its inputs, and how to run its forward and
 * backward on a lab module: the student's, the reference or a mutant.
 *
 * An ops file is loaded in two places: by the grader (for `inputs`/`generate`) and inside the
 * student process (for `forward`/`backward`). So it must import nothing at run time: types
 * only (`import type`). Inputs arrive as plain data: tensors are {shape, data: Float64Array}
 * (Int32Array for ids and targets, Uint8Array for masks), which is the labs' Tensor type.
 */
import type { Rng } from '../../../labs/common/rng';
import type { Params } from './rubric';
import type { Values } from './values';

/** A dimension: a number, a case parameter (`T`) or a small expression of them (`4*H`, `d/h`). */
export type Dim = number | string;

export interface InputSpec {
  shape: Dim[];
  dtype?: 'float' | 'int';
  /** int: integers in [low, high); float: uniform in [low, high) instead of normal draws. */
  range?: [Dim, Dim];
  /** Standard deviation of normal float draws (times the case's `scale`); default 1. */
  scale?: number;
}

// The lab and its inputs are typed by each ops file; here they are whatever it declares.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface OpDef<Lab = any> {
  /** The lab exports each stage calls; a missing one is reported as `missing_export`. */
  uses: { forward: Array<keyof Lab & string>; backward?: Array<keyof Lab & string> };
  /** How to draw inputs from a seed (see `generate` for anything these cannot say). */
  inputs?: Record<string, InputSpec>;
  /** Draws inputs with full control; runs in the grader only. */
  generate?(rng: Rng, params: Params): Values;
  /** Outputs that get an upstream gradient in a backward check (default: every float output). */
  upstream?: string[];
  /** Named outputs; tensors may be the labs' Tensor type (the student process makes them plain). */
  forward(lab: Lab, inputs: any, params: any): Record<string, unknown>;
  /** Gradients named after the inputs they belong to. */
  backward?(lab: Lab, inputs: any, params: any, upstream: any): Record<string, unknown>;
  /**
   * Runs in the grader only, on every answer of a forward check (the reference's, each
   * mutant's, the student's) before it is compared or bounded: numbers the grader computes from
   * what the code returned, such as the accuracy of returned weights on held-out data whose
   * targets the student process never receives. Its outputs join the answer's.
   */
  evaluate?(outputs: any, inputs: any, params: any): Record<string, unknown>;
}

export type Ops<Lab = any> = Record<string, OpDef<Lab>>;
/* eslint-enable @typescript-eslint/no-explicit-any */
