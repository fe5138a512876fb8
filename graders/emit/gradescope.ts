/**
 * Gradescope's results.json, from the results model. Format: Gradescope's "Autograder
 * Specifications" (gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level
 * score, and one entry per test with score, max_score, status, name, output and visibility.
 * Each item becomes a test; its visibility maps one to one (visible, hidden,
 * after_due_date), and the student's own output (stdout) is never shown.
 *
 * Outputs are Markdown (`output_format: md`), a paragraph per line, with the messages (student
 * text: what their code threw) escaped by text.ts, so that Gradescope renders them as written
 * and never as HTML.
 */
import { z } from 'zod';
import { Results, sumScores } from '../engine/results';
import { forMarkdown } from '../engine/text';

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
  const visible = sumScores(results.labs.flatMap((l) => l.items.filter((i) => i.visibility === 'visible')));
  return {
    score: results.score,
    ...(opts.executionTimeSeconds !== undefined ? { execution_time: Math.round(opts.executionTimeSeconds) } : {}),
    // The top-level output is always shown, so it totals the visible items only.
    output: markdownParagraphs([`Visible items: ${visible.score} / ${visible.max_score}`, ...problems]),
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
          [item.status === 'passed' ? forMarkdown(item.message) : `${item.status}: ${forMarkdown(item.message)}`, item.diagnosis && `Diagnosis: ${forMarkdown(item.diagnosis)}`, item.hint && `Hint: ${forMarkdown(item.hint)}`].filter(
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
