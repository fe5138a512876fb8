/**
 * Results rendered for people: the score table a student sees in a terminal, and the same
 * feedback as Markdown (feedback files, CI job summaries). Pure functions of the results.
 * Messages and notes hold student text (thrown errors, file names): every text field goes
 * through text.ts for its medium.
 *
 * Views (totals.ts): `student` lists what the items' visibility allows (hidden items only as a
 * count and their points, after_due_date items once the lab's due date has passed);
 * `instructor` lists everything. Both show the totals of totals.ts and say what they leave out.
 * Items still the stub are one line ("12 items not implemented yet; start with ..."), and a lab
 * that does not load shows its problem once per file, not once per item.
 */
import type { ItemResult, LabResult, Results } from '../engine/core/results';
import { forMarkdown, forMarkdownCell, forMarkdownCode, forTerminal, forWorkflowLog } from './text';
import { itemMessage } from './case-text';
import { lostByRootCause } from '../engine/core/rootcause';
import { LabTotals, Totals, View, formatPoints, formatTotal, isShown, labTotals, omissions, totals } from '../engine/core/totals';

export { formatPoints, isShown };
export type { View };

export interface ReportOptions {
  view: View;
  color?: boolean;
  /** For after_due_date items; defaults to now. */
  now?: Date;
  /** Width of the message column before wrapping. */
  width?: number;
}

const SYMBOL: Record<string, string> = { passed: '✓', timed_out: '⏱', not_implemented: '·', crashed: '✗', out_of_memory: '✗' };

function paint(color: boolean | undefined, code: number, text: string): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + word.length + 1 > width) {
        lines.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(indent + line);
  }
  return lines;
}

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

/** A lab that could not be built: its notes are its problems (else they are notes, such as type errors). */
const notesAreProblems = (lab: LabResult) => lab.status === 'syntax_error' || lab.status === 'forbidden_import' || lab.status === 'forbidden_link';

/**
 * The problems that kept a lab from loading, once per file: the first of each file with its
 * position (a parser's later complaints are usually the first one's echo), and how many more.
 */
export function loadProblems(lab: LabResult): string[] {
  const problems = notesAreProblems(lab) && lab.notes.length ? lab.notes : [lab.message];
  const byFile = new Map<string, { first: string; more: number }>();
  for (const p of problems) {
    const file = /^(labs\/[^:\s]+):\d+/.exec(p)?.[1] ?? p;
    const seen = byFile.get(file);
    if (seen) seen.more++;
    else byFile.set(file, { first: p, more: 0 });
  }
  return [...byFile.values()].map(({ first, more }) => (more ? `${first} (and ${more} more in this file)` : first));
}

/** Items still the stub: listed as one line, with the one to start on (the first in the rubric). */
function notImplemented(items: ItemResult[]): { items: ItemResult[]; line: string } | undefined {
  const stubs = items.filter((i) => i.status === 'not_implemented');
  if (stubs.length < 2) return undefined;
  const first = stubs[0];
  const points = formatPoints(Math.round(stubs.reduce((s, i) => s + i.max_score, 0) * 1e6) / 1e6);
  return { items: stubs, line: `${stubs.length} items not implemented yet (${points} points); start with ${first.id} (${first.title}): ${itemMessage(first)}` };
}

/**
 * "17 of 18 lost points trace back to positional_encoding.forward (...)": for each root cause
 * whose downstream items lost points too (rootcause.ts), over the items listed, most first.
 * The root's id and title come back as parts so each medium can escape them its own way.
 */
function rootCauseLines(listed: ItemResult[]): Array<{ before: string; id: string; after: string }> {
  const { groups, lost } = lostByRootCause({ items: listed });
  return groups
    .filter((g) => g.downstreamLost > 0)
    .map((g) => {
      const root = listed.find((i) => i.id === g.root);
      const title = root ? `(${root.title})` : '';
      return {
        before: `${formatPoints(g.lost)} of ${formatPoints(lost)} lost points trace back to`,
        id: g.root,
        after: `${title}: ${plural(g.items.length, 'item')} probably fail${g.items.length === 1 ? 's' : ''} because it does; fix it first`,
      };
    });
}

/** What the total is made of: "20 of 23 items passed", or, when some of it is not listed, the listed and hidden parts. */
function totalParts(t: Totals | LabTotals): string {
  const listed = plural(t.shown.items, 'item');
  if (t.hidden.items === 0) return `${t.passed} of ${listed} passed`;
  return `${formatPoints(t.shown.score)} / ${formatPoints(t.shown.max_score)} on the ${listed} listed (${t.passed} passed), ${formatPoints(t.hidden.score)} / ${formatPoints(t.hidden.max_score)} on ${plural(t.hidden.items, 'hidden item')}`;
}

/** The terminal score table. Safe to print in a CI log: no line of it starts a workflow command. */
export function formatTable(results: Results, opts: ReportOptions): string {
  const out: string[] = [];
  const width = opts.width ?? 100;
  const c = opts.color;
  const line = (text: string) => forTerminal(text, { lines: false });
  const all = totals(results, opts);
  results.labs.forEach((lab, l) => {
    const t = all.labs[l];
    const graded = lab.status === 'graded';
    const listed = lab.items.filter((i) => isShown(i, lab, opts));
    // A lab that did not load: its problem once, not once per item.
    const unloaded = graded ? [] : listed.filter((i) => i.status === lab.status);
    const stubs = graded ? notImplemented(listed) : undefined;
    const rows = listed.filter((i) => !unloaded.includes(i) && !stubs?.items.includes(i));
    const idWidth = Math.max(4, ...rows.map((i) => line(i.id).length));
    const titleWidth = Math.max(5, ...rows.map((i) => line(i.title).length));
    out.push(paint(c, 1, `${line(lab.lab)} · ${line(lab.title)}`) + `  ${formatPoints(t.total.score)} / ${formatPoints(t.total.max_score)}`);
    if (!graded) {
      loadProblems(lab).forEach((p, i) => out.push(...wrap(`${i === 0 ? `${lab.status}: ` : ''}${forTerminal(p)}`, width - 2, '  ').map((w) => paint(c, 31, w))));
      if (unloaded.length) out.push(`  ${plural(unloaded.length, 'item')} (${formatPoints(unloaded.reduce((s, i) => s + i.max_score, 0))} points) score 0 until it loads`);
    }
    for (const item of rows) {
      const ok = item.status === 'passed';
      const symbol = SYMBOL[item.status] ?? '✗';
      const pts = `${formatPoints(item.score)} / ${formatPoints(item.max_score)}`.padStart(9);
      const status = ok ? '' : `  ${item.status}`;
      out.push(`  ${paint(c, ok ? 32 : item.score > 0 ? 33 : 31, symbol)} ${line(item.id).padEnd(idWidth)}  ${line(item.title).padEnd(titleWidth)} ${pts}${paint(c, 31, status)}`);
      if (!ok && graded) {
        const indent = ' '.repeat(6);
        out.push(...wrap(forTerminal(itemMessage(item)), width - 6, indent).map((w) => paint(c, 2, w)));
        if (item.diagnosis) out.push(...wrap(`diagnosis: ${forTerminal(item.diagnosis)}`, width - 6, indent).map((w) => paint(c, 35, w)));
        if (item.hint) out.push(...wrap(`hint: ${forTerminal(item.hint)}`, width - 6, indent).map((w) => paint(c, 36, w)));
      }
    }
    if (stubs) out.push(...wrap(forTerminal(stubs.line), width - 6, '').map((w, i) => `  ${i ? ' ' : SYMBOL.not_implemented} ${w}`));
    if (graded) for (const r of rootCauseLines(listed)) out.push(...wrap(forTerminal(`${r.before} ${r.id} ${r.after}`), width - 4, '    ').map((w, i) => paint(c, 35, i ? w : `  → ${w.slice(4)}`)));
    // With one lab, the total says it.
    if (results.labs.length > 1) for (const o of omissions(t, { hiddenScores: true })) out.push(paint(c, 2, `  ${o}`));
    if (!notesAreProblems(lab)) for (const note of lab.notes) out.push(...wrap(`note: ${forTerminal(note)}`, width - 2, '  ').map((w) => paint(c, 33, w)));
    out.push('');
  });
  out.push(paint(c, 1, `Total: ${formatTotal(all.total)}`) + `  ${totalParts(all)}`);
  if (all.pending.items > 0) out.push(...omissions({ hidden: { items: 0, score: 0, max_score: 0 }, pending: all.pending }, { hiddenScores: true }));
  // Wrapping can put any word of a message first on a line: the lines are checked as printed.
  return forWorkflowLog(out.join('\n'));
}

/** Markdown feedback: the total, a table per lab, then what went wrong for each failed item. */
export function formatMarkdown(results: Results, opts: ReportOptions): string {
  const out: string[] = [];
  const all = totals(results, opts);
  out.push(`# gradecheck feedback`, '', `**Total: ${formatPoints(all.total.score)} / ${formatPoints(all.total.max_score)}** (${totalParts(all)})`, '');
  if (all.pending.items > 0) out.push(...omissions({ hidden: { items: 0, score: 0, max_score: 0 }, pending: all.pending }, { hiddenScores: true }).map((o) => `${o}.`), '');
  results.labs.forEach((lab, l) => {
    const t = labTotals(lab, opts);
    const shown = lab.items.filter((i) => isShown(i, lab, opts));
    out.push(`## ${forMarkdownCell(lab.lab)}: ${forMarkdownCell(lab.title)} (${formatPoints(t.total.score)} / ${formatPoints(t.total.max_score)})`, '');
    if (lab.status !== 'graded') out.push(...loadProblems(lab).map((p, i) => `> ${i === 0 ? `**${lab.status}**: ` : ''}${forMarkdown(p)}`), '');
    out.push('| | Item | Points | Result |', '|---|---|---:|---|');
    for (const i of shown) out.push(`| ${i.status === 'passed' ? '✅' : '❌'} | ${forMarkdownCell(i.title)} (${forMarkdownCode(i.id, { table: true })}) | ${formatPoints(i.score)} / ${formatPoints(i.max_score)} | ${i.status} |`);
    out.push('');
    if (lab.status === 'graded') {
      const causes = rootCauseLines(shown);
      if (causes.length) out.push(...causes.map((r) => `- ${forMarkdown(r.before)} ${forMarkdownCode(r.id)} ${forMarkdown(r.after)}`), '');
    }
    const omitted = results.labs.length > 1 ? omissions(t, { hiddenScores: true }) : [];
    if (omitted.length) out.push(...omitted.map((o) => `_${o}._`), '');
    const stubs = notImplemented(shown);
    const failed = shown.filter((i) => i.status !== 'passed' && !stubs?.items.includes(i));
    if (lab.status === 'graded') {
      if (stubs) out.push(`_${forMarkdown(stubs.line)}_`, '');
      for (const i of failed) {
        out.push(`### ${forMarkdownCell(i.title)}`, '', `- **What happened:** ${forMarkdown(itemMessage(i))}`);
        if (i.diagnosis) out.push(`- **Diagnosis:** ${forMarkdown(i.diagnosis)}`);
        if (i.hint) out.push(`- **Hint:** ${forMarkdown(i.hint)}`);
        out.push('');
      }
    }
    const figures = shown.flatMap((i) => i.figures ?? []);
    if (figures.length) out.push('### Figures', '', ...figures.map((f) => `![${forMarkdownCell(f.title)}](${encodeURI(`${FIGURES_DIR}/${f.name}`).replace(/\(/g, '%28').replace(/\)/g, '%29')})`), '');
    if (lab.notes.length && !notesAreProblems(lab)) out.push('Notes:', '', ...lab.notes.map((n) => `- ${forMarkdown(n)}`), '');
  });
  return out.join('\n');
}

/** Where feedback figures go, relative to the Markdown file. */
export const FIGURES_DIR = 'figures';

/** The files of a feedback folder: feedback.md and the figures it links to. */
export function feedbackFiles(results: Results, opts: ReportOptions): Record<string, string> {
  const files: Record<string, string> = { 'feedback.md': formatMarkdown(results, opts) };
  for (const lab of results.labs) {
    for (const item of lab.items.filter((i) => isShown(i, lab, opts))) {
      for (const f of item.figures ?? []) files[`${FIGURES_DIR}/${f.name}`] = f.svg;
    }
  }
  return files;
}
