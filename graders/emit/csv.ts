/**
 * The gradebook as CSV (RFC 4180): one row per student with each lab's score, the total, the
 * maximum, the status and a message; ready for a spreadsheet or an LMS import. Student ids
 * and messages are student text: a text cell that a spreadsheet would run as a formula is
 * prefixed with `'` (text.ts `forCsvCell`); scores are numbers, negative ones too.
 */
import { forCsvCell } from './text';

export interface GradebookRow {
  student: string;
  /** Score per lab; null when the lab has no score (not graded). */
  labs: Record<string, number | null>;
  score: number | null;
  max_score: number | null;
  status: string;
  message: string;
}

/** One cell: a number as it is, text neutralised and quoted as needed. */
export const csvCell = (value: string | number | null): string => forCsvCell(value);

export function gradebookCsv(labs: string[], rows: GradebookRow[]): string {
  const header = ['student', ...labs, 'total', 'max', 'status', 'message'].map(csvCell).join(',');
  const lines = rows.map((r) => [r.student, ...labs.map((l) => r.labs[l] ?? null), r.score, r.max_score, r.status, r.message].map(csvCell).join(','));
  return [header, ...lines].join('\r\n') + '\r\n';
}

/** Parses CSV as gradebookCsv writes it (quoted cells, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}
