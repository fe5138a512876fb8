/**
 * `gradecheck explain --student ID --out DIR`: a student's regrade request answered from the
 * record a batch left, without grading anything again: every item's outcome, the evidence, the
 * deadline policy applied to the scores, and the rubric and reference versions they were graded
 * with. The evidence is printed from the fields results.json (v2) keeps for a failing case, with
 * the exact numbers stored, for the course staff: the feedback's words round them
 * (graders/emit/case-text.ts); a version 1 file has only its words.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readStudent, readManifest, storeKey } from '../../graders/batch/store';
import { gradientText } from '../../graders/emit/case-text';
import { forTerminal } from '../../graders/emit/text';
import { JsonNumber, fromJsonNumber } from '../../graders/engine/core/json-number';
import type { BoundsMiss, CaseResult, GradcheckVerdict, GradientFinding, MismatchData } from '../../graders/engine/core/results';
import { readGradebookRecord } from '../../graders/policy/apply';
import { GRADEBOOK_JSON } from '../../graders/policy/regrade';
import { SHARED_OPTIONS, UsageError, defineCommand, described, required, text as textOption } from '../command';

const text = (v: unknown) => forTerminal(String(v), { lines: false });

/** A number as stored, to the last digit: a regrade request is about exactly these values. */
const num = (x: JsonNumber) => String(fromJsonNumber(x));
const at = (index: number[]) => (index.length ? `[${index.join(', ')}]` : '');

/**
 * One compared output or gradient, from its fields: the worst element, expected and actual, the
 * errors, how many elements are off, and the tolerance test the worst element failed.
 */
export function mismatchEvidence(m: MismatchData): string[] {
  const name = m.path || 'value';
  switch (m.kind) {
    case 'missing':
      return [`${name}: missing from what the function returned`];
    case 'wrong_type':
      return [`${name}: expected ${m.expected}, got ${m.actual} (wrong type)`];
    case 'wrong_shape':
      return [`${name}: expected shape [${m.expected.join(', ')}], got [${m.actual.join(', ')}] (wrong shape)`];
    case 'wrong_value':
    case 'not_finite': {
      const expected = fromJsonNumber(m.expected);
      const allowed = m.tolerance.atol + m.tolerance.rtol * Math.abs(expected);
      const error = Math.abs(fromJsonNumber(m.actual) - expected);
      return [
        `${name}${at(m.index)} (shape [${m.shape.join(', ')}]): expected ${num(m.expected)}, got ${num(m.actual)}${m.kind === 'not_finite' ? ' (not finite)' : ''}`,
        `  |error| ${Number.isFinite(error) ? String(error) : 'not finite'} > allowed ${allowed} (atol ${m.tolerance.atol} + rtol ${m.tolerance.rtol} × |expected|)`,
        `  max |error| ${num(m.max_abs_error)}, max relative error ${num(m.max_rel_error)}; ${m.elements_off} of ${m.elements} elements off`,
      ];
    }
  }
}

function verdictEvidence(v: GradcheckVerdict): string {
  if (v.problem === 'nothing_to_check') return `finite differences: nothing to check (no float input among ${v.inputs?.join(', ') || 'the gradients'})`;
  if (v.problem === 'could_not_run') return `finite differences: could not run (${v.reason ?? 'no reason given'})`;
  const what = v.mode === 'full' ? `${v.checked} element${v.checked === 1 ? '' : 's'}` : `${v.checked} random projection${v.checked === 1 ? '' : 's'}`;
  if (v.agrees) return `finite differences of the student's own forward: the backward agrees (${what} checked)`;
  const parts = [`finite differences of the student's own forward: the backward disagrees (${v.mode === 'full' ? `${v.elements_off ?? '?'} of ${what}` : `${v.direction?.disagreeing ?? '?'} of ${what}`})`];
  if (v.disagreeing?.length) parts.push(`gradients that disagree: ${v.disagreeing.join(', ')}`);
  if (v.worst) parts.push(`worst ${v.worst.input}${at(v.worst.index)}: backward ${num(v.worst.backward)}, finite differences ${num(v.worst.finite_differences)}`);
  if (v.direction) parts.push(`direction ${v.direction.number}: backward ${num(v.direction.backward)}, finite differences ${num(v.direction.finite_differences)}`);
  return parts.join('; ');
}

/** The gradient verdict, from its fields: is the forward right, and what finite differences of it say. */
export function gradientEvidence(g: GradientFinding): string[] {
  const forward = { right: 'right (it matches the reference)', wrong: 'wrong (it does not match the reference)', not_run: `not run (${g.forward_problem ?? 'no reason given'})` }[g.forward];
  const lines = [`gradient: the student's forward is ${forward}`];
  if (g.own_forward) lines.push(`  ${verdictEvidence(g.own_forward)}`);
  const verdict = gradientText(g);
  if (verdict) lines.push(`  verdict: ${verdict}`);
  return lines;
}

const boundsEvidence = (b: BoundsMiss) => `${b.key}: ${b.actual === undefined ? `not a number (${b.returned ?? 'undefined'})` : num(b.actual)}; required ${b.min !== undefined ? `>= ${b.min}` : ''}${b.min !== undefined && b.max !== undefined ? ' and ' : ''}${b.max !== undefined ? `<= ${b.max}` : ''}`;

/** Everything a failing case recorded (results v2 fields; a version 1 file has words only). */
export function caseEvidence(c: CaseResult): string[] {
  const lines: string[] = [];
  for (const m of c.mismatches ?? []) lines.push(...mismatchEvidence(m));
  if (c.mismatches_total !== undefined && c.mismatches && c.mismatches_total > c.mismatches.length) lines.push(`(${c.mismatches_total - c.mismatches.length} more outputs or gradients off, not recorded)`);
  for (const b of c.bounds ?? []) lines.push(boundsEvidence(b));
  if (c.gradient) lines.push(...gradientEvidence(c.gradient));
  if (c.value_digest) lines.push(`answer digest ${c.value_digest} (equal digests: bit-identical answers)`);
  return lines.map(text);
}

export const explain = defineCommand({
  name: 'explain',
  summary: "Answers a student's regrade request from a batch's output: every item's outcome and evidence, the late policy applied, the rubric version.",
  options: {
    student: required(textOption('ID', 'the student id, as in grades.csv (required)')),
    out: required(described(SHARED_OPTIONS.out, 'the output folder of `gradecheck batch` or `gradecheck merge` (required)')),
  },
  details: [
    'Reads DIR/batch.json, the student\'s record and results.json (verified with GRADECHECK_BATCH_KEY, else',
    'DIR/.batch-key) and DIR/gradebook.json; grades nothing. A failing case shows what its results recorded:',
    'each output or gradient off (worst element, expected and actual values, errors, elements off, the',
    'tolerance), the gradient verdict (is the forward right; does the backward agree with finite',
    'differences of it) and bounds missed. Exit codes: 0 printed, 1 the student\'s results are missing or',
    'do not verify, 2 bad usage (no such folder or student).',
  ].join('\n'),
  async run(args, io) {
    const student = args.get('student');
    const dir = path.resolve(io.cwd, args.get('out'));
    const manifest = fs.existsSync(dir) ? readManifest(dir) : undefined;
    if (!manifest) throw new UsageError(`explain: ${dir} is not the output folder of gradecheck batch (no batch.json)`);
    const book = readGradebookRecord(path.join(dir, GRADEBOOK_JSON));
    const row = book?.rows.find((r) => r.student === student);
    if (!manifest.students.includes(student) && !row) {
      const near = manifest.students.filter((s) => s.toLowerCase().includes(student.toLowerCase())).slice(0, 5);
      throw new UsageError(`explain: no student "${student}" in ${dir}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
    }
    io.out(`${text(student)}${row?.name ? ` (${text(row.name)})` : ''}`);
    if (row) {
      io.out(`  total ${row.total ?? '-'} / ${row.max}${row.raw_total !== row.total ? ` (raw ${row.raw_total ?? '-'}, before the late penalty)` : ''}; status ${row.status}${row.message ? `: ${text(row.message)}` : ''}`);
    }
    if (row?.status === 'missing') {
      io.out('  no submission: 0 (on the roster, nothing handed in)');
      return 0;
    }
    const r = readStudent(dir, student, storeKey(dir, io.env, false));
    if (!r.ok) {
      io.err(`${text(student)}: ${r.message}`);
      return 1;
    }
    for (const lab of r.results.labs) {
      const prov = book?.provenance.labs[lab.lab];
      io.out('');
      io.out(`${text(lab.lab)}: ${lab.score} / ${lab.max_score} (${lab.status})${prov ? `  rubric ${prov.rubric}, reference ${prov.reference}, expected values ${prov.expected}` : ''}`);
      if (lab.status !== 'graded' && lab.message) io.out(`  ${text(lab.message)}`);
      if (lab.hidden) io.out(`  + ${lab.hidden.items} hidden item${lab.hidden.items === 1 ? '' : 's'}: ${lab.hidden.score} / ${lab.hidden.max_score}`);
      if (lab.pending) io.out(`  ${lab.pending.items} item${lab.pending.items === 1 ? '' : 's'} not graded in this run (${lab.pending.max_score} points)`);
      for (const item of lab.items) {
        io.out(`  ${item.status === 'passed' ? 'ok  ' : 'FAIL'} ${text(item.id)}  ${item.score} / ${item.max_score}  ${item.status}${item.visibility !== 'visible' ? ` (${item.visibility})` : ''}`);
        if (item.status === 'passed') continue;
        if (item.diagnosis) io.out(`       diagnosis${item.diagnosed_by ? ` (${text(item.diagnosed_by)})` : ''}: ${text(item.diagnosis)}`);
        if (item.root_cause) io.out(`       follows from: ${text(item.root_cause)}`);
        if (item.cases.length === 0 && item.message) io.out(`       ${text(item.message)}`);
        for (const c of item.cases) {
          if (c.status === 'passed') continue;
          io.out(`       case ${text(c.label)}: ${c.status}${c.message ? `: ${text(c.message)}` : ''}`);
          for (const e of caseEvidence(c)) io.out(`         ${e}`);
        }
      }
    }
    io.out('');
    if (book?.policy && row) {
      io.out('Deadline policy applied:');
      for (const rule of book.policy.rules) io.out(`  ${rule}`);
      io.out(`  due ${row.due}${row.extended ? ' (extension)' : ''}; submitted ${row.submitted_at ?? 'unknown'}${row.time_source ? ` (${row.time_source}: ${text(row.time_from)})` : ''}`);
      io.out(`  ${row.late_status}${row.late_hours ? `, ${row.late_hours} h late` : ''}${row.penalty_percent ? `, penalty ${row.penalty_percent}%` : ''}: raw ${row.raw_total ?? '-'} -> final ${row.total ?? '-'} / ${row.max}  (policy ${book.policy.sha256.slice(0, 16)})`);
    } else io.out('Deadline policy: none (the assignment has no due date): the scores are final as graded.');
    if (book) io.out(`Graded with configuration ${book.provenance.config}; gradebook written ${book.written_at}.`);
    return 0;
  },
});
