/**
 * What a batch's scores were computed from, recorded in its output (gradebook.json) so that a
 * later run can say which change moved a score: each lab's rubric (a hash of the file, and of
 * each item's points, tolerance, cases and visibility), its reference and everything else its
 * expected values depend on, the grading configuration, the policy, the roster and the
 * submission-times file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from '../engine/core/files';
import type { Lab } from '../engine/core/labs';

export interface ItemProvenance {
  points: number;
  tolerance: string;
  cases: string;
  visibility: string;
}

export interface LabProvenance {
  /** SHA-256 of rubrics/<lab>.yaml (first 16 hex digits). */
  rubric: string;
  items: Record<string, ItemProvenance>;
  /** SHA-256 of reference/<lab>/**. */
  reference: string;
  /** The expected values' key: rubric, reference, ops, fixtures, mutants and engine together. */
  expected: string;
}

export interface Provenance {
  labs: Record<string, LabProvenance>;
  /** The grading configuration's fingerprint (labs, expected values, time budgets, memory). */
  config: string;
  policy: string | null;
  roster: string | null;
  submission_times: string | null;
}

const short = (h: string) => h.slice(0, 16);
const hashText = (t: string | Buffer) => short(createHash('sha256').update(t).digest('hex'));

function hashFiles(root: string, rel: string): string {
  const h = createHash('sha256');
  for (const f of filesUnder(root, rel)) {
    h.update(f);
    h.update(fs.readFileSync(path.join(root, f)));
  }
  return short(h.digest('hex'));
}

export function labProvenance(root: string, lab: Lab, expectedKey: string): LabProvenance {
  const rubricFile = path.join(root, 'rubrics', `${lab.name}.yaml`);
  const items = Object.fromEntries(
    lab.rubric.items.map((it) => [it.id, { points: it.points, tolerance: JSON.stringify(it.tolerance), cases: hashText(JSON.stringify(it.cases)), visibility: it.visibility }]),
  );
  return { rubric: hashText(fs.readFileSync(rubricFile)), items, reference: hashFiles(root, `reference/${lab.name}`), expected: expectedKey };
}

export const hashOf = hashText;

/** What changed between two provenances, in words, per lab ('' for course-wide changes). */
export function provenanceChanges(before: Provenance | undefined, after: Provenance): Array<{ lab: string; item?: string; what: string }> {
  if (!before) return [];
  const out: Array<{ lab: string; item?: string; what: string }> = [];
  for (const [lab, now] of Object.entries(after.labs)) {
    const was = before.labs[lab];
    if (!was) {
      out.push({ lab, what: `lab ${lab} added to the assignment` });
      continue;
    }
    if (was.rubric !== now.rubric) out.push({ lab, what: `rubrics/${lab}.yaml changed (rubric ${was.rubric} → ${now.rubric})` });
    for (const [id, item] of Object.entries(now.items)) {
      const old = was.items[id];
      if (!old) out.push({ lab, item: id, what: `item ${id} added (${item.points} points)` });
      else {
        if (old.points !== item.points) out.push({ lab, item: id, what: `item ${id}: points ${old.points} → ${item.points}` });
        if (old.tolerance !== item.tolerance) out.push({ lab, item: id, what: `item ${id}: tolerance ${old.tolerance} → ${item.tolerance}` });
        if (old.cases !== item.cases) out.push({ lab, item: id, what: `item ${id}: cases changed${item.visibility !== 'visible' ? ` (a ${item.visibility} item)` : ''}` });
        if (old.visibility !== item.visibility) out.push({ lab, item: id, what: `item ${id}: visibility ${old.visibility} → ${item.visibility}` });
      }
    }
    for (const id of Object.keys(was.items)) if (!now.items[id]) out.push({ lab, item: id, what: `item ${id} removed` });
    if (was.reference !== now.reference) out.push({ lab, what: `reference/${lab} changed (${was.reference} → ${now.reference})` });
    if (was.expected !== now.expected && was.rubric === now.rubric && was.reference === now.reference) out.push({ lab, what: `${lab}'s ops, fixtures, mutants or the engine changed (expected values ${was.expected} → ${now.expected})` });
  }
  for (const lab of Object.keys(before.labs)) if (!after.labs[lab]) out.push({ lab, what: `lab ${lab} removed from the assignment` });
  if (before.config !== after.config && out.length === 0) out.push({ lab: '', what: 'the grading configuration changed (--timeout, --memory or --typecheck)' });
  if (before.policy !== after.policy) out.push({ lab: '', what: `the deadline policy changed (${before.policy ?? 'none'} → ${after.policy ?? 'none'})` });
  if (before.roster !== after.roster) out.push({ lab: '', what: `the roster changed (${before.roster ?? 'none'} → ${after.roster ?? 'none'})` });
  if (before.submission_times !== after.submission_times) out.push({ lab: '', what: `the submission-times file changed (${before.submission_times ?? 'none'} → ${after.submission_times ?? 'none'})` });
  return out;
}
