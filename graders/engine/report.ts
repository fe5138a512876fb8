/**
 * Results rendered for people: the score table a student sees in a terminal, and the same
 * feedback as Markdown (feedback files, CI job summaries). Pure functions of the results.
 * Messages and notes hold student text (thrown errors, file names): every text field goes
 * through text.ts for its medium.
 *
 * Views: `student` shows what the items' visibility allows (hidden items only as a count,
 * after_due_date items once the lab's due date has passed); `instructor` shows everything.
 */
import type { ItemResult, LabResult, Results } from './results';
import { forMarkdown, forMarkdownCell, forMarkdownCode, forTerminal, forWorkflowLog } from './text';

export type View = 'student' | 'instructor';

export interface ReportOptions {
  view: View;
  color?: boolean;
  /** For after_due_date items; defaults to now. */
  now?: Date;
  /** Width of the message column before wrapping. */
  width?: number;
}

export function isShown(item: ItemResult, lab: LabResult, opts: ReportOptions): boolean {
  if (opts.view === 'instructor' || item.visibility === 'visible') return true;
  if (item.visibility === 'after_due_date') return lab.due !== undefined && (opts.now ?? new Date()).getTime() > Date.parse(lab.due);
  return false;
}

export function formatPoints(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, '');
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

/** The terminal score table. Safe to print in a CI log: no line of it starts a workflow command. */
export function formatTable(results: Results, opts: ReportOptions): string {
  const out: string[] = [];
  const width = opts.width ?? 100;
  const c = opts.color;
  const line = (text: string) => forTerminal(text, { lines: false });
  for (const lab of results.labs) {
    const shown = lab.items.filter((i) => isShown(i, lab, opts));
    const hidden = lab.items.filter((i) => !isShown(i, lab, opts));
    const score = opts.view === 'student' ? sumOf(shown) : { score: lab.score, max_score: lab.max_score };
    const idWidth = Math.max(4, ...shown.map((i) => line(i.id).length));
    const titleWidth = Math.max(5, ...shown.map((i) => line(i.title).length));
    out.push(paint(c, 1, `${line(lab.lab)} · ${line(lab.title)}`) + `  ${formatPoints(score.score)} / ${formatPoints(score.max_score)}`);
    if (lab.message && lab.status !== 'graded') out.push(...wrap(`${lab.status}: ${forTerminal(lab.message)}`, width - 2, '  ').map((l) => paint(c, 31, l)));
    for (const item of shown) {
      const ok = item.status === 'passed';
      const symbol = SYMBOL[item.status] ?? '✗';
      const pts = `${formatPoints(item.score)} / ${formatPoints(item.max_score)}`.padStart(9);
      const status = ok ? '' : `  ${item.status}`;
      out.push(`  ${paint(c, ok ? 32 : item.score > 0 ? 33 : 31, symbol)} ${line(item.id).padEnd(idWidth)}  ${line(item.title).padEnd(titleWidth)} ${pts}${paint(c, 31, status)}`);
      if (!ok && lab.status === 'graded') {
        const indent = ' '.repeat(6);
        out.push(...wrap(forTerminal(item.message), width - 6, indent).map((l) => paint(c, 2, l)));
        if (item.diagnosis) out.push(...wrap(`diagnosis: ${forTerminal(item.diagnosis)}`, width - 6, indent).map((l) => paint(c, 35, l)));
        if (item.hint) out.push(...wrap(`hint: ${forTerminal(item.hint)}`, width - 6, indent).map((l) => paint(c, 36, l)));
      }
    }
    if (hidden.length) out.push(paint(c, 2, `  + ${hidden.length} hidden item${hidden.length > 1 ? 's' : ''} (${formatPoints(sumOf(hidden).max_score)} points), scored when your work is graded`));
    for (const note of lab.notes) out.push(...wrap(`note: ${forTerminal(note)}`, width - 2, '  ').map((l) => paint(c, 33, l)));
    out.push('');
  }
  const total = opts.view === 'student' ? sumOf(results.labs.flatMap((l) => l.items.filter((i) => isShown(i, l, opts)))) : results;
  const items = results.labs.flatMap((l) => l.items.filter((i) => isShown(i, l, opts)));
  const passed = items.filter((i) => i.status === 'passed').length;
  const pct = total.max_score > 0 ? ` (${((100 * total.score) / total.max_score).toFixed(1)}%)` : '';
  out.push(paint(c, 1, `Total: ${formatPoints(total.score)} / ${formatPoints(total.max_score)}${pct}`) + `  ${passed} of ${items.length} items passed`);
  // Wrapping can put any word of a message first on a line: the lines are checked as printed.
  return forWorkflowLog(out.join('\n'));
}

function sumOf(items: ItemResult[]): { score: number; max_score: number } {
  return {
    score: Math.round(items.reduce((s, i) => s + i.score, 0) * 1e6) / 1e6,
    max_score: Math.round(items.reduce((s, i) => s + i.max_score, 0) * 1e6) / 1e6,
  };
}

/** Markdown feedback: a table per lab, then what went wrong for each failed item. */
export function formatMarkdown(results: Results, opts: ReportOptions): string {
  const out: string[] = [];
  const total = opts.view === 'student' ? sumOf(results.labs.flatMap((l) => l.items.filter((i) => isShown(i, l, opts)))) : results;
  out.push(`# gradecheck feedback`, '', `**Total: ${formatPoints(total.score)} / ${formatPoints(total.max_score)}**`, '');
  for (const lab of results.labs) {
    const shown = lab.items.filter((i) => isShown(i, lab, opts));
    const hidden = lab.items.filter((i) => !isShown(i, lab, opts));
    const score = opts.view === 'student' ? sumOf(shown) : lab;
    out.push(`## ${forMarkdownCell(lab.lab)}: ${forMarkdownCell(lab.title)} (${formatPoints(score.score)} / ${formatPoints(score.max_score)})`, '');
    if (lab.status !== 'graded') out.push(`> **${lab.status}**: ${forMarkdown(lab.message)}`, '');
    out.push('| | Item | Points | Result |', '|---|---|---:|---|');
    for (const i of shown) out.push(`| ${i.status === 'passed' ? '✅' : '❌'} | ${forMarkdownCell(i.title)} (${forMarkdownCode(i.id, { table: true })}) | ${formatPoints(i.score)} / ${formatPoints(i.max_score)} | ${i.status} |`);
    out.push('');
    if (hidden.length) out.push(`_${hidden.length} hidden item${hidden.length > 1 ? 's' : ''} (${formatPoints(sumOf(hidden).max_score)} points) not shown._`, '');
    const failed = shown.filter((i) => i.status !== 'passed');
    if (failed.length && lab.status === 'graded') {
      for (const i of failed) {
        out.push(`### ${forMarkdownCell(i.title)}`, '', `- **What happened:** ${forMarkdown(i.message)}`);
        if (i.diagnosis) out.push(`- **Diagnosis:** ${forMarkdown(i.diagnosis)}`);
        if (i.hint) out.push(`- **Hint:** ${forMarkdown(i.hint)}`);
        out.push('');
      }
    }
    const figures = shown.flatMap((i) => i.figures ?? []);
    if (figures.length) out.push('### Figures', '', ...figures.map((f) => `![${forMarkdownCell(f.title)}](${encodeURI(`${FIGURES_DIR}/${f.name}`).replace(/\(/g, '%28').replace(/\)/g, '%29')})`), '');
    if (lab.notes.length) out.push('Notes:', '', ...lab.notes.map((n) => `- ${forMarkdown(n)}`), '');
  }
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
