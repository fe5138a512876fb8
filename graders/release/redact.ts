/**
 * Results as a student may see them, for everything that leaves the grading machine on GitHub
 * (job log, summary, annotations, outputs, artifacts): an item the student view does not show
 * (hidden, or after_due_date before the lab's due date) keeps its points and status but loses
 * its id, title, message, hint, diagnosis and cases. With the release's own graders there are
 * no such items; with an instructor's graders there may be.
 */
import { isShown } from '../engine/report';
import type { ItemResult, Results } from '../engine/results';

export function studentView(results: Results, now: Date = new Date()): Results {
  return {
    ...results,
    labs: results.labs.map((lab) => {
      let n = 0;
      return {
        ...lab,
        items: lab.items.map((item): ItemResult => {
          if (isShown(item, lab, { view: 'student', now })) return item;
          n += 1;
          return {
            id: `hidden-${n}`,
            title: `hidden item ${n}`,
            score: item.score,
            max_score: item.max_score,
            status: item.status,
            message: 'not shown until your work is graded',
            visibility: item.visibility,
            duration_ms: 0,
            cases: [],
          };
        }),
      };
    }),
  };
}
