/**
 * The regrade report: after the rubric, a tolerance, the reference, the policy or a submission
 * changed, `batch --resume` compares the new gradebook with the one it replaced and says which
 * students' scores changed, by how much, on which items, and which change caused it (from the
 * provenance both runs recorded). Pure: two gradebook records in, a report out.
 */
import { forMarkdown, forMarkdownCell } from '../emit/text';
import type { CourseRow } from './course';
import { Provenance, provenanceChanges } from './provenance';

export const GRADEBOOK_JSON = 'gradebook.json';
export const GRADEBOOK_JSON_FORMAT = 'gradecheck/gradebook';
export const REGRADE_FORMAT = 'gradecheck/regrade';

/** gradebook.json: the gradebook as data, with what it was computed from. */
export interface GradebookRecord {
  format: typeof GRADEBOOK_JSON_FORMAT;
  version: 1;
  written_at: string;
  labs: string[];
  provenance: Provenance;
  /** The policy's rules in words, its hash and zone; null without a due date. */
  policy: { sha256: string; time_zone: string; rules: string[] } | null;
  rows: CourseRow[];
  /** Item scores: student -> lab -> item -> score. */
  items: Record<string, Record<string, Record<string, number>>>;
  /** Each graded student's submission hash. */
  digests: Record<string, string>;
}

export interface ItemChange {
  lab: string;
  item: string;
  before: number | null;
  after: number | null;
  delta: number;
}

export interface RegradeChange {
  student: string;
  before: number | null;
  after: number | null;
  delta: number | null;
  labs: Array<{ lab: string; raw_before: number | null; raw_after: number | null; final_before: number | null; final_after: number | null }>;
  items: ItemChange[];
  penalty: { before: number | null; after: number | null } | null;
  causes: string[];
}

export interface RegradeReport {
  format: typeof REGRADE_FORMAT;
  version: 1;
  previous: string;
  current: string;
  /** What changed between the two runs' inputs. */
  inputs: string[];
  changed: RegradeChange[];
  unchanged: number;
  /** In the new gradebook only / the old one only. */
  added: string[];
  removed: string[];
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : round(b - a));

export function regradeReport(before: GradebookRecord, after: GradebookRecord): RegradeReport {
  const inputs = provenanceChanges(before.provenance, after.provenance);
  const old = new Map(before.rows.map((r) => [r.student, r]));
  const now = new Map(after.rows.map((r) => [r.student, r]));
  const changed: RegradeChange[] = [];
  let unchanged = 0;
  for (const row of after.rows) {
    const was = old.get(row.student);
    if (!was) continue;
    const items: ItemChange[] = [];
    const a = before.items[row.student] ?? {};
    const b = after.items[row.student] ?? {};
    for (const lab of after.labs) {
      const ids = new Set([...Object.keys(a[lab] ?? {}), ...Object.keys(b[lab] ?? {})]);
      for (const item of ids) {
        const x = a[lab]?.[item] ?? null;
        const y = b[lab]?.[item] ?? null;
        if (x !== y) items.push({ lab, item, before: x, after: y, delta: round((y ?? 0) - (x ?? 0)) });
      }
    }
    const labs = after.labs
      .map((lab) => ({ lab, raw_before: was.labs[lab]?.raw ?? null, raw_after: row.labs[lab].raw, final_before: was.labs[lab]?.final ?? null, final_after: row.labs[lab].final }))
      .filter((l) => l.raw_before !== l.raw_after || l.final_before !== l.final_after);
    const penalty = was.penalty_percent !== row.penalty_percent ? { before: was.penalty_percent, after: row.penalty_percent } : null;
    if (was.total === row.total && labs.length === 0 && items.length === 0 && !penalty && was.status === row.status) {
      unchanged++;
      continue;
    }
    const causes = new Set<string>();
    for (const it of items) {
      const exact = inputs.filter((c) => c.lab === it.lab && c.item === it.item);
      const labWide = inputs.filter((c) => c.lab === it.lab && !c.item);
      for (const c of exact.length ? exact : labWide) causes.add(c.what);
    }
    if (before.digests[row.student] !== after.digests[row.student] && after.digests[row.student]) causes.add('the submission changed');
    if (penalty || was.late_status !== row.late_status) {
      for (const c of inputs.filter((c) => c.lab === '' && /policy|roster/.test(c.what))) causes.add(c.what);
      if (was.submitted_at !== row.submitted_at) causes.add(`the submission time changed (${was.submitted_at ?? 'unknown'} → ${row.submitted_at ?? 'unknown'})`);
    }
    if (was.status !== row.status) causes.add(`status ${was.status} → ${row.status}`);
    if (causes.size === 0) causes.add(inputs.find((c) => c.lab === '')?.what ?? 'graded again with the same inputs (a time budget that ran out in one run and not the other?)');
    changed.push({ student: row.student, before: was.total, after: row.total, delta: diff(was.total, row.total), labs, items, penalty, causes: [...causes] });
  }
  return {
    format: REGRADE_FORMAT,
    version: 1,
    previous: before.written_at,
    current: after.written_at,
    inputs: inputs.map((c) => c.what),
    changed,
    unchanged,
    added: after.rows.filter((r) => !old.has(r.student)).map((r) => r.student),
    removed: before.rows.filter((r) => !now.has(r.student)).map((r) => r.student),
  };
}

const signed = (x: number | null) => (x === null ? '-' : x > 0 ? `+${x}` : String(x));
const num = (x: number | null) => (x === null ? '-' : String(x));

export function regradeMarkdown(r: RegradeReport, previousFile: string): string {
  const out = ['# Regrade', '', `Compared with the gradebook of ${r.previous} (kept as \`${previousFile}\`).`, ''];
  out.push('## What changed in the inputs', '');
  out.push(...(r.inputs.length ? r.inputs.map((w) => `- ${forMarkdown(w)}`) : ['- nothing recorded (rubrics, reference, policy, roster and submission times are as before)']), '');
  out.push(`## Scores: ${r.changed.length} student${r.changed.length === 1 ? '' : 's'} changed, ${r.unchanged} unchanged`, '');
  if (r.changed.length) {
    out.push('| Student | Before | After | Change | Items | Why |', '|---|---:|---:|---:|---|---|');
    for (const c of r.changed) {
      const items = c.items.map((i) => `${i.lab} ${i.item} ${num(i.before)} → ${num(i.after)}`);
      if (c.penalty) items.push(`penalty ${num(c.penalty.before)}% → ${num(c.penalty.after)}%`);
      out.push(`| ${forMarkdownCell(c.student)} | ${num(c.before)} | ${num(c.after)} | ${signed(c.delta)} | ${forMarkdownCell(items.join('; '))} | ${forMarkdownCell(c.causes.join('; '))} |`);
    }
    out.push('');
  }
  if (r.added.length) out.push(`New in this gradebook: ${r.added.map((s) => forMarkdownCell(s)).join(', ')}.`, '');
  if (r.removed.length) out.push(`No longer in it: ${r.removed.map((s) => forMarkdownCell(s)).join(', ')}.`, '');
  return out.join('\n');
}
