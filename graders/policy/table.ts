/**
 * The CSV files a TA supplies (a roster, submission times), read with the line each row starts
 * on, so that a problem says where it is (`roster.csv:7: ...`). RFC 4180 (quoted cells,
 * doubled quotes, CRLF or LF), a UTF-8 byte-order mark ignored (Excel writes one), and column
 * names compared loosely (`SIS User ID`, `sis_user_id` and `sis-user-id` are one column).
 */
import { csvCell, readRows, type TableRow } from '../emit/csv';

export type { TableRow };

/** A problem of a file, shaped as the spec files' issues (file, line, path, message). */
export interface FileIssue {
  file: string;
  line?: number;
  path: string;
  message: string;
}

export interface Table {
  file: string;
  /** Column names, normalised (columnKey). */
  columns: string[];
  /** Header as written. */
  header: string[];
  rows: TableRow[];
}

/** `SIS User ID` -> `sis_user_id`. */
export function columnKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * A table with a header, checked: the `required` columns present, every column known (one of
 * `required`, `optional`, or an alias of one), none twice, each row as wide as the header.
 */
export function readTable(file: string, text: string, spec: { required: string[]; optional: string[]; aliases?: Record<string, string> }): { table?: Table; issues: FileIssue[] } {
  const { rows, unclosedQuoteAt } = readRows(text);
  const issues: FileIssue[] = [];
  if (unclosedQuoteAt) return { issues: [{ file, line: unclosedQuoteAt, path: '', message: 'a quoted cell is never closed (a " is missing)' }] };
  if (rows.length === 0) return { issues: [{ file, path: '', message: `the file is empty: expected a header (${spec.required.join(',')}${spec.optional.length ? `, and optionally ${spec.optional.join(', ')}` : ''})` }] };
  const [head, ...body] = rows;
  const known = [...spec.required, ...spec.optional];
  const columns = head.cells.map((h) => {
    const k = columnKey(h);
    return spec.aliases?.[k] ?? k;
  });
  columns.forEach((c, i) => {
    if (!known.includes(c)) issues.push({ file, line: head.line, path: head.cells[i], message: `unknown column "${head.cells[i]}" (columns: ${known.join(', ')})` });
    else if (columns.indexOf(c) !== i) issues.push({ file, line: head.line, path: head.cells[i], message: `column "${head.cells[i]}" is there twice` });
  });
  for (const r of spec.required) if (!columns.includes(r)) issues.push({ file, line: head.line, path: '', message: `no column "${r}" (the header is ${head.cells.join(',')}; needed: ${spec.required.join(', ')})` });
  for (const r of body) {
    if (r.cells.length !== columns.length) issues.push({ file, line: r.line, path: '', message: `${r.cells.length} cell${r.cells.length === 1 ? '' : 's'}, but the header has ${columns.length} (${head.cells.join(',')})` });
  }
  return { table: { file, columns, header: head.cells, rows: body }, issues };
}

/** A row's cell by normalised column name ('' when the table has no such column). */
export function cellOf(table: Table, row: TableRow, column: string): string {
  const i = table.columns.indexOf(column);
  return i < 0 ? '' : (row.cells[i] ?? '').trim();
}

/** One line of CSV, cells as the gradebook writes them (emit/csv.ts: formulas neutralised, quoted as needed). */
export function csvLine(cells: Array<string | number | null | undefined>): string {
  return cells.map((c) => csvCell(c === undefined ? null : c)).join(',');
}
