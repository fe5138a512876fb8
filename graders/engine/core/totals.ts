/**
 * The totals of a grading, defined once, for every writer: the score table, feedback.md and the
 * CI job summary, grades.csv, Gradescope's results.json, GitHub Classroom's result and Classroom
 * 50's result.json. Each shows some of these numbers and says what it leaves out; none computes
 * its own.
 *
 * - `shown`: the items listed one by one. In the student view, visible items, and after_due_date
 *   items once the lab's due date has passed; in the instructor view, every item.
 * - `hidden`: items graded but not listed: in the total, shown as a count and points only.
 * - `pending`: items not graded in this run (a student release does not hold hidden items; a
 *   per-push CI run leaves them to the instructor's deadline run): not in the total.
 *
 * `total` = shown + hidden: the lab's and the submission's `score` / `max_score`.
 */
import { ItemResult, LabResult, Results, roundScore } from './results';

export type View = 'student' | 'instructor';

export interface ViewOptions {
  view: View;
  /** For after_due_date items; defaults to now. */
  now?: Date;
}

/** Whether a view lists an item: hidden ones never in the student view, after_due_date ones after the lab's due date. */
export function isShown(item: Pick<ItemResult, 'visibility'>, lab: Pick<LabResult, 'due'>, opts: ViewOptions): boolean {
  if (opts.view === 'instructor' || item.visibility === 'visible') return true;
  if (item.visibility === 'after_due_date') return lab.due !== undefined && (opts.now ?? new Date()).getTime() > Date.parse(lab.due);
  return false;
}

/** Points as people read them: 3, 2.5, 1.33. */
export function formatPoints(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, '');
}

export interface Tally {
  items: number;
  score: number;
  max_score: number;
}

export interface Pending {
  items: number;
  max_score: number;
}

export interface LabTotals {
  lab: string;
  /** The items listed. */
  shown: Tally;
  /** How many of the listed items passed. */
  passed: number;
  hidden: Tally;
  pending: Pending;
  /** shown + hidden: what the lab scored. */
  total: { score: number; max_score: number };
}

export interface Totals extends Omit<LabTotals, 'lab'> {
  labs: LabTotals[];
}

const NONE: Tally = { items: 0, score: 0, max_score: 0 };

function add(a: Tally, b: Tally): Tally {
  return { items: a.items + b.items, score: roundScore(a.score + b.score), max_score: roundScore(a.max_score + b.max_score) };
}

function tally(items: ItemResult[]): Tally {
  return items.reduce((t, i) => add(t, { items: 1, score: i.score, max_score: i.max_score }), NONE);
}

export function labTotals(lab: LabResult, opts: ViewOptions): LabTotals {
  const shownItems = lab.items.filter((i) => isShown(i, lab, opts));
  const shown = tally(shownItems);
  const hidden = add(tally(lab.items.filter((i) => !isShown(i, lab, opts))), lab.hidden ?? NONE);
  // A lab that could not be graded at all has no items: its points are the listed ones.
  const unlisted = { items: 0, score: roundScore(lab.score - shown.score - hidden.score), max_score: roundScore(lab.max_score - shown.max_score - hidden.max_score) };
  return {
    lab: lab.lab,
    shown: unlisted.max_score > 0 ? add(shown, unlisted) : shown,
    passed: shownItems.filter((i) => i.status === 'passed').length,
    hidden,
    pending: { items: lab.pending?.items ?? 0, max_score: lab.pending?.max_score ?? 0 },
    total: { score: lab.score, max_score: lab.max_score },
  };
}

export function totals(results: Results, opts: ViewOptions): Totals {
  const labs = results.labs.map((lab) => labTotals(lab, opts));
  return {
    labs,
    shown: labs.map((l) => l.shown).reduce(add, NONE),
    passed: labs.reduce((n, l) => n + l.passed, 0),
    hidden: labs.map((l) => l.hidden).reduce(add, NONE),
    pending: labs.reduce((p, l) => ({ items: p.items + l.pending.items, max_score: roundScore(p.max_score + l.pending.max_score) }), { items: 0, max_score: 0 }),
    total: { score: results.score, max_score: results.max_score },
  };
}

const plural = (n: number, one: string) => `${formatPoints(n)} ${n === 1 ? one : `${one}s`}`;

/**
 * What a surface that lists only the shown items says of the others, one sentence each:
 * "+ 3 / 4 points on 2 hidden items (not listed)" and "+ 4 hidden points (3 items), graded after
 * the deadline". `hiddenScores: false` gives the hidden items' count and points, not their score.
 */
export function omissions(t: Pick<LabTotals, 'hidden' | 'pending'>, opts: { hiddenScores: boolean }): string[] {
  const out: string[] = [];
  if (t.hidden.items > 0) {
    out.push(
      opts.hiddenScores
        ? `+ ${formatPoints(t.hidden.score)} / ${formatPoints(t.hidden.max_score)} points on ${plural(t.hidden.items, 'hidden item')} (not listed)`
        : `+ ${plural(t.hidden.items, 'hidden item')} (${plural(t.hidden.max_score, 'point')}), graded but not listed`,
    );
  }
  if (t.pending.items > 0) out.push(`+ ${plural(t.pending.max_score, 'hidden point')} (${plural(t.pending.items, 'item')}), graded after the deadline`);
  return out;
}

/** "25 / 28 (89.3%)". */
export function formatTotal(t: { score: number; max_score: number }): string {
  const pct = t.max_score > 0 ? ` (${((100 * t.score) / t.max_score).toFixed(1)}%)` : '';
  return `${formatPoints(t.score)} / ${formatPoints(t.max_score)}${pct}`;
}
