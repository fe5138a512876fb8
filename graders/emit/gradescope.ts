/**
 * Gradescope's results.json, from the results model. Format: Gradescope's "Autograder
 * Specifications" (gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level
 * score, and one entry per test with score, max_score, status, name, output and visibility.
 * Each item becomes a test; its visibility maps one to one (visible, hidden,
 * after_due_date), and the student's own output (stdout) is never shown.
 *
 * The top-level `score` is gradecheck's total (totals.ts), every item included. The top-level
 * `output`, which students always see, totals the visible items and says what else the score
 * holds, by count and points only: "+ 3 hidden items (4 points), never shown: graded, and in
 * the score".
 *
 * Outputs are Markdown (`output_format: md`), a paragraph per line, with the messages (student
 * text: what their code threw) escaped by text.ts, so that Gradescope renders them as written
 * and never as HTML.
 */
import { z } from 'zod';
import { Results, sumScores } from '../engine/core/results';
import { forMarkdown } from './text';
import { itemMessage } from './case-text';
import { formatPoints } from '../engine/core/totals';

const Visibility = z.enum(['visible', 'hidden', 'after_due_date', 'after_published']);

/** The documented fields we emit (Gradescope ignores none of them and needs no others). */
export const GradescopeResultsSchema = z
  .object({
    score: z.number(),
    execution_time: z.number().optional(),
    output: z.string().optional(),
    output_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
    visibility: Visibility.optional(),
    stdout_visibility: Visibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
    tests: z.array(
      z
        .object({
          score: z.number(),
          max_score: z.number(),
          status: z.enum(['passed', 'failed']),
          name: z.string(),
          number: z.string().optional(),
          output: z.string().optional(),
          output_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
          tags: z.array(z.string()).optional(),
          visibility: Visibility.optional(),
        })
        .strict(),
    ),
  })
  .strict();

export type GradescopeResults = z.infer<typeof GradescopeResultsSchema>;

/** Lines as Markdown paragraphs (a single line break would be a space). */
export function markdownParagraphs(lines: string[]): string {
  return lines.join('\n\n');
}

export function toGradescope(results: Results, opts: { executionTimeSeconds?: number } = {}): GradescopeResults {
  const problems = results.labs.filter((l) => l.status !== 'graded').map((l) => `${forMarkdown(l.lab)}: ${l.status}: ${forMarkdown(l.message)}`);
  const items = results.labs.flatMap((l) => l.items);
  const visible = sumScores(items.filter((i) => i.visibility === 'visible'));
  const unshown = (visibility: string, what: string) => {
    const them = items.filter((i) => i.visibility === visibility);
    if (them.length === 0) return [];
    const points = sumScores(them).max_score;
    return [`+ ${them.length} ${visibility === 'hidden' ? 'hidden ' : ''}item${them.length === 1 ? '' : 's'} (${formatPoints(points)} point${points === 1 ? '' : 's'}), ${what}: graded, and in the score`];
  };
  return {
    score: results.score,
    ...(opts.executionTimeSeconds !== undefined ? { execution_time: Math.round(opts.executionTimeSeconds) } : {}),
    // The top-level output is always shown, so it totals the visible items only.
    output: markdownParagraphs([`Visible items: ${formatPoints(visible.score)} / ${formatPoints(visible.max_score)}`, ...unshown('after_due_date', 'shown after the due date'), ...unshown('hidden', 'never shown'), ...problems]),
    output_format: 'md',
    stdout_visibility: 'hidden',
    tests: results.labs.flatMap((lab, l) =>
      lab.items.map((item, i) => ({
        score: item.score,
        max_score: item.max_score,
        status: item.status === 'passed' ? ('passed' as const) : ('failed' as const),
        name: `${lab.lab}: ${item.title}`,
        number: `${l + 1}.${i + 1}`,
        output: markdownParagraphs(
          [item.status === 'passed' ? forMarkdown(itemMessage(item)) : `${item.status}: ${forMarkdown(itemMessage(item))}`, item.diagnosis && `Diagnosis: ${forMarkdown(item.diagnosis)}`, item.hint && `Hint: ${forMarkdown(item.hint)}`].filter(
            (line): line is string => Boolean(line),
          ),
        ),
        output_format: 'md' as const,
        tags: [lab.lab, item.id],
        visibility: item.visibility,
      })),
    ),
  };
}
