/**
 * What a case found, in words: the one place where results' findings (results.ts: mismatches,
 * the gradient verdict, bounds) become text. Every writer (the score table, feedback.md, the
 * Jest failure, GitHub Classroom, Classroom 50, Gradescope, the batch summary, the class report)
 * takes an item's words from `itemMessage`, so they all say the same thing, from the fields.
 *
 * The words are the harness's; what they quote from students (thrown errors, returned values as
 * JSON) is made safe by each writer for its medium (text.ts).
 */
import { Mismatch, Tolerance, mismatchData, REFERENCE_TOLERANCE } from '../engine/core/compare';
import { JsonNumber, fromJsonNumber } from '../engine/core/json-number';
import type { BoundsMiss, CaseResult, GradcheckVerdict, GradientFinding, ItemResult, MismatchData } from '../engine/core/results';

/** A number short enough to read and long enough to see the difference. */
export function formatNumber(x: number | JsonNumber): string {
  const n = fromJsonNumber(x);
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const a = Math.abs(n);
  if (a >= 1e-3 && a < 1e6) return String(Number(n.toPrecision(8)));
  return n.toExponential(4);
}

function atIndex(index: number[]): string {
  return index.length === 0 ? '' : ` at [${index.join(', ')}]`;
}

/** One compared output or gradient: what is wrong, where, by how much. */
export function mismatchText(m: MismatchData): string {
  const name = m.path || 'value';
  switch (m.kind) {
    case 'missing':
      return `${name}: missing from what your function returned`;
    case 'wrong_type':
      return `${name}: expected ${m.expected}, got ${m.actual}`;
    case 'wrong_shape':
      return `${name}: wrong shape: expected [${m.expected.join(', ')}], got [${m.actual.join(', ')}]`;
    case 'not_finite':
      return `${name}: got ${formatNumber(m.actual)}${atIndex(m.index)} where ${formatNumber(m.expected)} was expected (${m.elements_off} of ${m.elements} elements wrong or not finite; look for overflow in exp or a division by zero)`;
    case 'wrong_value':
      return (
        `${name}: wrong value${atIndex(m.index)} of shape [${m.shape.join(', ')}]: expected ${formatNumber(m.expected)}, got ${formatNumber(m.actual)}` +
        ` (max abs error ${formatNumber(m.max_abs_error)}, max rel error ${formatNumber(m.max_rel_error)}; ${m.elements_off} of ${m.elements} elements off)`
      );
  }
}

/** A comparison's mismatch as it comes from compareValues, in words (grader validation, the oracle). */
export function formatMismatch(m: Mismatch, tolerance: Tolerance = REFERENCE_TOLERANCE): string {
  return mismatchText(mismatchData(m, tolerance));
}

function disagreement(where: string, d: { backward: JsonNumber; finite_differences: JsonNumber }): string {
  return `${where}your backward gives ${formatNumber(d.backward)}, finite differences of your forward give ${formatNumber(d.finite_differences)}`;
}

function worstElement(w: NonNullable<GradcheckVerdict['worst']>): string {
  return disagreement(`${w.index.length ? `${w.input}[${w.index.join(', ')}]` : w.input}: `, w);
}

/** The finite-difference check in words: where the backward and the forward's differences disagree most. */
export function gradcheckText(v: GradcheckVerdict): string {
  if (v.problem === 'nothing_to_check') return `nothing to check: no float input among ${v.inputs?.length ? v.inputs.join(', ') : 'the gradients returned'}`;
  if (v.problem === 'could_not_run') return `finite differences could not run: ${v.reason ?? ''}`;
  if (v.agrees) return '';
  if (v.mode === 'full' && v.worst) return `${worstElement(v.worst)} (${v.elements_off ?? 0} of ${v.checked} elements disagree)`;
  if (!v.direction) return '';
  const who = v.disagreeing?.length ? `; the gradient of ${v.disagreeing.join(' and of ')} disagrees${v.worst ? ` (worst element ${worstElement(v.worst)})` : ''}` : '';
  return `${disagreement(`along random direction ${v.direction.number}, `, v.direction)} (${v.direction.disagreeing} of ${v.checked} projections disagree)${who}`;
}

/** Separates "your forward is wrong" from "your backward disagrees with your own forward". */
export function gradientText(g: GradientFinding): string {
  if (g.forward === 'not_run') return `(your forward could not be run to check this gradient: ${g.forward_problem ?? ''})`;
  const forwardRight = g.forward === 'right';
  const check = g.own_forward;
  // An empty check says nothing either way: no claim about the student's backward.
  if (!check || (check.checked === 0 && check.problem !== 'could_not_run')) return forwardRight ? '' : 'Your forward is wrong too: fix the forward first.';
  if (forwardRight && !check.agrees) return `Your forward is right, but your backward disagrees with finite differences of it: ${gradcheckText(check)}.`;
  if (!forwardRight && check.agrees) return 'Your backward agrees with finite differences of your own forward, but your forward is wrong: fix the forward first.';
  if (!forwardRight) return `Your forward is wrong, and your backward also disagrees with finite differences of your own forward: ${gradcheckText(check)}.`;
  return 'Your backward agrees with finite differences of your forward, but not closely enough with the reference.';
}

/** A returned number outside an item's bounds. */
export function boundsText(b: BoundsMiss): string {
  if (b.actual === undefined) return `${b.key}: expected a number, got ${b.returned ?? 'undefined'}`;
  if (b.min !== undefined) return `${b.key} is ${fromJsonNumber(b.actual)}, below the required ${b.min}`;
  return `${b.key} is ${fromJsonNumber(b.actual)}, above the allowed ${b.max}`;
}

/** One case's outcome in words: its findings, or (where it has none) what the harness saw. */
export function caseText(c: CaseResult): string {
  if (c.status === 'passed') return '';
  const parts: string[] = [];
  if (c.mismatches?.length) parts.push(c.mismatches.map(mismatchText).join('; '));
  if (c.bounds?.length) parts.push(c.bounds.map(boundsText).join('; '));
  if (c.gradient) parts.push(gradientText(c.gradient));
  if (c.message) parts.push(c.message);
  return parts.filter(Boolean).join(' ');
}

/**
 * An item's outcome in words, from its cases: how many passed, or its first failing case (and
 * how many failed, when they do not all say the same). An item whose cases say nothing (none: a
 * lab that did not build; or without findings or words) keeps the words it came with.
 */
export function itemMessage(item: Pick<ItemResult, 'cases' | 'message'>): string {
  const cases = item.cases;
  if (cases.length === 0) return item.message;
  const total = cases.length;
  const passed = cases.filter((c) => c.status === 'passed').length;
  const first = cases.find((c) => c.status !== 'passed');
  if (!first) return `${total} case${total > 1 ? 's' : ''} passed`;
  const text = caseText(first);
  if (!text) return item.message;
  const sameEverywhere = passed === 0 && cases.every((c) => caseText(c) === text);
  return total > 1 && !sameEverywhere ? `case "${first.label}" (${total - passed} of ${total} failed): ${text}` : text;
}
