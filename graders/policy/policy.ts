/**
 * The course's deadline policy, as the assignment file states it (graders/engine/core/assignment.ts
 * holds these fields beside `labs`), and what it makes of one submission: when it was due for
 * this student, how late it came, and what share of the score that costs.
 *
 *   due: 2025-10-14 23:59          # wall-clock time in time_zone (or with an offset: 2025-10-14T21:59Z)
 *   time_zone: Europe/Berlin       # IANA zone: daylight saving time is the zone's
 *   grace: 15m                     # up to this late counts as on time
 *   late_penalty: { percent: 10, per: day, max_percent: 50 }   # per day (or hour) started
 *   cutoff: 7d                     # after the (student's own) due date: later scores 0
 *   extensions:
 *     - { student: alice, due: 2025-10-16 23:59 }
 *     - { student: bob, extra: 2d }
 *
 * Lateness counts from the student's own due date (an extension moves it, and the cutoff with
 * it); the grace period forgives, it does not move the clock: 1 day and 5 minutes late is 2 days
 * started. A day is a calendar day in the zone (due 23:59 → the next day's 23:59 ends day 1,
 * even across a clock change); an hour is 60 elapsed minutes. Pure functions only.
 */
import { createHash } from 'crypto';
import { z } from 'zod';
import { Duration, NO_TIME, addDays, addDuration, formatDuration, formatInZone, isTimeZone, parseDuration, parseWrittenTime, wallToInstant } from './time';

const LatePenaltySchema = z
  .object({
    percent: z.number().positive().max(100).describe('points lost per period started, as a percentage'),
    per: z.enum(['day', 'hour']).describe('the period: a calendar day in time_zone, or an elapsed hour'),
    max_percent: z.number().positive().max(100).optional().describe('the most a late submission loses, before the cutoff (default 100)'),
    of: z.enum(['score', 'max']).default('score').describe('percentage of the score obtained (default) or of the maximum (a floor of 0)'),
  })
  .strict();

const ExtensionSchema = z
  .object({
    student: z.string().min(1).describe('the student id (the submission folder or zip name)'),
    due: z.string().optional().describe("the student's own due date, in time_zone"),
    extra: z.string().optional().describe('or: time added to the due date (2d, 36h)'),
    note: z.string().optional().describe('for the course staff (not written to the feedback)'),
  })
  .strict();

const LmsSchema = z
  .object({
    canvas: z
      .object({ columns: z.record(z.string(), z.string().min(1)).optional().describe('lab -> the Canvas assignment column, e.g. "Lab 1 (4812)" (default: the lab)') })
      .strict()
      .optional(),
    moodle: z
      .object({ identifier: z.enum(['email', 'username', 'idnumber']).default('email').describe('the roster column Moodle identifies users by'), columns: z.record(z.string(), z.string().min(1)).optional() })
      .strict()
      .optional(),
  })
  .strict();

/** The policy fields of the assignment file (spread into its schema). */
export const POLICY_FIELDS = {
  due: z.string().optional().describe('the due date: `2025-10-14 23:59` in time_zone, or an instant with an offset'),
  time_zone: z.string().optional().describe('IANA time zone of the due date and of times written without an offset'),
  grace: z.string().optional().describe('how late still counts as on time: 15m, 1h (default 0)'),
  late_penalty: LatePenaltySchema.optional(),
  cutoff: z.string().optional().describe("after the student's due date, when submissions score 0: 7d"),
  extensions: z.array(ExtensionSchema).optional(),
  lms: LmsSchema.optional(),
};

const PolicyFileSchema = z.object(POLICY_FIELDS);
export type PolicyFile = z.infer<typeof PolicyFileSchema>;
export type LatePenalty = z.infer<typeof LatePenaltySchema>;
export type LmsOptions = z.infer<typeof LmsSchema>;

export interface CoursePolicy {
  /** The assignment's due date (ms since the epoch). */
  due: number;
  timeZone: string;
  grace: Duration;
  penalty?: LatePenalty;
  cutoff?: Duration;
  /** Each extended student's own due date. */
  extensions: Map<string, number>;
  lms?: LmsOptions;
  /** A hash of the policy as written: a changed policy shows in the regrade report. */
  sha256: string;
}

/** A problem of the policy fields, at a path of the assignment file. */
export interface PolicyIssue {
  path: Array<string | number>;
  message: string;
}

/** A time written in the file, read in the zone; a time that does not exist or happens twice is a problem. */
function readTime(text: string, timeZone: string | undefined, at: Array<string | number>, issues: PolicyIssue[]): number | undefined {
  const t = parseWrittenTime(text);
  if (!t) {
    issues.push({ path: at, message: `"${text}" is not a date and time: write 2025-10-14 23:59 (in time_zone), or with an offset (2025-10-14T23:59+02:00)` });
    return undefined;
  }
  if (t.kind === 'instant') return t.ms;
  if (!timeZone || !isTimeZone(timeZone)) return undefined; // said at time_zone
  const r = wallToInstant(t.wall, timeZone);
  if (r.gap) issues.push({ path: at, message: `"${text}" does not exist in ${timeZone} (the clocks go forward then): choose another time` });
  else if (r.ambiguous) issues.push({ path: at, message: `"${text}" happens twice in ${timeZone} (the clocks go back then): write its offset, e.g. ${formatInZone(r.ms, timeZone).replace(' UTC', '').replace(' ', 'T')}` });
  return r.ms;
}

function readDuration(text: string, at: Array<string | number>, issues: PolicyIssue[]): Duration | undefined {
  const d = parseDuration(text);
  if (!d) issues.push({ path: at, message: `"${text}" is not a duration: write 15m, 2h, 7d or 1d12h` });
  return d;
}

/** Checks the policy fields and resolves their times; undefined policy when there is no due date. */
export function resolvePolicy(file: PolicyFile): { policy?: CoursePolicy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const needsDue = (['grace', 'late_penalty', 'cutoff', 'extensions'] as const).filter((k) => file[k] !== undefined);
  if (file.due === undefined) {
    for (const k of needsDue) issues.push({ path: [k], message: `${k} needs a due date (due: 2025-10-14 23:59, with time_zone)` });
    if (file.time_zone !== undefined && !isTimeZone(file.time_zone)) issues.push({ path: ['time_zone'], message: `unknown time zone "${file.time_zone}": an IANA name such as Europe/Berlin or America/New_York` });
    return { issues };
  }
  if (file.time_zone === undefined) issues.push({ path: ['due'], message: 'a due date needs its time zone: add time_zone (an IANA name such as Europe/Berlin), which also reads submission times written without an offset' });
  else if (!isTimeZone(file.time_zone)) issues.push({ path: ['time_zone'], message: `unknown time zone "${file.time_zone}": an IANA name such as Europe/Berlin or America/New_York` });
  const zone = file.time_zone && isTimeZone(file.time_zone) ? file.time_zone : undefined;
  const due = readTime(file.due, zone, ['due'], issues);
  const grace = file.grace === undefined ? NO_TIME : readDuration(file.grace, ['grace'], issues);
  const cutoff = file.cutoff === undefined ? undefined : readDuration(file.cutoff, ['cutoff'], issues);
  if (cutoff && grace && toMinutes(cutoff) <= toMinutes(grace)) issues.push({ path: ['cutoff'], message: `the cutoff (${file.cutoff}) must come after the grace period (${file.grace ?? '0'})` });
  const extensions = new Map<string, number>();
  (file.extensions ?? []).forEach((e, i) => {
    const at = ['extensions', i];
    if (extensions.has(e.student)) issues.push({ path: [...at, 'student'], message: `"${e.student}" has two extensions` });
    if ((e.due === undefined) === (e.extra === undefined)) {
      issues.push({ path: at, message: 'an extension gives either due (the new due date) or extra (time added, such as 2d)' });
      return;
    }
    const own = e.due !== undefined ? readTime(e.due, zone, [...at, 'due'], issues) : due !== undefined && zone ? addDurationOf(due, readDuration(e.extra!, [...at, 'extra'], issues), zone) : undefined;
    if (own !== undefined && due !== undefined && own < due) issues.push({ path: [...at, 'due'], message: `${e.due} is before the assignment's due date ${file.due}` });
    if (own !== undefined) extensions.set(e.student, own);
  });
  if (issues.length || due === undefined || !zone || !grace) return { issues };
  const { lms: _lms, ...rules } = file;
  const sha256 = createHash('sha256').update(sortedJson(rules)).digest('hex');
  return { issues, policy: { due, timeZone: zone, grace, penalty: file.late_penalty, cutoff, extensions, lms: file.lms, sha256 } };
}

/** JSON with keys sorted: the same policy hashes the same, however the file orders it. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const toMinutes = (d: Duration) => d.days * 1440 + d.hours * 60 + d.minutes;
const addDurationOf = (ms: number, d: Duration | undefined, zone: string) => (d ? addDuration(ms, d, zone) : undefined);

export const LATE_STATUSES = ['on_time', 'grace', 'late', 'past_cutoff', 'no_time'] as const;
export type LateStatus = (typeof LATE_STATUSES)[number];

/** What the policy makes of one submission. */
export interface Standing {
  status: LateStatus;
  /** The student's due date (the assignment's, or their extension's). */
  deadline: number;
  extended: boolean;
  submittedAt?: number;
  /** How late (0 when on time or unknown). */
  lateMs: number;
  /** Days or hours started after the due date (0 when not penalised). */
  periods: number;
  /** Share of the score lost, 0 to 100 (100 past the cutoff). */
  penaltyPercent: number;
  /** When submissions start to score 0 for this student. */
  cutoffAt?: number;
}

/** Periods started between the due date and `at` (at > due): calendar days in the zone, or elapsed hours. */
export function periodsStarted(due: number, at: number, per: LatePenalty['per'], timeZone: string): number {
  if (at <= due) return 0;
  if (per === 'hour') return Math.ceil((at - due) / 3600000);
  let days = Math.max(1, Math.floor((at - due) / 90000000)); // a lower bound (days are at most 25 h)
  while (addDays(due, days, timeZone) < at) days++;
  return days;
}

/** Where one submission stands under the policy; without a submission time, no penalty (`no_time`). */
export function standing(policy: CoursePolicy, student: string, submittedAt: number | undefined): Standing {
  const deadline = policy.extensions.get(student) ?? policy.due;
  const extended = policy.extensions.has(student);
  const cutoffAt = policy.cutoff ? addDuration(deadline, policy.cutoff, policy.timeZone) : undefined;
  const base = { deadline, extended, submittedAt, cutoffAt, lateMs: 0, periods: 0, penaltyPercent: 0 };
  if (submittedAt === undefined) return { ...base, status: 'no_time' };
  if (submittedAt <= deadline) return { ...base, status: 'on_time' };
  const lateMs = submittedAt - deadline;
  if (cutoffAt !== undefined && submittedAt > cutoffAt) return { ...base, lateMs, status: 'past_cutoff', penaltyPercent: 100 };
  if (submittedAt <= addDuration(deadline, policy.grace, policy.timeZone)) return { ...base, lateMs, status: 'grace' };
  if (!policy.penalty) return { ...base, lateMs, status: 'late' };
  const periods = periodsStarted(deadline, submittedAt, policy.penalty.per, policy.timeZone);
  const penaltyPercent = Math.min(policy.penalty.max_percent ?? 100, periods * policy.penalty.percent);
  return { ...base, lateMs, status: 'late', periods, penaltyPercent: Math.round(penaltyPercent * 1e6) / 1e6 };
}

/** The score after the penalty: a share of the score (or of the maximum, never below 0); 0 past the cutoff. */
export function finalScore(raw: number, max: number, s: Pick<Standing, 'status' | 'penaltyPercent'>, of: LatePenalty['of'] = 'score'): number {
  if (s.status === 'past_cutoff') return 0;
  const lost = ((of === 'max' ? max : raw) * s.penaltyPercent) / 100;
  return Math.round(Math.max(0, raw - lost) * 1e6) / 1e6;
}

/** The policy in one sentence per rule, for feedback and the summary. */
export function describePolicy(policy: CoursePolicy): string[] {
  const lines = [`Due ${formatInZone(policy.due, policy.timeZone)} (${policy.timeZone}).`];
  if (toMinutes(policy.grace) > 0) lines.push(`Grace period: ${formatDuration(policy.grace)} late still counts as on time.`);
  const p = policy.penalty;
  if (p) lines.push(`Late: ${p.percent}% of the ${p.of === 'max' ? 'maximum' : 'score'} per ${p.per} started after the due date${p.max_percent !== undefined ? `, at most ${p.max_percent}%` : ''}.`);
  else lines.push('Late submissions lose no points (but are marked late).');
  if (policy.cutoff) lines.push(`Cutoff: a submission more than ${formatDuration(policy.cutoff)} after the due date scores 0.`);
  if (policy.extensions.size) lines.push(`Extensions: ${policy.extensions.size} student${policy.extensions.size === 1 ? '' : 's'} with their own due date (the cutoff moves with it).`);
  return lines;
}
