/**
 * Progress of a batch, as text: a bar (done/total, problems, ETA) redrawn in place on a
 * terminal, and one plain line per finished student otherwise (CI logs, pipes). Student ids
 * are folder and file names, which may hold anything but a slash: they are shown one line
 * each, escape sequences shown and not obeyed (`studentName`).
 */
import { formatPoints } from '../emit/score-table';
import { forTerminal } from '../emit/text';
import type { StudentRecord } from './store';

export interface ProgressState {
  done: number;
  total: number;
  /** Finished students whose status is not `graded`. */
  problems: number;
  startedAt: number;
  now: number;
  /** Students being graded. */
  running: string[];
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A student id as one line of terminal text, at most `limit` characters. */
export function studentName(text: string, limit = 80): string {
  return forTerminal(text, { lines: false, limit });
}

/** Time left, from the rate so far. */
export function eta(s: ProgressState): string {
  if (s.done === 0) return '?';
  return formatDuration(((s.now - s.startedAt) / s.done) * (s.total - s.done));
}

/** `[#########-----------] 45/200  3 problems  ETA 4m12s  grading alice, bob` */
export function progressBar(s: ProgressState, columns = 100): string {
  const width = 24;
  const filled = s.total ? Math.round((width * s.done) / s.total) : width;
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const line = `${bar} ${s.done}/${s.total}  ${s.problems} problem${s.problems === 1 ? '' : 's'}  ETA ${eta(s)}${s.running.length ? `  grading ${s.running.map((r) => studentName(r)).join(', ')}` : ''}`;
  return line.length > columns - 1 ? line.slice(0, columns - 2) + '…' : line;
}

/** `[45/200] alice  25 / 28  timed_out+crashed  3.4 s  ETA 4m12s` */
export function progressLine(s: ProgressState, r: StudentRecord): string {
  const score = r.status === 'error' ? '-' : `${formatPoints(r.score)} / ${formatPoints(r.max_score)}`;
  return `[${s.done}/${s.total}] ${studentName(r.student)}  ${score}  ${r.status}  ${(r.duration_ms / 1000).toFixed(1)} s  ETA ${eta(s)}`;
}
