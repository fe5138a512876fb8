/**
 * Two gradebooks (grades.csv) of one class graded in separate runs, such as a merge of shards
 * and one unsharded batch. Time budgets are derived from the reference's time as measured in
 * each run, so a timeout's message quotes numbers that differ between runs ("did not finish
 * within 2 s (50× the reference's 0.24 ms ...)"), and the message column is cut at a fixed
 * length, so a longer number pushes the end out. Every other cell must be identical, and a
 * message may differ only in those measured times.
 */
import { parseCsv } from '../../graders/emit/csv';

/** A time as a message quotes it: `0.24 ms`, `10.6 s`, `2 s`. */
const MEASURED_TIME = /\d+(?:\.\d+)?(?= ?(?:ms|s)\b)/g;
const TIME = '\u27e8time\u27e9';

/** The message with its times masked, and cut where the shorter of the two was cut (`…`). */
function comparableMessages(a: string, b: string): [string, string] {
  const ma = a.replace(MEASURED_TIME, TIME);
  const mb = b.replace(MEASURED_TIME, TIME);
  const cut = (m: string) => (m.endsWith('…') ? m.length - 1 : Infinity);
  const keep = Math.min(cut(ma), cut(mb));
  return [ma.slice(0, keep), mb.slice(0, keep)];
}

/** How `actual` differs from `expected`, cell by cell (empty when they agree). */
export function gradebookDifferences(actual: string, expected: string): string[] {
  const [headA, ...rowsA] = parseCsv(actual);
  const [headB, ...rowsB] = parseCsv(expected);
  if (headA.join(',') !== headB.join(',')) return [`columns ${headA.join(',')} instead of ${headB.join(',')}`];
  const studentsA = rowsA.map((r) => r[0]).join(', ');
  const studentsB = rowsB.map((r) => r[0]).join(', ');
  if (studentsA !== studentsB) return [`students ${studentsA} instead of ${studentsB}`];
  const message = headA.indexOf('message');
  const problems: string[] = [];
  rowsA.forEach((row, i) => {
    row.forEach((cell, j) => {
      const want = rowsB[i][j];
      if (cell === want) return;
      if (j === message) {
        const [ca, cb] = comparableMessages(cell, want);
        if (ca === cb && ca.includes(TIME)) return;
      }
      problems.push(`${row[0]}, ${headA[j]}: ${JSON.stringify(cell)} instead of ${JSON.stringify(want)}`);
    });
  });
  return problems;
}
