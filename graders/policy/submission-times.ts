/**
 * When each student submitted: from a CSV the course staff supply (`student,submitted_at`, as
 * LMS and Classroom 50 exports give them), or else from the last commit that touched `labs/` in
 * the student's clone. A commit's date is whatever the student's clock (or `git commit --date`)
 * said, so the summary warns when any time came from one. A zip's own timestamps are never
 * read: they are whatever the zipping machine said.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FileIssue, cellOf, readTable } from './table';
import { instantOf, parseWrittenTime } from './time';

export type TimeSource = 'file' | 'git';

export interface SubmissionTime {
  ms: number;
  source: TimeSource;
  /** `times.csv:4`, or the commit (`git 1a2b3c4`). */
  from: string;
}

const ALIASES: Record<string, string> = { id: 'student', login: 'student', submitted: 'submitted_at', submission_time: 'submitted_at', timestamp: 'submitted_at', submitted_on: 'submitted_at', time: 'submitted_at' };

/**
 * Reads a submission-times file. A time without an offset is read in `timeZone` (the
 * assignment's); an empty time means no submission time is known for that student.
 */
export function readSubmissionTimes(file: string, text: string, timeZone: string | undefined): { times?: Map<string, SubmissionTime>; issues: FileIssue[] } {
  const { table, issues } = readTable(file, text, { required: ['student', 'submitted_at'], optional: [], aliases: ALIASES });
  if (!table || issues.length) return { issues };
  const times = new Map<string, SubmissionTime>();
  const lines = new Map<string, number>();
  for (const row of table.rows) {
    const student = cellOf(table, row, 'student');
    const text = cellOf(table, row, 'submitted_at');
    if (!student) {
      issues.push({ file, line: row.line, path: 'student', message: 'no student id' });
      continue;
    }
    if (lines.has(student)) {
      issues.push({ file, line: row.line, path: 'student', message: `"${student}" is there twice (first on line ${lines.get(student)}): keep the submission that counts` });
      continue;
    }
    lines.set(student, row.line);
    if (!text) continue;
    const t = parseWrittenTime(text);
    if (!t) issues.push({ file, line: row.line, path: 'submitted_at', message: `"${text}" is not a date and time (expected ISO 8601: 2025-10-14T21:59:00Z, 2025-10-14 23:59:00+02:00, or 2025-10-14 23:59 in the assignment's time zone)` });
    else if (t.kind === 'wall' && !timeZone) issues.push({ file, line: row.line, path: 'submitted_at', message: `"${text}" has no offset, and the assignment has no time_zone to read it in: add Z or +02:00, or time_zone to the assignment` });
    else times.set(student, { ms: instantOf(t, timeZone ?? 'UTC'), source: 'file', from: `${path.basename(file)}:${row.line}` });
  }
  return issues.length ? { issues } : { times, issues };
}

/** The clone's repository: the submission folder, or the one folder in it that holds the repository (`alice/lab1-alice/`). */
function repositoryOf(folder: string): string | undefined {
  if (fs.existsSync(path.join(folder, '.git'))) return folder;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(folder).filter((n) => !n.startsWith('.') && fs.existsSync(path.join(folder, n, '.git')));
  } catch {
    return undefined;
  }
  return entries.length === 1 ? path.join(folder, entries[0]) : undefined;
}

/**
 * The committer date of the last commit that touched `labs/` in a clone, or why there is none.
 * git runs with the clone's hooks and file-system monitor off (a clone's own config could name
 * programs to run) and no pager or prompt; a clone owned by another user is read all the same.
 */
export function gitSubmissionTime(folder: string): { time?: SubmissionTime; problem?: string } {
  const repo = repositoryOf(folder);
  if (!repo) return { problem: 'not a git clone' };
  const r = spawnSync(
    'git',
    ['-c', 'core.fsmonitor=false', '-c', `core.hooksPath=${process.platform === 'win32' ? 'NUL' : '/dev/null'}`, '-c', 'safe.directory=*', '--no-pager', 'log', '-1', '--format=%H %cI', '--no-show-signature', '--', 'labs'],
    { cwd: repo, encoding: 'utf8', timeout: 10000, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat' } },
  );
  if (r.error) return { problem: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : `git failed: ${r.error.message}` };
  if (r.status !== 0) return { problem: `git log failed: ${(r.stderr || '').trim().split('\n')[0]}` };
  const m = /^([0-9a-f]{7,64}) (\S+)$/.exec(r.stdout.trim());
  if (!m) return { problem: 'no commit touches labs/' };
  const ms = Date.parse(m[2]);
  if (!Number.isFinite(ms)) return { problem: `git gave an unreadable date "${m[2]}"` };
  return { time: { ms, source: 'git', from: `commit ${m[1].slice(0, 10)}` } };
}
