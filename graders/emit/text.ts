/**
 * Text from students, made safe for where it is written. Error messages and names thrown by
 * lab code, stack traces, import specifiers, file and folder names all end up in reports;
 * each medium has its own way of turning text into action, and each writer passes student
 * text through the function for its medium:
 *
 * - `forTerminal`: a terminal or a CI log. Control characters (ANSI/OSC escape sequences,
 *   carriage returns, bells, C1 controls, bidirectional overrides) are shown, not obeyed, and
 *   no line can start a GitHub Actions workflow command (`forWorkflowLog`).
 * - `forMarkdown`, `forMarkdownCell`, `forMarkdownCode`: Markdown rendered as HTML (feedback.md,
 *   summary.md, the GitHub step summary, Gradescope). The text reads as written: no raw HTML,
 *   no links or images, no emphasis, and a line break cannot leave its list item or cell.
 * - `forXml`: SVG text and attributes.
 * - `forHtml`: HTML text and quoted attribute values (report.html).
 * - `forCsvCell`: a gradebook cell a spreadsheet will not run as a formula (OWASP "CSV
 *   Injection"): a text cell starting with = + - @ tab or CR, also after spaces and in their
 *   full-width forms, is prefixed with `'`; numbers stay numbers.
 *
 * Every one of them also bounds the text (`bounded`): a message of megabytes is cut, with a
 * note saying how much was left out.
 */

/** The most characters of one piece of student text shown in any report. */
export const TEXT_LIMIT = 4000;

/** Cuts text longer than `limit` characters, with a note; the result is never longer than `limit`. */
export function bounded(text: string, limit = TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  let keep = Math.max(0, limit - 40); // room for the note
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep--; // never half a surrogate pair
  return `${text.slice(0, keep)}… (${(text.length - keep).toLocaleString('en-US')} more characters)`;
}

/**
 * Characters a terminal, a browser or an editor obeys rather than shows: C0 controls, DEL, C1
 * controls (U+009B is a CSI on its own), the Arabic letter mark, bidirectional marks,
 * embeddings, overrides and isolates ("Trojan Source"), and the Unicode line and paragraph
 * separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b`, `\u202e`: how a control character is shown. */
function shown(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Control characters made visible, tabs made spaces, line breaks normalised to \n and kept (`lines`) or shown. */
function visible(text: string, lines: boolean): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROL, (c) => {
    if (c === '\n') return lines ? '\n' : '\\n';
    if (c === '\t') return ' ';
    return shown(c);
  });
}

/**
 * Every line made unable to start a GitHub Actions workflow command. The runner reads each
 * line of a step's stdout and stderr (split at CR, LF or CRLF): after trimming leading
 * whitespace, a line starting `::` is a command (`::set-output name=x::y`, `::warning::`),
 * and so is `##[command]` anywhere in a line (the runner's older syntax). A space breaks
 * both: `: :warning::`, `## [error]`. Only these are changed; colours and the rest stay.
 */
export function forWorkflowLog(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 ? part : part.replace(/^([\s\u0085]*):(?=:)/, '$1: ').replace(/##\[/g, '## [')))
    .join('');
}

export interface TextOptions {
  /** Keep line breaks (else they are shown as \n). Default true. */
  lines?: boolean;
  /** Characters kept (default TEXT_LIMIT). */
  limit?: number;
}

/** Student text for a terminal or a CI log. */
export function forTerminal(text: string, opts: TextOptions = {}): string {
  return forWorkflowLog(visible(bounded(text, opts.limit), opts.lines ?? true));
}

const HTML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * One line of text, inline in Markdown: `<`, `>` and `&` as entities (no raw HTML, no
 * `<http://...>` autolinks; entities are understood by every Markdown), the characters of
 * code spans, emphasis, links and images, strikethrough, tables and GitHub's math
 * backslash-escaped, and what GitHub would link by itself (`https://`, `www.`, `a@b.c`)
 * broken up. Renders as the text it was.
 */
function markdownInline(line: string): string {
  return line
    .replace(/[\\`*_[\]~|$@&<>]/g, (c) => HTML_ENTITY[c] ?? `\\${c}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\b(www)\./gi, '$1\\.');
}

/** A line's first character escaped when it could open a block (heading, quote, list, setext or thematic break). */
function markdownLineStart(line: string): string {
  return line.replace(/^(\s*)([#>+=-])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/**
 * Student text for Markdown, inside a paragraph, list item or quote. Its line breaks are hard
 * line breaks (a backslash at the end of the line), and no line can start a block, so the
 * text stays in its list item; nor a workflow command, should the file be printed in a CI log.
 */
export function forMarkdown(text: string, opts: { limit?: number } = {}): string {
  const lines = visible(bounded(text, opts.limit), true).trim().split('\n');
  return forWorkflowLog(lines.map((l) => markdownLineStart(markdownInline(l))).join('\\\n'));
}

/** Student text for a Markdown table cell: one line, pipes escaped. */
export function forMarkdownCell(text: string, opts: { limit?: number } = {}): string {
  return markdownInline(visible(bounded(text, opts.limit), true).replace(/\s+/g, ' ').trim());
}

/**
 * Text as an inline code span: fenced by more backticks than any run inside, one line. In a
 * table cell (`table`), pipes are escaped: GitHub splits cells at a pipe even in code.
 */
export function forMarkdownCode(text: string, opts: { table?: boolean; limit?: number } = {}): string {
  let code = visible(bounded(text, opts.limit ?? 200), false);
  if (opts.table) code = code.replace(/\|/g, '\\|');
  const fence = '`'.repeat(Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = /^[` ]|[` ]$/.test(code) ? ' ' : '';
  return `${fence}${pad}${code}${pad}${fence}`;
}

/** Characters XML 1.0 does not allow at all (a lone surrogate, U+FFFE, U+FFFF). */
const NOT_XML = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g;

/** Student text for SVG/XML text and attribute values. */
export function forXml(text: string, opts: { limit?: number } = {}): string {
  return visible(bounded(text, opts.limit), true)
    .replace(/\n/g, ' ')
    .replace(NOT_XML, '\ufffd')
    .replace(/[&<>"']/g, (c) => HTML_ENTITY[c]);
}

/**
 * Student text for HTML text and quoted attribute values: as `forXml`, and line breaks kept
 * (`lines`, for an element that shows them) or made spaces.
 */
export function forHtml(text: string, opts: TextOptions = {}): string {
  const shownText = visible(bounded(text, opts.limit), true).replace(NOT_XML, '\ufffd');
  return (opts.lines ? shownText : shownText.replace(/\n/g, ' ')).replace(/[&<>"']/g, (c) => HTML_ENTITY[c]);
}

/**
 * What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection"): = + - @, a
 * tab or a carriage return; also after spaces (a spreadsheet may trim them), and in the
 * full-width forms ＝ ＋ － ＠ that a spreadsheet in an East Asian locale may take for them.
 */
const FORMULA_START = /^[\s\u3000]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/**
 * One CSV cell (RFC 4180): a number as it is (a negative score stays a number); text with
 * control characters shown, `'` before anything a spreadsheet would run as a formula, and
 * quoted when it holds a quote, a separator (`,` or `;`, the separator of some locales) or a
 * line break.
 */
export function forCsvCell(value: string | number | null, opts: { limit?: number } = {}): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // Tabs and line breaks are CSV's own (quoted); other controls are shown.
  let text = bounded(value, opts.limit).replace(CONTROL, (c) => ('\t\n\r'.includes(c) ? c : shown(c)));
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
