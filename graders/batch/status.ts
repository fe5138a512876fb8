/**
 * A student's status in the gradebook: `graded` when every lab's code ran (whatever it
 * scored) and nothing was noted, else what happened, worst first, joined by `+`
 * (`timed_out+crashed`), with the first message of each kind. Intake problems (`bad_zip`,
 * `unsafe_zip`, ...) come from the batch and come first; notes on the name (`odd_name`,
 * `similar_name`) come last, after what the code did; `error` is the harness's failure
 * (graded again by --resume); `not_graded` and `unverified` are rows without trustworthy results.
 */
import type { Results, Status } from '../engine/core/results';
import { itemMessage } from '../emit/case-text';
import type { StudentProblem } from './grade-student';
import { NOTE_CODES } from './intake';

/**
 * Outcomes that mean the code did not run to an answer (a TA may want to look), worst first.
 * Wrong answers and unimplemented stubs are not here: the scores say those.
 */
const NOTABLE: Status[] = ['forbidden_import', 'syntax_error', 'load_error', 'missing_export', 'out_of_memory', 'timed_out', 'crashed', 'threw'];

const MESSAGE_LIMIT = 160;

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MESSAGE_LIMIT ? `${line.slice(0, MESSAGE_LIMIT - 1)}…` : line;
}

export function studentStatus(results: Results, problems: StudentProblem[]): { status: string; message: string } {
  const isNote = (p: StudentProblem) => NOTE_CODES.includes(p.code);
  const found: Array<{ status: string; message: string }> = [...problems.filter((p) => !isNote(p)).map((p) => ({ status: p.code, message: clip(p.message) })), ...codeStatus(results), ...problems.filter(isNote).map((p) => ({ status: p.code, message: clip(p.message) }))];
  if (found.length === 0) return { status: 'graded', message: '' };
  return { status: [...new Set(found.map((f) => f.status))].join('+'), message: found.map((f) => f.message).join('; ') };
}

/** What the code did that a TA may want to look at, worst first, with the first message of each. */
function codeStatus(results: Results): Array<{ status: string; message: string }> {
  const first = new Map<Status, string>();
  for (const lab of results.labs) {
    if ((lab.status === 'syntax_error' || lab.status === 'load_error' || lab.status === 'forbidden_import') && !first.has(lab.status)) first.set(lab.status, `${lab.lab}: ${clip(lab.message)}`);
    for (const item of lab.items) {
      if (NOTABLE.includes(item.status) && !first.has(item.status)) first.set(item.status, `${lab.lab} ${item.id}: ${clip(itemMessage(item))}`);
    }
  }
  return NOTABLE.filter((s) => first.has(s)).map((s) => ({ status: s, message: first.get(s)! }));
}
