/**
 * report.html: the class report a TA opens in a browser, as one self-contained file (no
 * network, works from file://). How the class did (the score histogram, a students x items grid
 * coloured by outcome), what to re-teach, the integrity signals (similar code, identical wrong
 * numbers) and a page per student with their feedback and its figures.
 *
 * Plain HTML and SVG; a student's page is shown by CSS (`:target`) when its link is followed,
 * and a few lines of script filter the grid. A Content-Security-Policy allows only this file's
 * own style and script (by hash) and data: images, so nothing in it can load or run anything
 * else. Everything that comes from students (ids, messages, code) goes through `forHtml`;
 * figures are harness-made SVGs, shown as images (an image's SVG runs no script), each distinct
 * one kept once in a data block that the script hands to its images. Pure.
 */
import { createHash } from 'crypto';
import type { GradebookRow } from '../emit/csv';
import { formatPoints } from '../emit/score-table';
import type { ItemResult, LabResult, Results } from '../engine/core/results';
import { forHtml } from '../emit/text';
import { itemMessage } from '../emit/case-text';
import { histogramSvg } from '../batch/summary';
import { studentFolder } from '../batch/store';
import type { IdenticalAnswers } from './identical';
import type { ClassReportOptions } from './options';
import type { ItemLesson } from './reteach';
import type { CodeSpan, LabSimilarity, SimilarPair } from './similarity';

export interface ClassReportInput {
  labs: string[];
  /** The gradebook, a row per student sorted by id. */
  rows: GradebookRow[];
  /** Verified results by student. */
  results: Map<string, Results>;
  /** Students whose folder (feedback, results) is in the output folder. */
  withFolder: Set<string>;
  similarity: LabSimilarity[];
  identical: IdenticalAnswers;
  lessons: ItemLesson[];
  options: ClassReportOptions;
  /** What could not be checked, and why. */
  notes: string[];
  generatedAt: Date;
}

const h = (text: string) => forHtml(text);
const pct = (x: number) => `${Math.round(100 * x)}%`;
const studentAnchor = (student: string) => `student-${studentFolder(student)}`;
const studentLink = (student: string) => `<a href="#${studentAnchor(student)}">${h(student)}</a>`;
const list = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/** A cell's class and symbol for an item's outcome (symbols for those who do not see colours). */
function outcome(item: ItemResult): { cls: string; symbol: string } {
  if (item.status === 'passed') return { cls: 'passed', symbol: '✓' };
  if (item.score > 0) return { cls: 'partial', symbol: '½' };
  if (['wrong_value', 'wrong_shape', 'wrong_type', 'not_finite', 'mutated_input'].includes(item.status)) return { cls: 'wrong', symbol: '✗' };
  if (['not_implemented', 'missing_export'].includes(item.status)) return { cls: 'missing', symbol: '·' };
  return { cls: 'broken', symbol: item.status === 'timed_out' ? '∞' : '!' };
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 16px; }
nav a { margin-right: 14px; }
section.part { background: white; border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 20px 16px; margin: 18px 0; }
h1 { margin: 8px 0; font-size: 24px; } h2 { font-size: 19px; } h3 { font-size: 16px; margin-bottom: 4px; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #eceff3; }
th { background: #f3f5f7; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #5f6b7a; } .small { font-size: 12px; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 6px 10px; }
.grid-wrap { overflow-x: auto; max-height: 75vh; overflow-y: auto; border: 1px solid #dde1e6; }
table.grid { font-size: 12px; } table.grid td, table.grid th { padding: 2px 4px; border: 1px solid #e4e7eb; text-align: center; }
table.grid th.item { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: normal; height: 150px; }
table.grid td.name, table.grid th.name { text-align: left; white-space: nowrap; position: sticky; left: 0; background: white; }
table.grid td.num { white-space: nowrap; }
table.grid thead th { position: sticky; top: 0; z-index: 1; } table.grid thead tr + tr th { top: 26px; }
td.passed { background: #c8e6c9; } td.partial { background: #fff3b0; } td.wrong { background: #f8b4b4; }
td.broken { background: #d7a3e8; } td.missing { background: #e4e7eb; color: #6b7580; } td.absent { background: white; color: #9aa3ad; }
.legend span { display: inline-block; padding: 0 8px; margin-right: 6px; border-radius: 3px; }
.legend .passed { background: #c8e6c9; } .legend .partial { background: #fff3b0; } .legend .wrong { background: #f8b4b4; }
.legend .broken { background: #d7a3e8; } .legend .missing { background: #e4e7eb; }
.fragments { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; margin: 8px 0 14px; }
.fragments pre { margin: 0; background: #f6f8fa; border: 1px solid #e1e4e8; padding: 6px; overflow-x: auto; font-size: 12px; }
.fragments .where { font-size: 12px; color: #5f6b7a; margin-bottom: 2px; }
.ln { color: #9aa3ad; user-select: none; }
details > summary { cursor: pointer; }
section.student { display: none; } section.student:target, body.all-students section.student { display: block; }
section.student h4 { margin: 16px 0 6px; }
ul.note { list-style: none; }
figure { display: inline-block; vertical-align: top; margin: 8px 16px 8px 0; } figure img { max-width: 100%; border: 1px solid #e1e4e8; background: white; }
.pre { white-space: pre-wrap; }
`;

const SCRIPT = `
const figures = JSON.parse(document.getElementById('figure-data').textContent);
for (const img of document.querySelectorAll('img[data-figure]')) img.src = 'data:image/svg+xml;base64,' + figures[Number(img.dataset.figure)];
const filter = document.getElementById('grid-filter');
filter.addEventListener('input', () => {
  const q = filter.value.trim().toLowerCase();
  for (const row of document.querySelectorAll('#grid tbody tr')) row.hidden = q !== '' && !row.dataset.student.includes(q);
});
const all = document.getElementById('all-students');
all.addEventListener('change', () => document.body.classList.toggle('all-students', all.checked));
`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

function overview(input: ClassReportInput): string {
  const scored = input.rows.filter((r) => r.score !== null && r.max_score);
  const fractions = scored.map((r) => r.score! / r.max_score!);
  const problems = input.rows.filter((r) => r.status !== 'graded');
  const sorted = [...fractions].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return [
    `<section class="part" id="overview"><h2>How the class did</h2>`,
    `<p>${input.rows.length} submission${input.rows.length === 1 ? '' : 's'} of ${input.labs.map(h).join(', ')}: ${input.rows.length - problems.length} graded without problems, ${problems.length} with problems (see the <a href="#grid">grid</a>). `,
    scored.length ? `Total score: mean ${(100 * mean).toFixed(1)}%, median ${(100 * median).toFixed(1)}%.</p>` : '</p>',
    `<div id="histogram">${histogramSvg(fractions)}</div>`,
    `<p class="small muted">Also in this folder: <a href="grades.csv">grades.csv</a> (the gradebook) and <a href="summary.md">summary.md</a>.</p>`,
    `</section>`,
  ].join('\n');
}

function grid(input: ClassReportInput): string {
  // Columns: every item any student has, per lab, in rubric order.
  const columns: Array<{ lab: string; id: string; title: string }> = [];
  const seen = new Set<string>();
  for (const lab of input.labs) {
    for (const r of input.results.values()) {
      for (const item of r.labs.find((l) => l.lab === lab)?.items ?? []) {
        if (!seen.has(`${lab}\0${item.id}`)) {
          seen.add(`${lab}\0${item.id}`);
          columns.push({ lab, id: item.id, title: item.title });
        }
      }
    }
  }
  const labSpans = input.labs.map((lab) => ({ lab, n: columns.filter((c) => c.lab === lab).length })).filter((l) => l.n > 0);
  const head = [
    `<tr><th class="name" rowspan="2">Student</th><th rowspan="2">Total</th>${labSpans.map((l) => `<th colspan="${l.n}">${h(l.lab)}</th>`).join('')}</tr>`,
    `<tr>${columns.map((c) => `<th class="item" title="${h(`${c.lab} · ${c.title}`)}">${h(c.id)}</th>`).join('')}</tr>`,
  ];
  const body = input.rows.map((row) => {
    const r = input.results.get(row.student);
    const total = row.score !== null && row.max_score ? `${formatPoints(row.score)} / ${formatPoints(row.max_score)}` : '';
    const name = `<td class="name">${studentLink(row.student)}</td><td class="num">${total}</td>`;
    const attr = `data-student="${h(row.student.toLowerCase())}"`;
    if (!r) return `<tr ${attr}>${name}<td class="absent" colspan="${columns.length}">${h(row.status)}: ${h(row.message)}</td></tr>`;
    const cells = columns.map((c) => {
      const item = r.labs.find((l) => l.lab === c.lab)?.items.find((i) => i.id === c.id);
      if (!item) return '<td class="absent"></td>';
      const o = outcome(item);
      return `<td class="${o.cls}" title="${h(`${c.id}: ${item.status}, ${formatPoints(item.score)} / ${formatPoints(item.max_score)}`)}">${o.symbol}</td>`;
    });
    return `<tr ${attr}>${name}${cells.join('')}</tr>`;
  });
  return [
    `<section class="part" id="grid-section"><h2>Students and items</h2>`,
    `<p class="legend small"><span class="passed">✓ passed</span><span class="partial">½ some points</span><span class="wrong">✗ wrong answer</span><span class="broken">! crashed or did not load, ∞ timed out</span><span class="missing">· not implemented</span></p>`,
    `<p><label>Find a student: <input id="grid-filter" type="search" placeholder="name"></label> <span class="small muted">Click a name for the student's feedback.</span></p>`,
    `<div class="grid-wrap"><table class="grid" id="grid"><thead>${head.join('')}</thead><tbody>`,
    ...body,
    `</tbody></table></div></section>`,
  ].join('\n');
}

function reteach(input: ClassReportInput): string {
  // Items some answered wrongly have something to teach; the others were only missed by code that did not run.
  const missed = input.lessons.filter((l) => l.wrongAnswers > 0);
  const notRun = input.lessons.filter((l) => l.passed < l.graded && l.wrongAnswers === 0);
  const rows = missed.map((l) => {
    const share = (n: number) => `${pct(n / l.graded)} of the class (${n} of ${l.graded})`;
    const bar = `<svg width="80" height="10" aria-hidden="true"><rect width="80" height="10" fill="#f8b4b4"/><rect width="${((80 * l.passed) / l.graded).toFixed(1)}" height="10" fill="#66bb6a"/></svg>`;
    const why: string[] = [
      ...l.diagnoses.map((d) => `<li>${share(d.students)}: ${h(d.what.diagnosis)} <span class="muted small">(known mistake ${h(d.what.mutant)})</span></li>`),
      ...l.rootCauses.map((c) => `<li>${share(c.students)}: follows from <strong>${h(c.what)}</strong>, which fails too</li>`),
      ...l.commonWrong.map((c) => `<li>${share(c.students.length)} return one identical wrong answer on case “${h(c.case)}” that no known mistake explains (worth a mutant)</li>`),
    ];
    const statuses = l.statuses.map((s) => `${h(s.what)} (${s.students})`).join(', ');
    return `<tr><td>${h(l.lab)} · ${h(l.title)}<br><code class="small">${h(l.id)}</code></td><td class="num">${bar} ${pct(l.passed / l.graded)}<br><span class="small muted">${l.passed} of ${l.graded}</span></td><td>${why.length ? `<ul>${why.join('')}</ul>` : '<span class="muted">no known mistake matched</span>'}</td><td class="small">${statuses}</td></tr>`;
  });
  const others = notRun.map((l) => `<li>${h(l.lab)} · ${h(l.title)} <code class="small">${h(l.id)}</code>: ${l.passed} of ${l.graded} passed; ${l.statuses.map((st) => `${h(st.what)} (${st.students})`).join(', ')}</li>`);
  return [
    `<section class="part" id="reteach"><h2>What to re-teach</h2>`,
    missed.length
      ? `<p>The items some students answered wrongly, most missed first, with the known mistakes the graders diagnosed and what the failures follow from.</p><table><thead><tr><th>Item</th><th>Passed</th><th>Why</th><th>How they failed</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`
      : '<p>No item was answered wrongly.</p>',
    others.length ? `<details><summary>${others.length} more item${others.length === 1 ? '' : 's'} missed only by code that did not run (not implemented, crashed, timed out, did not load)</summary><ul class="small">${others.join('')}</ul></details>` : '',
    `</section>`,
  ].join('\n');
}

function codeBlock(span: CodeSpan, student: string): string {
  const width = String(span.endLine).length;
  const lines = span.lines.map((line, i) => `<span class="ln">${String(span.startLine + i).padStart(width)}</span>  ${forHtml(line, { limit: 400 })}`);
  return `<div><div class="where">${h(student)}: ${h(span.path)}, lines ${span.startLine}–${span.endLine}</div><pre><code>${lines.join('\n')}</code></pre></div>`;
}

function pairId(i: number): string {
  return `pair-${i + 1}`;
}

function similarity(input: ClassReportInput, pairs: SimilarPair[]): string {
  const o = input.options.similarity;
  const compared = input.similarity.map((s) => `${h(s.lab)}: ${s.compared} submission${s.compared === 1 ? '' : 's'} compared, code in more than ${s.commonAbove} of them treated as common`).join('; ');
  const rows = pairs.map((p, i) => {
    const fragments = p.fragments.map((f) => `<p class="small muted">${f.kgrams} fingerprints in a row:</p><div class="fragments">${codeBlock(f.a, p.a)}${codeBlock(f.b, p.b)}</div>`).join('');
    const shown = p.identical ? `<td colspan="5">Their files for this lab are byte-for-byte identical.</td>` : `<td colspan="5"><details><summary>The longest shared fragments, side by side</summary>${fragments}</details></td>`;
    return [
      `<tr id="${pairId(i)}"><td class="num">${i + 1}</td><td>${h(p.lab)}</td><td>${studentLink(p.a)} and ${studentLink(p.b)}</td><td class="num"><strong>${pct(p.similarity)}</strong></td><td class="num">${pct(p.ofOwnCode)}</td><td class="num">${p.longest}</td></tr>`,
      `<tr><td></td>${shown}</tr>`,
    ].join('\n');
  });
  return [
    `<section class="part" id="similarity"><h2>Similar code</h2>`,
    `<p>Pairs of submissions whose code is similar, most similar first, by Dolos's winnowing on the syntax tree (renamed variables, reordered functions and edited comments do not hide it). The stub, and code that more than ${pct(o.commonShare)} of the class (and more than ${o.commonFloor} students) have, do not count: <em>similarity</em> is the share of the pair's remaining, distinctive code that they share, listed from ${pct(o.threshold)}; <em>of all code</em> is the share of all their code outside the stub. Similar code is a reason to look, not a finding: a study group, a shared source or a short exercise can explain it.</p>`,
    `<p class="small muted">${compared || 'No code was compared.'}</p>`,
    pairs.length
      ? `<table><thead><tr><th>#</th><th>Lab</th><th>Students</th><th>Similarity</th><th>Of all code</th><th>Longest run (fingerprints)</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`
      : `<p>No pair is ${pct(o.threshold)} similar or more.</p>`,
    `</section>`,
  ].join('\n');
}

function groupId(i: number): string {
  return `identical-${i + 1}`;
}

function identical(input: ClassReportInput): string {
  const { groups, maxGroup } = input.identical;
  const items = groups.map((g, i) => {
    const answers = g.answers.map((a) => `<tr><td>${h(a.lab)}</td><td>${h(a.title)} <code class="small">${h(a.item)}</code></td><td>${h(a.case)}</td><td>${h(a.status)}</td></tr>`);
    return `<div id="${groupId(i)}"><h3>${i + 1}. ${list(g.students.map(studentLink))}</h3><p class="small muted">${g.answers.length} identical wrong answer${g.answers.length === 1 ? '' : 's'}:</p><table><thead><tr><th>Lab</th><th>Item</th><th>Case</th><th>Status</th></tr></thead><tbody>${answers.join('')}</tbody></table></div>`;
  });
  return [
    `<section class="part" id="identical"><h2>Identical wrong numbers</h2>`,
    `<p>Groups of 2 to ${maxGroup} students whose code returned bit-for-bit the same wrong answer on a case, where that answer is neither the reference's nor any known mistake's (a known mistake gives everyone who makes it the same numbers: that is its diagnosis, not a signal). Like similar code, a reason to look, not a finding: two students can make the same unusual slip.</p>`,
    groups.length ? items.join('\n') : '<p>No such group.</p>',
    `</section>`,
  ].join('\n');
}

function itemRow(item: ItemResult): string {
  const o = outcome(item);
  const details = [
    item.status === 'passed' ? '' : `<div class="pre">${forHtml(itemMessage(item), { lines: true })}</div>`,
    item.diagnosis ? `<div><strong>Diagnosis:</strong> ${h(item.diagnosis)}</div>` : '',
    item.root_cause ? `<div><strong>Follows from:</strong> ${h(item.root_cause)}</div>` : '',
    item.hint ? `<div class="muted"><strong>Hint:</strong> ${h(item.hint)}</div>` : '',
  ].join('');
  const visibility = item.visibility === 'visible' ? '' : ` <span class="small muted">(${h(item.visibility.replace(/_/g, ' '))})</span>`;
  return `<tr><td class="${o.cls}">${o.symbol}</td><td>${h(item.title)}${visibility}<br><code class="small">${h(item.id)}</code></td><td class="num">${formatPoints(item.score)} / ${formatPoints(item.max_score)}</td><td>${h(item.status)}</td><td>${details}</td></tr>`;
}

/** Each distinct figure once (a class's figures repeat: every stub shows the same reference). */
class FigureStore {
  readonly data: string[] = [];
  private readonly index = new Map<string, number>();
  add(svg: string): number {
    let i = this.index.get(svg);
    if (i === undefined) {
      i = this.data.push(Buffer.from(svg, 'utf8').toString('base64')) - 1;
      this.index.set(svg, i);
    }
    return i;
  }
}

function labFeedback(lab: LabResult, figureStore: FigureStore): string {
  const figures = lab.items.flatMap((item) =>
    (item.figures ?? []).map((f) => `<figure><img alt="${h(f.title)}" loading="lazy" data-figure="${figureStore.add(f.svg)}"><figcaption class="small">${h(item.id)}: ${h(f.title)}</figcaption></figure>`),
  );
  const passed = lab.items.filter((i) => i.status === 'passed');
  const missed = lab.items.filter((i) => i.status !== 'passed');
  return [
    `<h4>${h(lab.lab)} · ${h(lab.title)}: ${formatPoints(lab.score)} / ${formatPoints(lab.max_score)}</h4>`,
    lab.status !== 'graded' ? `<p class="note">${h(lab.status)}: ${forHtml(lab.message, { lines: true })}</p>` : '',
    lab.notes.length ? `<ul class="small">${lab.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : '',
    missed.length ? `<table><thead><tr><th></th><th>Item</th><th>Points</th><th>Status</th><th>What happened</th></tr></thead><tbody>${missed.map(itemRow).join('\n')}</tbody></table>` : '',
    passed.length ? `<p class="small">Passed (${passed.length} of ${lab.items.length}): ${passed.map((i) => `<code title="${h(i.title)}">${h(i.id)}</code>`).join(', ')}</p>` : '',
    figures.length ? `<div class="figures">${figures.join('')}</div>` : '',
  ].join('\n');
}

function studentPage(input: ClassReportInput, row: GradebookRow, pairs: SimilarPair[], figures: FigureStore): string {
  const r = input.results.get(row.student);
  const folder = `students/${studentFolder(row.student)}`;
  const total = row.score !== null && row.max_score ? `${formatPoints(row.score)} / ${formatPoints(row.max_score)} (${pct(row.score / row.max_score)})` : 'no score';
  const signals = [
    ...pairs.flatMap((p, i) => (p.a === row.student || p.b === row.student ? [`<li>Similar code (${h(p.lab)}, ${pct(p.similarity)}) with ${studentLink(p.a === row.student ? p.b : p.a)}: <a href="#${pairId(i)}">pair ${i + 1}</a></li>`] : [])),
    ...input.identical.groups.flatMap((g, i) =>
      g.students.includes(row.student) ? [`<li>Identical wrong numbers with ${list(g.students.filter((s) => s !== row.student).map(studentLink))}: <a href="#${groupId(i)}">group ${i + 1}</a></li>`] : [],
    ),
  ];
  return [
    `<section class="student part" id="${studentAnchor(row.student)}">`,
    `<h3>${h(row.student)}</h3>`,
    `<p>Total ${total} · status <strong>${h(row.status)}</strong>${row.message ? `: ${h(row.message)}` : ''}</p>`,
    input.withFolder.has(row.student) ? `<p class="small">Files: <a href="${folder}/feedback.md">feedback.md</a> (what the student sees) · <a href="${folder}/results.json">results.json</a></p>` : '',
    signals.length ? `<ul class="note">${signals.join('')}</ul>` : '',
    r ? r.labs.map((lab) => labFeedback(lab, figures)).join('\n') : '<p class="muted">No results to show.</p>',
    `<p class="small"><a href="#grid-section">Back to the grid</a></p>`,
    `</section>`,
  ].join('\n');
}

/** The whole report as one HTML document. */
export function classReportHtml(input: ClassReportInput): string {
  const pairs = input.similarity.flatMap((s) => s.pairs).sort((a, b) => b.similarity - a.similarity || b.longest - a.longest);
  const style = STYLE.trim();
  const script = SCRIPT.trim();
  const csp = `default-src 'none'; img-src data:; style-src 'sha256-${sha256(style)}'; script-src 'sha256-${sha256(script)}'; base-uri 'none'; form-action 'none'`;
  const figures = new FigureStore();
  const students = input.rows.map((row) => studentPage(input, row, pairs, figures)).join('\n');
  const notes = input.notes.length ? `<section class="part" id="notes"><h2>Not checked</h2><ul>${input.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul></section>` : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Class report: ${input.labs.map(h).join(', ')}</title>`,
    `<style>${style}</style>`,
    '</head><body>',
    `<header><h1>Class report: ${input.labs.map(h).join(', ')}</h1>`,
    `<p class="muted small">Written by gradecheck on ${h(input.generatedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}. Click a student's name for their feedback.</p>`,
    `<nav><a href="#overview">How the class did</a><a href="#reteach">What to re-teach</a><a href="#similarity">Similar code (${pairs.length})</a><a href="#identical">Identical wrong numbers (${input.identical.groups.length})</a><a href="#grid-section">Students and items</a>`,
    `<label class="small"><input type="checkbox" id="all-students"> show every student's feedback</label></nav></header>`,
    '<main>',
    overview(input),
    reteach(input),
    similarity(input, pairs),
    identical(input),
    notes,
    grid(input),
    `<div id="students">${students}</div>`,
    '</main>',
    // Base64 only: nothing in it can close the element.
    `<script type="application/json" id="figure-data">${JSON.stringify(figures.data)}</script>`,
    `<script>${script}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
