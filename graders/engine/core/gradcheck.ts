/**
 * The second gradient oracle: a student's backward against central differences of the
 * student's own forward, with PyTorch gradcheck's defaults (eps 1e-6, atol 1e-5, rtol 1e-3).
 *
 * Everything is measured on the scalar the backward pass differentiates,
 *     L(inputs) = sum over outputs o of sum(forward(inputs)[o] * upstream[o]),
 * so dL/d(input) is exactly what backward(inputs, upstream) returns.
 * - full mode: every element, dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / 2 eps;
 * - fast mode (PyTorch's fast_mode): a few random unit directions u over all inputs at once,
 *   comparing v^T J u (v = upstream) from differences with the analytic sum(grad * u).
 * The forward runs elsewhere (the student process); this module only plans and checks.
 */
import { Rng } from '../../../labs/common/rng';
import { JsonNumber, toJsonNumber } from './json-number';
import type { GradcheckVerdict } from './results';
import { Value, Values, isFloatTensor, isTensor, unravel } from './values';

export interface GradcheckSettings {
  /** Run this oracle at all. */
  numeric: boolean;
  eps: number;
  atol: number;
  rtol: number;
  /** full: every element; fast: random projections; auto: full up to `max_full` elements. */
  mode: 'auto' | 'full' | 'fast';
  max_full: number;
  projections: number;
}

export const GRADCHECK_DEFAULTS: GradcheckSettings = { numeric: true, eps: 1e-6, atol: 1e-5, rtol: 1e-3, mode: 'auto', max_full: 256, projections: 3 };

/** Runs the forward on many input sets; resolves to each one's outputs. */
export type BatchForward = (batch: Values[]) => Promise<Values[]>;

/** sum over o of sum(outputs[o] * upstream[o]); NaN when an output is missing or malformed. */
export function upstreamLoss(outputs: Values, upstream: Values): number {
  let total = 0;
  for (const [key, up] of Object.entries(upstream)) total += dot(outputs[key], up);
  return total;
}

function dot(a: Value | undefined, b: Value): number {
  if (typeof b === 'number') return typeof a === 'number' ? a * b : isTensor(a) && a.data.length === 1 ? a.data[0] * b : NaN;
  if (isTensor(b)) {
    if (typeof a === 'number' && b.data.length === 1) return a * b.data[0];
    if (!isTensor(a) || a.data.length !== b.data.length) return NaN;
    let s = 0;
    for (let i = 0; i < b.data.length; i++) s += a.data[i] * b.data[i];
    return s;
  }
  return NaN;
}

/** A differentiable input: a float tensor or a plain number. */
interface Slot {
  name: string;
  size: number;
  shape: number[];
  get(v: Values, i: number): number;
  set(v: Values, i: number, x: number): void;
}

function slotsOf(inputs: Values, wrt: string[]): Slot[] {
  const slots: Slot[] = [];
  for (const name of wrt) {
    const v = inputs[name];
    if (typeof v === 'number') {
      slots.push({ name, size: 1, shape: [], get: (vs) => vs[name] as number, set: (vs, _i, x) => void (vs[name] = x) });
    } else if (isFloatTensor(v)) {
      slots.push({
        name,
        size: v.data.length,
        shape: v.shape,
        get: (vs, i) => (vs[name] as { data: Float64Array }).data[i],
        set: (vs, i, x) => void ((vs[name] as { data: Float64Array }).data[i] = x),
      });
    }
  }
  return slots;
}

function withChanges(inputs: Values, slots: Slot[], changes: Array<[slot: number, index: number, delta: number]>): Values {
  const touched = new Set(changes.map(([s]) => slots[s].name));
  const copy: Values = { ...inputs };
  for (const name of touched) {
    const v = inputs[name];
    copy[name] = isTensor(v) ? { shape: v.shape, data: v.data.slice() } : v;
  }
  for (const [s, i, delta] of changes) slots[s].set(copy, i, slots[s].get(inputs, i) + delta);
  return copy;
}

/** The verdict, as data (results.ts); graders/emit/case-text.ts says it in words. */
export type GradcheckResult = GradcheckVerdict;

/** One check: `grads` (a backward's) against finite differences of `forward` around `inputs`. */
export interface GradcheckRequest {
  forward: BatchForward;
  inputs: Values;
  /** The upstream gradient of each output: what makes the scalar L that is differentiated. */
  upstream: Values;
  grads: Values;
  /** The inputs whose gradients are checked. */
  wrt: string[];
  settings: GradcheckSettings;
  /** Of the random directions (fast mode). */
  seed: number;
}

/** A request with its differentiable inputs found. */
interface Check extends GradcheckRequest {
  slots: Slot[];
}

function analyticAt(grads: Values, slot: Slot, i: number): number {
  const g = grads[slot.name];
  if (typeof g === 'number') return g;
  if (isTensor(g) && g.data.length === slot.size) return g.data[i];
  return NaN;
}

function within(s: GradcheckSettings, numeric: number, analytic: number): boolean {
  return Math.abs(numeric - analytic) <= s.atol + s.rtol * Math.abs(numeric) && Number.isFinite(analytic);
}

/** Checks `grads` against finite differences of `forward` around `inputs`, for the inputs named in `wrt`. */
export async function gradcheck(request: GradcheckRequest): Promise<GradcheckResult> {
  const c: Check = { ...request, slots: slotsOf(request.inputs, request.wrt) };
  const size = c.slots.reduce((n, sl) => n + sl.size, 0);
  // Nothing to differentiate is no agreement: say so rather than pass (a gradient returned
  // under a name that is not an input would otherwise check 0 elements and look fine).
  if (size === 0) return { agrees: false, mode: 'full', checked: 0, problem: 'nothing_to_check', inputs: request.wrt };
  const s = c.settings;
  const mode = s.mode === 'auto' ? (size <= s.max_full ? 'full' : 'fast') : s.mode;
  if (mode === 'full') return fullCheck(c);
  const fast = await projectionCheck(c, c.slots.map((_, k) => k), s.projections, c.seed);
  if (fast.failures.length === 0) return { agrees: true, mode, checked: fast.directions };
  const named = await nameDisagreeing(c);
  return {
    agrees: false,
    mode,
    checked: fast.directions,
    direction: { ...fast.failures[0], disagreeing: fast.failures.length },
    ...(named.names.length ? { disagreeing: named.names } : {}),
    ...(named.worst ? { worst: named.worst } : {}),
  };
}

/** Every element of every slot, one pair of forward runs each. */
async function fullCheck(c: Check): Promise<GradcheckResult> {
  const { slots, settings: s } = c;
  const size = slots.reduce((n, sl) => n + sl.size, 0);
  const batch: Values[] = [];
  slots.forEach((sl, k) => {
    for (let i = 0; i < sl.size; i++) batch.push(withChanges(c.inputs, slots, [[k, i, s.eps]]), withChanges(c.inputs, slots, [[k, i, -s.eps]]));
  });
  const losses = (await c.forward(batch)).map((o) => upstreamLoss(o, c.upstream));
  let at = 0;
  let worst: (NonNullable<GradcheckResult['worst']> & { excess: number }) | undefined;
  let off = 0;
  const disagreeing = new Set<string>();
  slots.forEach((sl) => {
    for (let i = 0; i < sl.size; i++, at += 2) {
      const numeric = (losses[at] - losses[at + 1]) / (2 * s.eps);
      const analytic = analyticAt(c.grads, sl, i);
      if (within(s, numeric, analytic)) continue;
      off++;
      disagreeing.add(sl.name);
      const excess = Math.abs(numeric - analytic) - s.atol - s.rtol * Math.abs(numeric);
      if (!worst || !(excess <= worst.excess)) {
        worst = { input: sl.name, index: unravel(i, sl.shape), backward: toJsonNumber(analytic), finite_differences: toJsonNumber(numeric), excess };
      }
    }
  });
  if (!worst) return { agrees: true, mode: 'full', checked: size };
  const { excess: _excess, ...found } = worst;
  return { agrees: false, mode: 'full', checked: size, elements_off: off, disagreeing: [...disagreeing], worst: found };
}

/** `count` random unit directions over the chosen slots: v^T J u from differences against sum(grad * u). */
async function projectionCheck(c: Check, chosen: number[], count: number, seed: number) {
  const { slots, settings: s } = c;
  const rng = new Rng(seed);
  const directions: Array<Array<[number, number, number]>> = [];
  const analytic: number[] = [];
  for (let p = 0; p < count; p++) {
    const raw: Array<[number, number, number]> = [];
    let norm = 0;
    for (const k of chosen) {
      for (let i = 0; i < slots[k].size; i++) {
        const u = rng.normal();
        norm += u * u;
        raw.push([k, i, u]);
      }
    }
    norm = Math.sqrt(norm);
    const unit = raw.map(([k, i, u]) => [k, i, u / norm] as [number, number, number]);
    directions.push(unit);
    analytic.push(unit.reduce((acc, [k, i, u]) => acc + analyticAt(c.grads, slots[k], i) * u, 0));
  }
  const batch = directions.flatMap((u) => [
    withChanges(c.inputs, slots, u.map(([k, i, x]) => [k, i, s.eps * x])),
    withChanges(c.inputs, slots, u.map(([k, i, x]) => [k, i, -s.eps * x])),
  ]);
  const losses = (await c.forward(batch)).map((o) => upstreamLoss(o, c.upstream));
  const failures: Array<{ number: number; backward: JsonNumber; finite_differences: JsonNumber }> = [];
  directions.forEach((_, p) => {
    const numeric = (losses[2 * p] - losses[2 * p + 1]) / (2 * s.eps);
    if (!within(s, numeric, analytic[p])) failures.push({ number: p + 1, backward: toJsonNumber(analytic[p]), finite_differences: toJsonNumber(numeric) });
  });
  return { failures, directions: directions.length };
}

/**
 * After a projection over all inputs disagrees: which inputs' gradients disagree, each checked
 * along a direction of its own, and the worst element of the first small one among them.
 */
async function nameDisagreeing(c: Check): Promise<{ names: string[]; worst?: GradcheckResult['worst'] }> {
  const names: string[] = [];
  for (const [k, sl] of c.slots.entries()) {
    const own = await projectionCheck(c, [k], 1, c.seed + 7919 * (k + 1));
    if (own.failures.length) names.push(sl.name);
  }
  const small = c.slots.find((sl) => names.includes(sl.name) && sl.size <= c.settings.max_full);
  const worst = small ? (await fullCheck({ ...c, slots: [small] })).worst : undefined;
  return { names, ...(worst ? { worst } : {}) };
}
