/**
 * Results as a student may see them, for everything that leaves the grading machine on GitHub
 * (job log, summary, annotations, outputs, artifacts): the items the student view does not
 * list (hidden ones, and after_due_date ones before the lab's due date) are taken out, and only
 * their number and points together stay, in the lab's `hidden` (totals.ts). No id, title,
 * message, status or score of any one of them is left, so no output can tell which passed.
 */
import { Results, roundScore } from '../engine/core/results';
import { isShown } from '../engine/core/totals';

export function studentView(results: Results, now: Date = new Date()): Results {
  return {
    ...results,
    labs: results.labs.map((lab) => {
      const { hidden: already, ...rest } = lab;
      const items = lab.items.filter((item) => isShown(item, lab, { view: 'student', now }));
      const left = lab.items.filter((item) => !items.includes(item));
      const hidden = left.reduce((h, i) => ({ items: h.items + 1, score: h.score + i.score, max_score: h.max_score + i.max_score }), already ?? { items: 0, score: 0, max_score: 0 });
      return { ...rest, items, ...(hidden.items > 0 ? { hidden: { items: hidden.items, score: roundScore(hidden.score), max_score: roundScore(hidden.max_score) } } : {}) };
    }),
  };
}
