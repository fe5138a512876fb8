/**
 * The roster: who is in the class (CSV, one row per student). `id` is the name of the
 * student's submission folder or zip; the other columns are what the LMS exports need.
 *
 *   id,name,email,section,canvas_id,sis_user_id,sis_login_id,username,idnumber
 *   alice,"Liddell, Alice",alice@uni.example,L01,1001,S1001,alice01,alice01,20250001
 *
 * Only `id` is required. A roster student without a submission is in the gradebook with 0 and
 * `missing`; a submission whose id is not on the roster is graded and listed as not on it.
 */
import { createHash } from 'crypto';
import { FileIssue, cellOf, readTable } from './table';

export const ROSTER_COLUMNS = ['id', 'name', 'email', 'section', 'canvas_id', 'sis_user_id', 'sis_login_id', 'username', 'idnumber'] as const;
export type RosterColumn = (typeof ROSTER_COLUMNS)[number];

export type RosterEntry = Record<RosterColumn, string> & { line: number };

export interface Roster {
  file: string;
  /** In the file's order. */
  students: RosterEntry[];
  byId: Map<string, RosterEntry>;
  /** Which optional columns the file has. */
  columns: RosterColumn[];
  sha256: string;
}

const ALIASES: Record<string, RosterColumn> = { student: 'id', student_id: 'id', login: 'id', canvas_user_id: 'canvas_id', user_id: 'canvas_id', full_name: 'name', sis_id: 'sis_user_id', id_number: 'idnumber', email_address: 'email' };

/** Reads a roster; every problem at once, each with its line. */
export function readRoster(file: string, text: string): { roster?: Roster; issues: FileIssue[] } {
  const { table, issues } = readTable(file, text, { required: ['id'], optional: ROSTER_COLUMNS.filter((c) => c !== 'id'), aliases: ALIASES });
  if (!table || issues.length) return { issues };
  const byId = new Map<string, RosterEntry>();
  const students: RosterEntry[] = [];
  for (const row of table.rows) {
    const entry = Object.fromEntries(ROSTER_COLUMNS.map((c) => [c, cellOf(table, row, c)])) as unknown as RosterEntry;
    entry.line = row.line;
    if (!entry.id) {
      issues.push({ file, line: row.line, path: 'id', message: 'no id: the id is the name of the student\'s submission folder or zip' });
      continue;
    }
    const first = byId.get(entry.id);
    if (first) {
      issues.push({ file, line: row.line, path: 'id', message: `"${entry.id}" is on the roster twice (first on line ${first.line})` });
      continue;
    }
    byId.set(entry.id, entry);
    students.push(entry);
  }
  if (issues.length) return { issues };
  const columns = ROSTER_COLUMNS.filter((c) => table.columns.includes(c));
  return { issues, roster: { file, students, byId, columns, sha256: createHash('sha256').update(text).digest('hex') } };
}
