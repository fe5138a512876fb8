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

/** A row of a CSV file and the line it starts on (a quoted cell may span lines). */
export interface TableRow {
  line: number;
  cells: string[];
}

/**
 * Rows of a CSV text (RFC 4180: quoted cells, doubled quotes, CRLF or LF; a UTF-8 byte-order
 * mark ignored) with the line each starts on; blank lines are skipped.
 */
export function readRows(text: string): { rows: TableRow[]; unclosedQuoteAt?: number } {
  const rows: TableRow[] = [];
  let line = 1;
  let start = 1;
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let quoteLine = 0;
  const body = text.replace(/^\uFEFF/, '');
  const endRow = () => {
    row.push(cell);
    if (row.length > 1 || row[0].trim() !== '') rows.push({ line: start, cells: row });
    row = [];
    cell = '';
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRow();
      line++;
      start = line;
    } else cell += c;
  }
  if (quoted) return { rows, unclosedQuoteAt: quoteLine };
  if (cell !== '' || row.length) endRow();
  return { rows };
}

/** The cells of each row of a CSV text (as gradebookCsv writes it, or a TA's spreadsheet). */
export function parseCsv(text: string): string[][] {
  return readRows(text).rows.map((r) => r.cells);
}
