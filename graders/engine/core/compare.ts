/**
 * Comparing a student's value with an expected one, elementwise:
 *
 *     |actual - expected| <= atol + rtol * |expected|
 *
 * after checking kinds and shapes. Non-finite numbers follow one explicit policy:
 * - expected finite, actual NaN or +-Inf: `not_finite` (a blow-up, reported apart from a wrong value);
 * - expected +-Inf: actual must be the same infinity;
 * - expected NaN: actual must be NaN too (a mutant's NaN output matches a student's NaN).
 * Records compare key by key (every expected key must be present; extra keys are ignored),
 * arrays element by element. A number and a shape-[] tensor are the same thing.
 */
import { toJsonNumber } from './json-number';
import type { MismatchData } from './results';
import { TensorValue, Value, describeKind, isRecord, isTensor, unravel } from './values';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Defaults against the reference implementation. */
export const REFERENCE_TOLERANCE: Tolerance = { rtol: 1e-6, atol: 1e-9 };

export type Mismatch =
  | { kind: 'missing'; path: string }
  | { kind: 'wrong_type'; path: string; expected: string; actual: string }
  | { kind: 'wrong_shape'; path: string; expected: number[]; actual: number[] }
  | ({ kind: 'not_finite' | 'wrong_value' } & ElementReport);

export interface ElementReport {
  path: string;
  shape: number[];
  /** Index of the worst element (largest error beyond tolerance, or the first non-finite one). */
  index: number[];
  expected: number;
  actual: number;
  maxAbs: number;
  maxRel: number;
  /** Elements out of tolerance, and all elements. */
  off: number;
  total: number;
}

export interface Comparison {
  ok: boolean;
  mismatches: Mismatch[];
}

function asTensor(v: Value): TensorValue | undefined {
  if (isTensor(v)) return v;
  if (typeof v === 'number') return { shape: [], data: Float64Array.of(v) };
  return undefined;
}

function compareTensors(path: string, e: TensorValue, a: TensorValue, tol: Tolerance): Mismatch | undefined {
  if (e.shape.length !== a.shape.length || e.shape.some((d, i) => d !== a.shape[i])) {
    return { kind: 'wrong_shape', path, expected: e.shape, actual: a.shape };
  }
  let off = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  let firstNonFinite = -1;
  for (let i = 0; i < e.data.length; i++) {
    const x = e.data[i];
    const y = a.data[i];
    let bad: boolean;
    let excess: number;
    if (Number.isNaN(x)) {
      bad = !Number.isNaN(y);
      excess = bad ? Infinity : 0;
    } else if (!Number.isFinite(x)) {
      bad = x !== y;
      excess = bad ? Infinity : 0;
    } else if (!Number.isFinite(y)) {
      bad = true;
      excess = Infinity;
      if (firstNonFinite < 0) firstNonFinite = i;
    } else {
      const abs = Math.abs(y - x);
      const rel = x === 0 ? (abs === 0 ? 0 : Infinity) : abs / Math.abs(x);
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, rel);
      excess = abs - (tol.atol + tol.rtol * Math.abs(x));
      bad = excess > 0;
    }
    if (bad) {
      off++;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (off === 0) return undefined;
  const at = firstNonFinite >= 0 ? firstNonFinite : worst;
  return {
    kind: firstNonFinite >= 0 ? 'not_finite' : 'wrong_value',
    path,
    shape: e.shape,
    index: unravel(at, e.shape),
    expected: e.data[at],
    actual: a.data[at],
    maxAbs,
    maxRel,
    off,
    total: e.data.length,
  };
}

function walk(path: string, e: Value, a: Value | undefined, tol: Tolerance, out: Mismatch[]): void {
  if (a === undefined) {
    out.push({ kind: 'missing', path });
    return;
  }
  const et = asTensor(e);
  if (et) {
    const at = asTensor(a);
    if (!at) {
      out.push({ kind: 'wrong_type', path, expected: describeKind(e), actual: describeKind(a) });
      return;
    }
    const m = compareTensors(path, et, at, tol);
    if (m) out.push(m);
    return;
  }
  if (Array.isArray(e)) {
    if (!Array.isArray(a) || a.length !== e.length) {
      out.push({ kind: 'wrong_type', path, expected: describeKind(e), actual: describeKind(a) });
      return;
    }
    e.forEach((x, i) => walk(`${path}[${i}]`, x, a[i], tol, out));
    return;
  }
  if (isRecord(e)) {
    if (!isRecord(a)) {
      out.push({ kind: 'wrong_type', path, expected: describeKind(e), actual: describeKind(a) });
      return;
    }
    for (const key of Object.keys(e)) walk(path ? `${path}.${key}` : key, e[key], a[key], tol, out);
    return;
  }
  if (!Object.is(e, a)) out.push({ kind: 'wrong_type', path, expected: JSON.stringify(e), actual: JSON.stringify(a) });
}

/** Compares every part of `expected` with the same part of `actual`. */
export function compareValues(expected: Value, actual: Value | undefined, tol: Tolerance): Comparison {
  const mismatches: Mismatch[] = [];
  walk('', expected, actual, tol, mismatches);
  return { ok: mismatches.length === 0, mismatches };
}

/** Largest absolute and relative error of every numeric part, whether or not it is within tolerance. */
export function measureErrors(expected: Value, actual: Value | undefined): Array<{ path: string; maxAbs: number; maxRel: number }> {
  const out: Array<{ path: string; maxAbs: number; maxRel: number }> = [];
  const visit = (path: string, e: Value, a: Value | undefined) => {
    const et = asTensor(e);
    if (et) {
      const at = a === undefined ? undefined : asTensor(a);
      if (!at || at.data.length !== et.data.length) return out.push({ path, maxAbs: NaN, maxRel: NaN });
      let maxAbs = 0;
      let maxRel = 0;
      for (let i = 0; i < et.data.length; i++) {
        const x = et.data[i];
        const y = at.data[i];
        if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
        const abs = Math.abs(y - x);
        maxAbs = Math.max(maxAbs, Number.isNaN(abs) ? Infinity : abs);
        maxRel = Math.max(maxRel, x === 0 ? (abs === 0 ? 0 : Infinity) : abs / Math.abs(x));
      }
      return out.push({ path, maxAbs, maxRel });
    }
    if (Array.isArray(e)) return e.forEach((x, i) => visit(`${path}[${i}]`, x, Array.isArray(a) ? a[i] : undefined));
    if (isRecord(e)) return Object.keys(e).forEach((k) => visit(path ? `${path}.${k}` : k, e[k], isRecord(a) ? a[k] : undefined));
  };
  visit('', expected, actual);
  return out;
}

/** A mismatch as the results file keeps it (results.ts), with the tolerance it was held to; words come from graders/emit/case-text.ts. */
export function mismatchData(m: Mismatch, tolerance: Tolerance): MismatchData {
  if (m.kind === 'missing' || m.kind === 'wrong_type' || m.kind === 'wrong_shape') return m;
  return {
    kind: m.kind,
    path: m.path,
    shape: m.shape,
    index: m.index,
    expected: toJsonNumber(m.expected),
    actual: toJsonNumber(m.actual),
    max_abs_error: toJsonNumber(m.maxAbs),
    max_rel_error: toJsonNumber(m.maxRel),
    elements_off: m.off,
    elements: m.total,
    tolerance: { rtol: tolerance.rtol, atol: tolerance.atol },
  };
}

/** The status a failed comparison earns. */
export function mismatchStatus(ms: Mismatch[]): 'wrong_shape' | 'wrong_type' | 'not_finite' | 'wrong_value' {
  if (ms.some((m) => m.kind === 'wrong_type' || m.kind === 'missing')) return 'wrong_type';
  if (ms.some((m) => m.kind === 'wrong_shape')) return 'wrong_shape';
  if (ms.some((m) => m.kind === 'not_finite')) return 'not_finite';
  return 'wrong_value';
}
