/**
 * The one definition of the totals (graders/engine/core/totals.ts) and how the score table and the
 * Markdown feedback tell them: listed items, hidden items graded (a count and points), pending
 * items (not graded in this run), a lab that could not be graded at all; the stubs as one line.
 */
import { formatMarkdown, formatTable } from '../../graders/emit/score-table';
import { ItemResult, LabResult, Results } from '../../graders/engine/core/results';
import { omissions, totals } from '../../graders/engine/core/totals';

function item(id: string, score: number, max: number, extra: Partial<ItemResult> = {}): ItemResult {
  return { id, title: id.replace('.', ' '), score, max_score: max, status: score === max ? 'passed' : 'wrong_value', message: score === max ? 'passed' : 'off', visibility: 'visible', duration_ms: 1, cases: [], ...extra };
}

function lab(name: string, items: ItemResult[], extra: Partial<LabResult> = {}): LabResult {
  const sum = (k: 'score' | 'max_score') => items.reduce((s, i) => s + i[k], 0) + (extra.hidden?.[k] ?? 0);
  return { lab: name, title: name, score: sum('score'), max_score: sum('max_score'), status: 'graded', message: '', notes: [], items, ...extra };
}

function results(labs: LabResult[]): Results {
  return { format: 'gradecheck/results', version: 2, submission: '.', sandbox: 'permission', score: labs.reduce((s, l) => s + l.score, 0), max_score: labs.reduce((s, l) => s + l.max_score, 0), labs };
}

const now = new Date('2026-09-01T00:00:00Z');

test('adds listed, hidden (items not shown, and a student view\'s aggregate) and pending parts, each once', () => {
  const r = results([
    lab('a', [item('x.f', 1, 1), item('x.b', 0.5, 2), item('h.1', 1, 1, { visibility: 'hidden' }), item('late', 0, 2, { visibility: 'after_due_date' })], { due: '2026-10-01T00:00:00Z', pending: { items: 2, max_score: 3 } }),
    lab('b', [item('y.f', 2, 2)], { hidden: { items: 2, score: 1, max_score: 4 } }),
  ]);
  const t = totals(r, { view: 'student', now });
  expect(t.shown).toEqual({ items: 3, score: 3.5, max_score: 5 });
  expect(t.passed).toBe(2);
  expect(t.hidden).toEqual({ items: 4, score: 2, max_score: 7 });
  expect(t.pending).toEqual({ items: 2, max_score: 3 });
  expect(t.total).toEqual({ score: 5.5, max_score: 12 });
  expect(totals(r, { view: 'student', now: new Date('2026-10-02T00:00:00Z') }).shown.items).toBe(4); // after the due date
  expect(totals(r, { view: 'instructor' }).hidden).toEqual({ items: 2, score: 1, max_score: 4 }); // only what the results do not hold item by item
  expect(omissions(t, { hiddenScores: true })).toEqual(['+ 2 / 7 points on 4 hidden items (not listed)', '+ 3 hidden points (2 items), graded after the deadline']);
  expect(omissions(t, { hiddenScores: false })[0]).toBe('+ 4 hidden items (7 points), graded but not listed');
});

test('a lab graded without items (the harness failed on it) counts its points as listed', () => {
  const failed = { ...lab('a', []), max_score: 5, status: 'error' as const, message: 'error: the worker died' };
  expect(totals(results([failed]), { view: 'student', now }).shown).toEqual({ items: 0, score: 0, max_score: 5 });
});

test('the table and the feedback show the same total and its parts; each lab says what it leaves out when there are several', () => {
  const r = results([lab('a', [item('x.f', 1, 1), item('h.1', 1, 1, { visibility: 'hidden' })]), lab('b', [item('y.f', 0, 2)], { pending: { items: 1, max_score: 1 } })]);
  const table = formatTable(r, { view: 'student', now });
  expect(table).toContain('Total: 2 / 4 (50.0%)  1 / 3 on the 2 items listed (1 passed), 1 / 1 on 1 hidden item\n+ 1 hidden point (1 item), graded after the deadline');
  expect(table).toMatch(/^a · a {2}2 \/ 2\n {2}✓ x\.f +x f +1 \/ 1\n {2}\+ 1 \/ 1 points on 1 hidden item \(not listed\)$/m);
  const markdown = formatMarkdown(r, { view: 'student', now });
  expect(markdown).toContain('**Total: 2 / 4** (1 / 3 on the 2 items listed (1 passed), 1 / 1 on 1 hidden item)');
  expect(markdown).toContain('_+ 1 hidden point (1 item), graded after the deadline._');
});

test('stubs are one line with the item to start on, and a lab that does not load tells its problem once per file', () => {
  const stub = (id: string) => item(id, 0, 1, { status: 'not_implemented', message: `${id} is not implemented yet` });
  const table = formatTable(results([lab('a', [item('x.f', 1, 1), stub('s.1'), stub('s.2'), stub('s.3')])]), { view: 'student', now });
  expect(table).toContain('  · 3 items not implemented yet (3 points); start with s.1 (s 1): s.1 is not implemented yet');
  expect(table).not.toContain('s.2');
  const broken = lab('a', [item('x.f', 0, 1, { status: 'syntax_error', message: 'syntax error at labs/a/a.ts:3:5: x' }), item('x.b', 0, 2, { status: 'syntax_error', message: 'syntax error at labs/a/a.ts:3:5: x' })], {
    status: 'syntax_error',
    message: 'syntax error at labs/a/a.ts:3:5: x',
    notes: ['labs/a/a.ts:3:5 x', 'labs/a/a.ts:9:1 y', 'labs/a/b.ts:1:1 z'],
  });
  const lines = formatTable(results([broken]), { view: 'student', now }).split('\n');
  expect(lines.slice(1, 4)).toEqual(['  syntax_error: labs/a/a.ts:3:5 x (and 1 more in this file)', '  labs/a/b.ts:1:1 z', '  2 items (3 points) score 0 until it loads']);
  expect(lines.filter((l) => l.includes('labs/a/a.ts'))).toHaveLength(1);
});
