/**
 * Student text in every medium: what a student's code throws (its message and its name),
 * type errors quoting their code, and their folder names reach terminals, CI logs, Markdown
 * and CSV. Each writer must show that text as written and never obey it: no HTML, links or
 * images in Markdown, no escape sequences in a terminal, no workflow command in a GitHub
 * Actions log, no formula in a spreadsheet, and nothing unbounded.
 *
 * The unit tests feed each function of graders/emit/text.ts hostile input; the end-to-end
 * tests grade hostile submissions for real (in each sandbox mode) and read what every writer
 * produced.
 */
import * as fs from 'fs';
import * as path from 'path';
import { batch } from '../../scripts/commands/batch';
import { parseCsv, gradebookCsv } from '../../graders/emit/csv';
import { toClassroom } from '../../graders/emit/classroom';
import { toGradescope } from '../../graders/emit/gradescope';
import { expectedFor } from '../../graders/engine/core/expected';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { loadLab } from '../../graders/engine/core/labs';
import { formatMarkdown, formatTable } from '../../graders/emit/score-table';
import { Results, RESULTS_FORMAT, RESULTS_VERSION } from '../../graders/engine/core/results';
import { bwrapAvailable, SandboxMode } from '../../graders/engine/host/sandbox';
import { bounded, forCsvCell, forMarkdown, forMarkdownCell, forMarkdownCode, forTerminal, forWorkflowLog, forXml, TEXT_LIMIT } from '../../graders/emit/text';
import { gradeForCi } from '../../graders/release/runtime/ci';
import { annotation, parseOutputs } from '../../graders/release/runtime/github';
import { captureIO, removeTempDirs, run, tempDir } from '../batch/class';
import { cleanEnv, run as runCommand } from '../release/support';
import { ROOT } from '../support/paths';

/** What a hostile student's code throws: HTML, workflow commands (also after spaces and a CR), escape sequences, links. */
const EVIL_MESSAGE =
  '<script>alert(1)</script>\n::warning::pwned\n  ::set-output name=x::y \u001b[31mred\u001b]0;title\u0007' +
  '\r::error::after a carriage return ##[error]legacy [click](https://evil.example) ![i](https://evil.example/i.png) \u202eexe.txt';
const EVIL_NAME = '<img src=x onerror=alert(1)>\n\t::notice::name';
/** A type error whose message quotes the student's code. */
const EVIL_TYPE_ERROR = "export const shout: '<img src=y onerror=alert(2)> ::add-mask::x' = 'no';";

const ESC = '\u001b';
const BEL = '\u0007';

/** Lines (as the runner splits them) that would run a workflow command: `::` first after whitespace, or `##[` anywhere. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((line) => /^[\s\u0085]*::/.test(line) || line.includes('##['));
}

/** The reference activations.ts with tanhForward throwing the hostile error, reluForward a megabyte, and a type error. */
function hostileLab(): string {
  const reference = fs.readFileSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), 'utf8');
  const replace = (text: string, from: string, to: string) => {
    expect(text.includes(from)).toBe(true);
    return text.replace(from, to);
  };
  let text = replace(reference, 'return map(x, Math.tanh);', `const e = new Error(${JSON.stringify(EVIL_MESSAGE)});\n  e.name = ${JSON.stringify(EVIL_NAME)};\n  throw e;`);
  text = replace(text, 'export function reluForward(x: Tensor): Tensor {', `export function reluForward(x: Tensor): Tensor {\n  if (x.data.length > 0) throw new Error('<b>' + 'A'.repeat(1 << 20));`);
  return `${text}\n${EVIL_TYPE_ERROR}\n`;
}

function writeSubmission(dir: string): string {
  fs.mkdirSync(path.join(dir, 'labs', 'activations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'labs', 'activations', 'activations.ts'), hostileLab());
  return dir;
}

/** Every file under `dir`, by relative path. */
function filesIn(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  }
  return out;
}

function expectSafeMarkdown(text: string, where: string): void {
  expect({ where, html: text.match(/<(script|img|a|iframe|svg|div)\b/gi) }).toEqual({ where, html: null });
  expect({ where, lt: text.includes('<') }).toEqual({ where, lt: false });
  // A link or image is `](` with no backslash before it: only the harness's own figures.
  expect({ where, links: text.match(/(?<!\\)\]\((?!histogram\.svg\)|figures\/)/g) }).toEqual({ where, links: null });
  expect({ where, controls: text.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/g) }).toEqual({ where, controls: null });
}

afterAll(removeTempDirs);

// ----- the functions, one medium at a time ---------------------------------------------------

describe('bounded', () => {
  test('cuts a long text with a note of how much was left out, never longer than the limit', () => {
    const text = 'x'.repeat(TEXT_LIMIT + 12345);
    const cut = bounded(text);
    expect(cut.length).toBeLessThanOrEqual(TEXT_LIMIT);
    const kept = cut.indexOf('…');
    expect(cut.slice(kept)).toBe(`… (${(text.length - kept).toLocaleString('en-US')} more characters)`);
    expect(bounded(cut)).toBe(cut); // bounding twice changes nothing
  });

  test('leaves a short text alone and never splits a surrogate pair', () => {
    expect(bounded('short')).toBe('short');
    const emoji = '😀'.repeat(100);
    for (let limit = 41; limit < 60; limit++) expect(bounded(emoji, limit)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('forTerminal', () => {
  test('shows escape sequences, bells, carriage returns, C1 controls and bidi overrides instead of obeying them', () => {
    const out = forTerminal('a\u001b[31mred\u001b]0;title\u0007 b\rc \u009b2J d\u202eevil e\u0000');
    expect(out).toBe('a\\x1b[31mred\\x1b]0;title\\x07 b\\x0dc \\x9b2J d\\u202eevil e\\x00');
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  test('keeps line breaks, or shows them on one line', () => {
    expect(forTerminal('one\r\ntwo\nthree')).toBe('one\ntwo\nthree');
    expect(forTerminal('one\ntwo', { lines: false })).toBe('one\\ntwo');
  });

  test('no line can start a workflow command, whatever whitespace comes first', () => {
    for (const ws of ['', '  ', '\t', '\u00a0', '\u3000', '\u2003']) {
      const out = forTerminal(`ok\n${ws}::set-output name=x::y`);
      expect(commandLines(out)).toEqual([]);
      expect(out).toContain(': :set-output name=x::y');
    }
    // Whitespace the runner trims that is also a control character is shown instead.
    for (const ws of ['\u0085', '\u2028', '\r']) expect(commandLines(forTerminal(`ok\n${ws}::set-output name=x::y`))).toEqual([]);
    expect(commandLines(forTerminal('a ##[error]b'))).toEqual([]);
    expect(forTerminal('x::y and a::b')).toBe('x::y and a::b'); // `::` inside a line is no command
  });

  test('applied twice it is still safe and bounded', () => {
    const once = forTerminal(EVIL_MESSAGE + 'z'.repeat(2 * TEXT_LIMIT));
    expect(once.length).toBeLessThan(TEXT_LIMIT + 200);
    const twice = forTerminal(once);
    expect(twice.length).toBeLessThanOrEqual(once.length);
    expect(commandLines(twice)).toEqual([]);
    expect(twice).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(forTerminal(forTerminal(EVIL_MESSAGE))).toBe(forTerminal(EVIL_MESSAGE));
  });
});

describe('forWorkflowLog', () => {
  test('neutralises every line, split as the runner splits them (CR, LF, CRLF), and keeps colours', () => {
    const out = forWorkflowLog('\u001b[32mok\u001b[0m\r::error::a\r\n ::warning::b\n##[set-output name=x;]y');
    expect(commandLines(out)).toEqual([]);
    expect(out.startsWith('\u001b[32mok\u001b[0m\r: :error::a\r\n')).toBe(true);
  });
});

describe('forMarkdown', () => {
  test('renders HTML, links, images, emphasis and code as the text they are', () => {
    const out = forMarkdown('<script>x</script> [a](https://e.example) ![i](i.png) *em* _u_ `c` ~s~ $x$ a|b & www.e.example a@b.example');
    expect(out).toBe(
      '&lt;script&gt;x&lt;/script&gt; \\[a\\](https:\\/\\/e.example) !\\[i\\](i.png) \\*em\\* \\_u\\_ \\`c\\` \\~s\\~ \\$x\\$ a\\|b &amp; www\\.e.example a\\@b.example',
    );
  });

  test('a line break stays in the list item: a hard break, and no line opens a block or a workflow command', () => {
    const out = forMarkdown('first\n# heading\n- item\n> quote\n12. number\n---\n===\n  ::warning::x');
    const lines = out.split('\n');
    expect(lines.slice(0, -1).every((l) => l.endsWith('\\'))).toBe(true);
    for (const line of lines.slice(1)) expect(line.trimStart()).not.toMatch(/^([#>+=-]|\d+[.)]|::)/);
  });

  test('shows control characters and bounds the text', () => {
    expect(forMarkdown('a\u001b[31mb')).toBe('a\\\\x1b\\[31mb');
    expect(forMarkdown('y'.repeat(10 * TEXT_LIMIT)).length).toBeLessThanOrEqual(TEXT_LIMIT);
  });
});

describe('forMarkdownCell and forMarkdownCode', () => {
  test('a table cell is one line with every pipe escaped', () => {
    const out = forMarkdownCell('a|b\nc\r\n| d <img>');
    expect(out).toBe('a\\|b c \\| d &lt;img&gt;');
  });

  test('inline code is fenced by more backticks than it holds, pipes escaped in a table', () => {
    expect(forMarkdownCode('plain')).toBe('`plain`');
    expect(forMarkdownCode('a``b')).toBe('```a``b```');
    expect(forMarkdownCode('`x')).toBe('`` `x ``');
    expect(forMarkdownCode('a|b', { table: true })).toBe('`a\\|b`');
  });
});

describe('forXml', () => {
  test('escapes markup and quotes, and replaces what XML cannot hold', () => {
    expect(forXml(`<a href="x">'&'</a>\u001b\ud800`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\\x1b\ufffd');
  });
});

describe('forCsvCell', () => {
  const FORMULAS = ["=cmd|' /C calc'!A0", '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', '  =1', ' \t@x', '\u3000=1', '＝1+1', '＋1', '－1', '＠SUM(A1)', '=HYPERLINK("http://x","y")'];

  test.each(FORMULAS)('a text cell %j is prefixed with a quote, and reads back as that text', (text) => {
    const [[cell]] = parseCsv(forCsvCell(text) + '\r\n');
    expect(cell.startsWith("'")).toBe(true);
    expect(cell.slice(1)).toBe(text);
  });

  test('numbers stay numbers, negative ones too; plain text stays as it is', () => {
    expect(forCsvCell(-1.5)).toBe('-1.5');
    expect(forCsvCell(0)).toBe('0');
    expect(forCsvCell(null)).toBe('');
    expect(forCsvCell('alice')).toBe('alice');
    expect(forCsvCell('a;b')).toBe('"a;b"');
  });

  test('a gradebook of hostile ids keeps every score a number and every id inert', () => {
    const rows = FORMULAS.map((student, i) => ({ student, labs: { x: -i }, score: -i, max_score: 3, status: 'graded', message: `=${i}` }));
    const [, ...parsed] = parseCsv(gradebookCsv(['x'], rows));
    expect(parsed.length).toBe(FORMULAS.length);
    parsed.forEach((cells, i) => {
      expect(cells[0].startsWith("'")).toBe(true);
      expect(cells.slice(1, 4)).toEqual([String(-i), String(-i), '3']);
      expect(cells[5]).toBe(`'=${i}`);
    });
  });
});

describe('GitHub annotations and Classroom messages', () => {
  test('an annotation is one line whose message and properties are escaped', () => {
    const line = annotation('error', EVIL_MESSAGE, { file: 'labs/a,b.ts', line: 3, title: 'x::y\n::warning::t' });
    expect(line.split(/\r|\n/)).toHaveLength(1);
    expect(line.startsWith('::error file=labs/a%2Cb.ts,line=3,title=x%3A%3Ay\\n%3A%3Awarning%3A%3At::')).toBe(true);
    const data = line.slice(line.indexOf('::', 2) + 2);
    expect(data).not.toMatch(/%(?!25|0A|0D)/);
    const decoded = data.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
    expect(commandLines(decoded)).toEqual([]);
    expect(decoded).not.toContain(ESC);
  });

  test("Classroom's reporter prints each message in the log: no line of one starts a command", () => {
    const results: Results = {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      submission: '.',
      sandbox: 'none',
      score: 0,
      max_score: 1,
      labs: [{ lab: 'x', title: 'X', score: 0, max_score: 1, status: 'graded', message: '', notes: [], items: [{ id: 'a', title: 'A', score: 0, max_score: 1, status: 'threw', message: `${EVIL_NAME}: ${EVIL_MESSAGE}`, visibility: 'visible', duration_ms: 1, cases: [] }] }],
    };
    const [test] = toClassroom(results)[0].result.tests;
    expect(commandLines(test.message)).toEqual([]);
    expect(test.message).not.toContain(ESC);
    expect(test.message).toContain(': :warning::pwned');
  });
});

// ----- hostile submissions, graded for real ----------------------------------------------------

const MODES: SandboxMode[] = ['permission', 'bwrap'];

beforeAll(async () => {
  await expectedFor(ROOT, loadLab(ROOT, 'activations'));
}, 120000);

describe.each(MODES)('a hostile submission graded in sandbox %s', (mode) => {
  const available = mode !== 'bwrap' || bwrapAvailable();
  if (!available) console.warn(`SKIPPED: the ${mode} end-to-end attack tests (bubblewrap cannot run here)`);
  const maybe = available ? test : test.skip;
  // Windows allows none of < > | " in a file name: there, no student can be named so.
  const namesAllowed = process.platform !== 'win32';
  if (available && !namesAllowed) console.warn('SKIPPED: hostile folder names (Windows does not allow them)');
  const maybeNames = available && namesAllowed ? test : test.skip;

  maybe('the score table, the Markdown feedback and the Gradescope results show the attack as text', async () => {
    const submission = writeSubmission(tempDir('evil'));
    const results = await gradeSubmission({ root: ROOT, submission, labs: ['activations'], sandbox: mode, typecheck: true });
    const items = Object.fromEntries(results.labs[0].items.map((i) => [i.id, i]));
    // The attack got through to the results (else this test would prove nothing).
    expect(items['tanh.forward'].status).toBe('threw');
    expect(items['tanh.forward'].message).toContain('<script>alert(1)</script>');
    expect(items['tanh.forward'].message).toContain('<img src=x onerror=alert(1)>');
    expect(items['relu.forward'].status).toBe('threw');
    expect(results.labs[0].notes.join('\n')).toContain('<img src=y onerror=alert(2)>');

    for (const view of ['student', 'instructor'] as const) {
      const table = formatTable(results, { view });
      expect(table).not.toContain(ESC);
      expect(table).not.toContain(BEL);
      expect(commandLines(table)).toEqual([]);
      expect(table).toContain('\\x1b[31mred\\x1b]0;title\\x07');
      expect(table).toContain(': :warning::pwned');
      expect(table.length).toBeLessThan(20 * TEXT_LIMIT);
      // In colour, the only escape sequences are the table's own SGR colours.
      const coloured = formatTable(results, { view, color: true });
      expect(coloured.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u001b\u0007]/);
      expect(commandLines(coloured)).toEqual([]);

      const markdown = formatMarkdown(results, { view });
      expectSafeMarkdown(markdown, `feedback.md (${view})`);
      expect(markdown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(markdown).toContain('&lt;img src=y onerror=alert(2)&gt;');
      expect(markdown.length).toBeLessThan(20 * TEXT_LIMIT);
    }

    const gradescope = toGradescope(results);
    for (const output of [gradescope.output ?? '', ...gradescope.tests.map((t) => t.output ?? '')]) expectSafeMarkdown(output, 'Gradescope');
    expect(gradescope.tests.map((t) => t.output_format)).toEqual(gradescope.tests.map(() => 'md'));
    expect(gradescope.tests.find((t) => t.tags?.includes('tanh.forward'))?.output).toContain('&lt;script&gt;');
  }, 300000);

  maybe('the CI step: stdout runs no command of the student, and the summary, outputs and files hold no HTML', async () => {
    const submission = writeSubmission(tempDir('evil-ci'));
    const runner = tempDir('runner');
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: path.join(runner, 'summary.md'),
      GITHUB_OUTPUT: path.join(runner, 'output'),
      GRADECHECK_SANDBOX: mode,
      GRADECHECK_CLASSROOM50_RESULT: path.join(runner, 'result.json'),
    };
    const stdout: string[] = [];
    const out = path.join(runner, 'gradecheck');
    const outcome = await gradeForCi({ graders: ROOT, submission, out, labs: ['activations'], env, write: (t) => stdout.push(t) });
    expect(outcome.exitCode).toBe(1);
    const text = stdout.join('\n') + '\n';
    expect(text).not.toContain(ESC);
    expect(text).not.toContain(BEL);

    // The harness's own commands: a pause around the table, then one annotation per failed item.
    const commands = commandLines(text);
    const [pause, resume, ...annotations] = commands;
    const token = /^::stop-commands::(gradecheck-[0-9a-f-]{36})$/.exec(pause)?.[1];
    expect(token).toBeDefined();
    expect(resume).toBe(`::${token}::`);
    const failed = outcome.results.labs[0].items.filter((i) => i.status !== 'passed');
    expect(annotations.length).toBe(failed.length);
    for (const line of annotations) {
      expect(line).toMatch(/^::error [^:]*::/);
      const data = line.slice(line.indexOf('::', 2) + 2);
      expect(data).not.toMatch(/%(?!25|0A|0D)/);
      expect(commandLines(data.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'))).toEqual([]);
    }
    expect(annotations.some((a) => a.includes('<script>alert(1)</script>'))).toBe(true); // the message is there (GitHub shows annotations as text)
    // The table between the pause and the resume shows the student's text, neutralised.
    const table = text.slice(text.indexOf(pause) + pause.length, text.indexOf(resume));
    expect(table).toContain(': :warning::pwned');

    const summary = fs.readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8');
    expectSafeMarkdown(summary, 'step summary');
    expect(summary).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const outputs = parseOutputs(fs.readFileSync(env.GITHUB_OUTPUT, 'utf8'));
    expect(Object.keys(outputs).sort()).toEqual(['max_score', 'runners', 'score']);
    const classroom = JSON.parse(fs.readFileSync(path.join(out, 'classroom-result.json'), 'utf8')) as { runners: Array<{ result: { tests: Array<{ message: string }> } }> };
    for (const t of classroom.runners.flatMap((r) => r.result.tests)) {
      expect(commandLines(t.message)).toEqual([]);
      expect(t.message).not.toContain(ESC);
    }
    expectSafeMarkdown(fs.readFileSync(path.join(out, 'feedback.md'), 'utf8'), 'feedback.md');
  }, 300000);

  maybeNames('a class with hostile folder names: grades.csv, summary.md, feedback and the progress lines', async () => {
    const submissions = tempDir('evil-class');
    // The classic payload is =cmd|' /C calc'!A0; a folder name cannot hold a slash (here U+2044).
    const hostile = ["=cmd|' \u2044C calc'!A0", '<img src=x onerror=alert(1)>'];
    for (const name of hostile) writeSubmission(path.join(submissions, name));
    // Students without labs/: cheap to grade, and their names are formulas too.
    const formulaNames = ['＝HYPERLINK("x")', ' +1', '-2+3', '@SUM(1)'];
    for (const name of formulaNames) fs.mkdirSync(path.join(submissions, name));
    const outDir = path.join(tempDir('evil-out'), 'out');
    const io = captureIO();
    const code = await run(batch, [submissions, '--out', outDir, '--labs', 'activations', '--sandbox', mode, '--jobs', '2'], io);
    expect(code).toBe(0);

    const printed = [...io.stdout, ...io.stderr].join('\n');
    expect(printed).not.toMatch(/[\u001b\u0007]/);
    expect(commandLines(printed)).toEqual([]);
    for (const name of hostile) expect(io.stderr.some((l) => l.includes(name))).toBe(true);

    const [header, ...rows] = parseCsv(fs.readFileSync(path.join(outDir, 'grades.csv'), 'utf8'));
    const ids = rows.map((r) => r[0]);
    expect(ids.sort()).toEqual([...hostile, ...formulaNames].map((n) => (/^[\s]*[=+\-@＝]/.test(n) ? `'${n}` : n)).sort());
    const total = header.indexOf('total');
    for (const r of rows) {
      expect(r[0]).not.toMatch(/^[\s\u3000]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/);
      for (const cell of r.slice(1)) expect(cell).not.toMatch(/^[\s\u3000]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/);
      if (r[total] !== '') expect(Number.isFinite(Number(r[total]))).toBe(true);
    }
    const evil = rows.find((r) => r[0] === hostile[1])!;
    expect(Number(evil[total])).toBeGreaterThan(0); // graded: the other functions are the reference

    const files = filesIn(outDir);
    expectSafeMarkdown(files['summary.md'], 'summary.md');
    expect(files['summary.md']).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const feedback = Object.entries(files).filter(([name]) => name.endsWith('.md'));
    expect(feedback.length).toBeGreaterThanOrEqual(1 + hostile.length + formulaNames.length);
    for (const [name, body] of feedback) expectSafeMarkdown(body, name);
    for (const [name, body] of Object.entries(files).filter(([n]) => n.endsWith('.svg'))) expect({ name, html: body.match(/<(script|img)\b/gi) }).toEqual({ name, html: null });
    for (const [name, body] of Object.entries(files).filter(([n]) => n.endsWith('gradescope/results.json'))) {
      const g = JSON.parse(body) as { output?: string; tests: Array<{ output?: string }> };
      for (const output of [g.output ?? '', ...g.tests.map((t) => t.output ?? '')]) expectSafeMarkdown(output, name);
    }
  }, 300000);
});

test("Jest's failure messages (npm test in a student's repository) show the attack as text", () => {
  const submission = writeSubmission(tempDir('evil-jest'));
  const r = runCommand(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'jest.graders.config.js', 'activations'], {
    cwd: ROOT,
    env: cleanEnv({ GRADECHECK_SUBMISSION: submission, GRADECHECK_SANDBOX: 'permission', FORCE_COLOR: '0', GITHUB_ACTIONS: 'true' }),
    timeoutMs: 300000,
  });
  const output = r.stdout + r.stderr;
  expect(r.status).toBe(1);
  expect(output).toContain('ItemFailed: threw: ');
  expect(output).toContain(': :warning::pwned');
  expect(output).not.toMatch(/[\u001b\u0007]/);
  expect(commandLines(output)).toEqual([]);
}, 300000);
