/**
 * How the class did: summary.md (counts, the items most of the class missed first, the
 * failed and the slowest submissions) and histogram.svg (the distribution of total scores).
 * Pure functions of the gradebook rows and the students' results. Student ids are folder and
 * file names, and messages quote what their code threw: both go through text.ts.
 */
import type { GradebookRow } from '../emit/csv';
import { formatPoints } from '../emit/score-table';
import type { Results } from '../engine/core/results';
import { forMarkdownCell, forMarkdownCode, forXml } from '../emit/text';

export interface SummaryInput {
  labs: string[];
  rows: GradebookRow[];
  /** Verified results by student. */
  results: Map<string, Results>;
  /** Grading time by student, in ms. */
  durations: Map<string, number>;
  histogramFile: string;
  /** The course's lines (deadline, roster, warnings: graders/policy/course.ts), after the totals. */
  course?: string[];
}

function percent(x: number, of: number): string {
  return of > 0 ? `${((100 * x) / of).toFixed(0)}%` : '-';
}

interface ItemStats {
  lab: string;
  id: string;
  title: string;
  points: number;
  order: number;
  graded: number;
  passed: number;
  points_total: number;
  failures: Map<string, number>;
}

/** Pass rates per item over the students whose lab was graded, lowest first. */
export function itemStats(labs: string[], results: Iterable<Results>): ItemStats[] {
  const stats = new Map<string, ItemStats>();
  for (const r of results) {
    for (const lab of r.labs) {
      lab.items.forEach((item, i) => {
        const key = `${lab.lab}\0${item.id}`;
        let s = stats.get(key);
        if (!s) {
          s = { lab: lab.lab, id: item.id, title: item.title, points: item.max_score, order: i, graded: 0, passed: 0, points_total: 0, failures: new Map() };
          stats.set(key, s);
        }
        s.graded++;
        s.points_total += item.score;
        if (item.status === 'passed') s.passed++;
        else s.failures.set(item.status, (s.failures.get(item.status) ?? 0) + 1);
      });
    }
  }
  const labOrder = (lab: string) => (labs.includes(lab) ? labs.indexOf(lab) : labs.length);
  return [...stats.values()].sort((a, b) => a.passed / a.graded - b.passed / b.graded || labOrder(a.lab) - labOrder(b.lab) || a.order - b.order);
}

export function summaryMarkdown(input: SummaryInput): string {
  const { rows } = input;
  const scored = rows.filter((r) => r.score !== null && r.max_score !== null);
  const problems = rows.filter((r) => r.status !== 'graded');
  const byStatus = new Map<string, number>();
  for (const r of problems) for (const s of r.status.split('+')) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  const out: string[] = ['# Batch summary', ''];
  out.push(
    `${rows.length} submission${rows.length === 1 ? '' : 's'}: ${rows.length - problems.length} graded without problems, ${problems.length} with problems` +
      (byStatus.size ? ` (${[...byStatus].map(([s, n]) => `${s}: ${n}`).join(', ')})` : '') +
      '.',
    '',
  );
  if (scored.length) {
    const pct = scored.map((r) => r.score! / r.max_score!).sort((a, b) => a - b);
    const mean = pct.reduce((s, x) => s + x, 0) / pct.length;
    const median = pct.length % 2 ? pct[(pct.length - 1) / 2] : (pct[pct.length / 2 - 1] + pct[pct.length / 2]) / 2;
    const full = scored.filter((r) => r.score === r.max_score).length;
    const zero = scored.filter((r) => r.score === 0).length;
    out.push(`Total score: mean ${(100 * mean).toFixed(1)}%, median ${(100 * median).toFixed(1)}%; ${full} with full marks, ${zero} with zero.`, '');
    out.push(`![Distribution of total scores](${input.histogramFile})`, '');
  }
  if (input.course?.length) out.push(...input.course);
  if (input.labs.length > 1 && scored.length) {
    out.push('## Labs', '', '| Lab | Mean | Full marks |', '|---|---:|---:|');
    for (const lab of input.labs) {
      const got = [...input.results.values()].map((r) => r.labs.find((l) => l.lab === lab)).filter((l) => l !== undefined);
      const mean = got.reduce((s, l) => s + (l.max_score ? l.score / l.max_score : 0), 0) / Math.max(1, got.length);
      out.push(`| ${forMarkdownCell(lab)} | ${(100 * mean).toFixed(1)}% | ${got.filter((l) => l.score === l.max_score).length} / ${got.length} |`);
    }
    out.push('');
  }
  const items = itemStats(input.labs, input.results.values());
  if (items.length) {
    out.push('## Items, most missed first', '', '| Lab | Item | Points | Passed | Mean points | Commonest failure |', '|---|---|---:|---:|---:|---|');
    for (const s of items) {
      const commonest = [...s.failures].sort((a, b) => b[1] - a[1])[0];
      out.push(
        `| ${forMarkdownCell(s.lab)} | ${forMarkdownCell(s.title)} (${forMarkdownCode(s.id, { table: true })}) | ${formatPoints(s.points)} | ${s.passed} / ${s.graded} (${percent(s.passed, s.graded)}) | ${formatPoints(Math.round((100 * s.points_total) / s.graded) / 100)} | ${commonest ? `${commonest[0]} (${commonest[1]})` : ''} |`,
      );
    }
    out.push('');
  }
  if (problems.length) {
    out.push('## Submissions with problems', '', '| Student | Status | What happened |', '|---|---|---|');
    for (const r of problems) out.push(`| ${forMarkdownCell(r.student)} | ${r.status} | ${forMarkdownCell(r.message)} |`);
    out.push('');
  }
  const slowest = [...input.durations].sort((a, b) => b[1] - a[1]).slice(0, 5);
  if (slowest.length) {
    out.push('## Slowest submissions', '', '| Student | Grading time | Status |', '|---|---:|---|');
    const status = new Map(rows.map((r) => [r.student, r.status]));
    for (const [student, ms] of slowest) out.push(`| ${forMarkdownCell(student)} | ${(ms / 1000).toFixed(1)} s | ${status.get(student) ?? ''} |`);
    out.push('');
  }
  return out.join('\n');
}

/** Counts of fractions (0..1) in ten bins of 10%, the last one closed (100% falls in 90-100%). */
export function histogramBins(fractions: number[]): number[] {
  const bins = new Array<number>(10).fill(0);
  for (const f of fractions) bins[Math.min(9, Math.max(0, Math.floor(f * 10 + 1e-9)))]++;
  return bins;
}

/** A bar chart of total scores as a percentage of the maximum. */
export function histogramSvg(fractions: number[], title = 'Total score, % of the maximum'): string {
  const bins = histogramBins(fractions);
  const width = 560;
  const height = 300;
  const left = 48;
  const right = 16;
  const top = 40;
  const bottom = 48;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  // Whole-number ticks at a round step (1, 2, 5, 10, 20, ...), and the axis up to the next tick.
  const highest = Math.max(1, ...bins);
  const rough = highest / 5;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(1, rough)));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  const maxCount = Math.ceil(highest / step) * step;
  const barW = plotW / bins.length;
  const y = (count: number) => top + plotH - (plotH * count) / maxCount;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${forXml(`${title} (${fractions.length} student${fractions.length === 1 ? '' : 's'})`)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="black"/>`,
  ];
  for (let count = 0; count <= maxCount; count += step) {
    parts.push(`<text x="${left - 6}" y="${y(count) + 4}" text-anchor="end">${count}</text>`);
    if (count > 0) parts.push(`<line x1="${left}" y1="${y(count)}" x2="${left + plotW}" y2="${y(count)}" stroke="#ddd"/>`);
  }
  bins.forEach((count, i) => {
    const x = left + i * barW;
    if (count > 0) {
      parts.push(`<rect x="${(x + 3).toFixed(1)}" y="${y(count).toFixed(1)}" width="${(barW - 6).toFixed(1)}" height="${(top + plotH - y(count)).toFixed(1)}" fill="#4878b0"><title>${count}</title></rect>`);
      parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(y(count) - 4).toFixed(1)}" text-anchor="middle">${count}</text>`);
    }
    parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${i * 10}${i === 9 ? '–100' : `–${i * 10 + 9}`}</text>`);
  });
  parts.push(`<text x="${left + plotW / 2}" y="${height - 10}" text-anchor="middle">% of the maximum score</text>`);
  parts.push(`<text x="14" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})">students</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
