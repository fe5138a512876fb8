/**
 * Gradebook imports for the LMS, written from the roster beside grades.csv (final scores,
 * after the late policy; a student the harness could not grade is left blank, which both
 * LMSs read as "no change"). Students not on the roster are in neither: no LMS could match them.
 *
 * Canvas (Grades > Import): the header is `Student, ID, SIS User ID, SIS Login ID, Section`,
 * then one column per assignment; a column named `Title (12345)` updates Canvas assignment
 * 12345, another name creates a new assignment. The second row may be `Points Possible`, with
 * each assignment's maximum (what Canvas's own export writes, and what a new assignment takes).
 * Canvas matches a row by ID, SIS User ID or SIS Login ID, so the roster should give one.
 *
 * Moodle (Grades > Import > CSV file): a header row; one column identifies the user, mapped
 * on import to a user field (email address, username or ID number); each other column is
 * mapped to a grade item. Grades are plain numbers with a `.` decimal point.
 */
import type { CourseRow } from './course';
import type { LmsOptions } from './policy';
import type { Roster } from './roster';
import { csvLine } from './table';

export const CANVAS_FILE = 'canvas-import.csv';
export const MOODLE_FILE = 'moodle-import.csv';

export const CANVAS_FIXED_COLUMNS = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section'] as const;

/** Moodle's names for the user fields, as its own grade export heads them. */
export const MOODLE_IDENTIFIERS = { email: 'Email address', username: 'Username', idnumber: 'ID number' } as const;

export interface LmsExport {
  file: string;
  text: string;
  /** Roster students the file cannot identify, and why. */
  problems: string[];
}

const finalOf = (row: CourseRow | undefined, lab: string) => (row ? row.labs[lab].final : 0);

export function canvasImport(labs: string[], rows: CourseRow[], roster: Roster, lms: LmsOptions | undefined): LmsExport {
  const byStudent = new Map(rows.map((r) => [r.student, r]));
  const columns = labs.map((l) => lms?.canvas?.columns?.[l] ?? l);
  const maxOf = (l: string) => rows.find((r) => r.labs[l])?.labs[l].max ?? null;
  const lines = [csvLine([...CANVAS_FIXED_COLUMNS, ...columns]), csvLine(['Points Possible', '', '', '', '', ...labs.map(maxOf)])];
  const problems: string[] = [];
  for (const s of roster.students) {
    if (!s.canvas_id && !s.sis_user_id && !s.sis_login_id) problems.push(`${s.id}: no canvas_id, sis_user_id or sis_login_id on the roster (line ${s.line}): Canvas can match the row only by name`);
    lines.push(csvLine([s.name || s.id, s.canvas_id, s.sis_user_id, s.sis_login_id, s.section, ...labs.map((l) => finalOf(byStudent.get(s.id), l))]));
  }
  return { file: CANVAS_FILE, text: lines.join('\r\n') + '\r\n', problems };
}

export function moodleImport(labs: string[], rows: CourseRow[], roster: Roster, lms: LmsOptions | undefined): LmsExport {
  const identifier = lms?.moodle?.identifier ?? 'email';
  const byStudent = new Map(rows.map((r) => [r.student, r]));
  const lines = [csvLine([MOODLE_IDENTIFIERS[identifier], ...labs.map((l) => lms?.moodle?.columns?.[l] ?? l)])];
  const problems: string[] = [];
  for (const s of roster.students) {
    if (!s[identifier]) {
      problems.push(`${s.id}: no ${identifier} on the roster (line ${s.line}): left out of ${MOODLE_FILE}`);
      continue;
    }
    lines.push(csvLine([s[identifier], ...labs.map((l) => finalOf(byStudent.get(s.id), l))]));
  }
  return { file: MOODLE_FILE, text: lines.join('\r\n') + '\r\n', problems };
}
