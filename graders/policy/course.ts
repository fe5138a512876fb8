/**
 * The course's view of a batch: the gradebook rows with the deadline policy applied (raw score,
 * lateness, penalty and final score per lab and in total, the max per lab), the roster's
 * students without a submission (0, `missing`), the submissions not on the roster (listed,
 * graded all the same), and what the summary and each student's feedback say about it. Pure
 * functions of the rows, the policy, the roster and the submission times.
 */
import type { GradebookRow } from '../emit/csv';
import { forMarkdown, forMarkdownCell } from '../emit/text';
import { CoursePolicy, LateStatus, Standing, describePolicy, finalScore, standing } from './policy';
import type { Roster } from './roster';
import type { SubmissionTime } from './submission-times';
import { csvLine } from './table';
import { formatElapsed, formatInZone, isoInZone } from './time';

export interface Course {
  policy?: CoursePolicy;
  roster?: Roster;
  /** Submission times by student (from the file, or git). */
  times: Map<string, SubmissionTime>;
  /** Students whose time could not be found, and why. */
  timeProblems: Map<string, string>;
}

export interface LabScore {
  raw: number | null;
  max: number;
  final: number | null;
}

/** One student's line, as grades.csv (course columns), gradebook.json and `explain` give it. */
export interface CourseRow {
  student: string;
  status: string;
  message: string;
  labs: Record<string, LabScore>;
  raw_total: number | null;
  total: number | null;
  max: number;
  /** `listed`, `not_on_roster`; null without a roster. */
  roster: 'listed' | 'not_on_roster' | null;
  name: string;
  section: string;
  submitted_at: string | null;
  time_source: SubmissionTime['source'] | null;
  time_from: string;
  due: string | null;
  extended: boolean;
  late_status: LateStatus | 'missing' | null;
  late_hours: number | null;
  late_periods: number | null;
  penalty_percent: number | null;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The course rows: each graded row with the policy applied, then the roster's students who
 * have no submission (in `missing`: the caller says which are this batch's, for a shard).
 */
export function courseRows(labs: string[], labMax: Record<string, number>, rows: GradebookRow[], course: Course, missing: string[]): CourseRow[] {
  const zone = course.policy?.timeZone ?? 'UTC';
  const out: CourseRow[] = [];
  for (const row of rows) {
    const time = course.times.get(row.student);
    const s: Standing | undefined = course.policy ? standing(course.policy, row.student, time?.ms) : undefined;
    const of = course.policy?.penalty?.of ?? 'score';
    const scores: Record<string, LabScore> = {};
    for (const lab of labs) {
      const raw = row.labs[lab] ?? null;
      scores[lab] = { raw, max: labMax[lab] ?? 0, final: raw === null ? null : s ? finalScore(raw, labMax[lab] ?? 0, s, of) : raw };
    }
    const finals = labs.map((l) => scores[l].final);
    const entry = course.roster?.byId.get(row.student);
    out.push({
      student: row.student,
      status: row.status,
      message: row.message,
      labs: scores,
      raw_total: row.score,
      total: row.score === null || finals.some((f) => f === null) ? null : round(finals.reduce<number>((a, f) => a + (f ?? 0), 0)),
      max: round(labs.reduce((a, l) => a + (labMax[l] ?? 0), 0)),
      roster: course.roster ? (entry ? 'listed' : 'not_on_roster') : null,
      name: entry?.name ?? '',
      section: entry?.section ?? '',
      submitted_at: time ? isoInZone(time.ms, zone) : null,
      time_source: time?.source ?? null,
      time_from: time?.from ?? course.timeProblems.get(row.student) ?? '',
      due: s ? isoInZone(s.deadline, zone) : null,
      extended: s?.extended ?? false,
      late_status: s?.status ?? null,
      late_hours: s ? Math.round((s.lateMs / 3600000) * 100) / 100 : null,
      late_periods: s ? s.periods : null,
      penalty_percent: s ? s.penaltyPercent : null,
    });
  }
  for (const id of missing) {
    const entry = course.roster!.byId.get(id)!;
    const scores = Object.fromEntries(labs.map((l) => [l, { raw: 0, max: labMax[l] ?? 0, final: 0 }]));
    out.push({
      student: id,
      status: 'missing',
      message: 'on the roster, but no submission',
      labs: scores,
      raw_total: 0,
      total: 0,
      max: round(labs.reduce((a, l) => a + (labMax[l] ?? 0), 0)),
      roster: 'listed',
      name: entry.name,
      section: entry.section,
      submitted_at: null,
      time_source: null,
      time_from: '',
      due: course.policy ? isoInZone(course.policy.extensions.get(id) ?? course.policy.due, zone) : null,
      extended: course.policy?.extensions.has(id) ?? false,
      late_status: 'missing',
      late_hours: null,
      late_periods: null,
      penalty_percent: null,
    });
  }
  return out.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}

/** The roster's students with no submission among `submitted`. */
export function missingFromRoster(roster: Roster | undefined, submitted: Set<string>): string[] {
  return roster ? roster.students.map((s) => s.id).filter((id) => !submitted.has(id)) : [];
}

/**
 * grades.csv with the course's columns. The first columns are those of the plain gradebook
 * (student, each lab, total, max, status, message), with each lab and the total now the final
 * score (after the penalty); then, for each lab, its raw score and maximum, the raw total, the
 * roster's name, section and whether the id is on it, and the deadline columns.
 */
export function courseCsv(labs: string[], rows: CourseRow[]): string {
  const header = [
    'student',
    ...labs,
    'total',
    'max',
    'status',
    'message',
    ...labs.flatMap((l) => [`${l}_raw`, `${l}_max`]),
    'raw_total',
    'name',
    'section',
    'roster',
    'submitted_at',
    'time_source',
    'due',
    'extended',
    'late_status',
    'late_hours',
    'late_periods',
    'penalty_percent',
  ];
  const lines = rows.map((r) =>
    csvLine([
      r.student,
      ...labs.map((l) => r.labs[l].final),
      r.total,
      r.max,
      r.status,
      r.message,
      ...labs.flatMap((l) => [r.labs[l].raw, r.labs[l].max]),
      r.raw_total,
      r.name,
      r.section,
      r.roster,
      r.submitted_at,
      r.time_source,
      r.due,
      r.due === null ? null : r.extended ? 'yes' : 'no',
      r.late_status,
      r.late_hours,
      r.late_periods,
      r.penalty_percent,
    ]),
  );
  return [csvLine(header), ...lines].join('\r\n') + '\r\n';
}

const points = (x: number | null) => (x === null ? '-' : String(round(x)));

/** What a student's feedback says about the deadline: when it was due for them, when they submitted, and what that cost, lab by lab. */
export function deadlineFeedback(row: CourseRow, labs: string[], policy: CoursePolicy): string {
  const zone = policy.timeZone;
  const due = policy.extensions.get(row.student) ?? policy.due;
  const out = ['## Deadline', ''];
  out.push(`- **Due:** ${formatInZone(due, zone)} (${zone})${row.extended ? ', your extension' : ''}.`);
  if (row.submitted_at) out.push(`- **Submitted:** ${formatInZone(Date.parse(row.submitted_at), zone)}${row.time_source === 'git' ? ' (the date of your last commit that changed labs/)' : ' (from the submission record)'}.`);
  else out.push('- **Submitted:** the time is not known; no late penalty was applied.');
  const lateness = row.late_hours ? formatElapsed(row.late_hours * 3600000) : '';
  const what: Record<string, string> = {
    on_time: 'on time.',
    grace: `${lateness} late, within the grace period: no penalty.`,
    late: policy.penalty ? `${lateness} late: ${row.late_periods} ${policy.penalty.per}${row.late_periods === 1 ? '' : 's'} started, ${row.penalty_percent}% of the ${policy.penalty.of === 'max' ? 'maximum' : 'score'} off${policy.penalty.max_percent !== undefined && row.penalty_percent === policy.penalty.max_percent ? ' (the most a late submission loses)' : ''}.` : `${lateness} late (no points lost).`,
    past_cutoff: `${lateness} late, after the cutoff: the score is 0.`,
    no_time: 'not known.',
  };
  if (row.late_status && row.late_status !== 'missing') out.push(`- **Standing:** ${what[row.late_status]}`);
  out.push('', '| Lab | Score | Penalty | Final |', '|---|---:|---:|---:|');
  for (const l of labs) {
    const s = row.labs[l];
    const lost = s.raw !== null && s.final !== null ? round(s.raw - s.final) : null;
    out.push(`| ${forMarkdownCell(l)} | ${points(s.raw)} / ${points(s.max)} | ${lost ? `−${lost}` : '0'} | ${points(s.final)} |`);
  }
  const lostTotal = row.raw_total !== null && row.total !== null ? round(row.raw_total - row.total) : null;
  out.push(`| **Total** | ${points(row.raw_total)} / ${points(row.max)} | ${lostTotal ? `−${lostTotal}` : '0'} | **${points(row.total)} / ${points(row.max)}** |`, '');
  out.push('The policy that produced these numbers:', '', ...describePolicy(policy).map((l) => `- ${forMarkdown(l)}`), '');
  return out.join('\n');
}

/** Marks where the deadline section starts in feedback.md, so that a later run replaces it. */
export const DEADLINE_MARK = '<!-- gradecheck: deadline -->';

/** feedback.md with its deadline section (replacing an earlier one). */
export function withDeadlineSection(feedback: string, section: string | undefined): string {
  const i = feedback.indexOf(DEADLINE_MARK);
  const base = (i < 0 ? feedback : feedback.slice(0, i)).replace(/\n*$/, '\n');
  return section ? `${base}\n${DEADLINE_MARK}\n${section}` : base;
}

/** The summary's lines about the course: the policy, who was late, the roster, and warnings. */
export function courseSummary(rows: CourseRow[], course: Course, lmsFiles: string[]): string[] {
  const out: string[] = [];
  if (course.policy) {
    out.push('## Deadline', '', ...describePolicy(course.policy).map((l) => `- ${forMarkdown(l)}`), '');
    const count = (s: string) => rows.filter((r) => r.late_status === s).length;
    out.push(`On time ${count('on_time')}, within the grace period ${count('grace')}, late ${count('late')}, past the cutoff ${count('past_cutoff')}, time unknown ${count('no_time')}${course.roster ? `, missing ${count('missing')}` : ''}.`, '');
    const late = rows.filter((r) => r.late_status === 'late' || r.late_status === 'past_cutoff');
    if (late.length) {
      out.push('| Student | Submitted | Late | Penalty | Raw | Final |', '|---|---|---:|---:|---:|---:|');
      for (const r of late) out.push(`| ${forMarkdownCell(r.student)} | ${r.submitted_at} | ${formatElapsed((r.late_hours ?? 0) * 3600000)} | ${r.penalty_percent}% | ${points(r.raw_total)} | ${points(r.total)} |`);
      out.push('');
    }
  }
  const fromGit = rows.filter((r) => r.time_source === 'git');
  if (fromGit.length) out.push(`> **Warning:** ${fromGit.length} submission time${fromGit.length === 1 ? '' : 's'} came from the date of the last commit touching labs/ in the student's clone. Students control commit dates (\`git commit --date\`, their own clock): for times you can trust, give --submitted-at with the times your LMS or GitHub Classroom recorded.`, '');
  const unknown = rows.filter((r) => r.late_status === 'no_time');
  if (unknown.length) out.push(`> **No submission time** (no penalty applied) for ${unknown.map((r) => `${forMarkdownCell(r.student)}${r.time_from ? ` (${forMarkdown(r.time_from)})` : ''}`).join(', ')}.`, '');
  if (course.roster) {
    const missing = rows.filter((r) => r.status === 'missing');
    const outside = rows.filter((r) => r.roster === 'not_on_roster');
    out.push('## Roster', '', `${course.roster.students.length} students on the roster (${forMarkdown(course.roster.file)}): ${course.roster.students.length - missing.length} submitted, ${missing.length} missing.`, '');
    if (missing.length) out.push(`Missing (0 in the gradebook): ${missing.map((r) => forMarkdownCell(r.student)).join(', ')}.`, '');
    if (outside.length) out.push(`**Not on the roster** (graded, in grades.csv, but in no LMS export): ${outside.map((r) => forMarkdownCell(r.student)).join(', ')}.`, '');
    if (lmsFiles.length) out.push(`LMS imports: ${lmsFiles.join(', ')}.`, '');
  }
  return out;
}
