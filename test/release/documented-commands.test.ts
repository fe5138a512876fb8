/**
 * Every shell command a student release documents, run in the release as a student would: the
 * lines of the ```sh blocks of its README.md and of every handout (labs/<lab>/README.md as shipped),
 * on the untouched stubs, offline. Each must exit as documented (the README: `npm test` exits 1
 * while points are missing; a script's own --help for its exit codes), and none may fail as a
 * command (an unknown option, a missing script or file). Only commands that need the network or
 * GitHub are left out, by name (ALLOWED_UNRUN). Also: `npm test` on the stubs is short, and a
 * syntax error is told once, with its position.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listLabs } from '../../graders/engine/core/labs';
import { buildRelease } from '../../graders/release/build';
import { ROOT } from '../support/paths';
import { cleanEnv, installRelease, run, start, tempDir } from './support';

/** Documented commands that cannot run here: they need the network or GitHub. */
const ALLOWED_UNRUN: RegExp[] = [/^git (push|clone|pull)\b/, /^gh /];

/** The lines of a Markdown file's shell code blocks, without comments; unlabelled blocks that look like commands are refused. */
function shellCommands(markdown: string, file: string): string[] {
  const commands: string[] = [];
  let fence: { lang: string; start: number } | undefined;
  markdown.split('\n').forEach((line, i) => {
    const open = /^\s*```\s*([\w-]*)/.exec(line);
    if (open && !fence) {
      fence = { lang: open[1], start: i + 1 };
      return;
    }
    if (/^\s*```\s*$/.test(line) && fence) {
      fence = undefined;
      return;
    }
    if (!fence) return;
    const command = line.replace(/\s+#\s.*$/, '').trim();
    if (['sh', 'bash', 'shell', 'console'].includes(fence.lang)) {
      if (command && !command.startsWith('#')) commands.push(command.replace(/^\$\s+/, ''));
    } else if (fence.lang === '' && /^(npm|npx|node|git|cd)\s/.test(command)) {
      throw new Error(`${file}:${i + 1}: a command in a code block without a language; mark the block \`\`\`sh so that it is checked`);
    }
  });
  return commands;
}

interface Expectation {
  status: number;
  /** Printed when it ran as documented. */
  prints: RegExp;
}

/**
 * How each kind of documented command exits on the untouched stubs, and where that is documented.
 * A command that matches none is a failure: say here how the documentation says it exits.
 * `labScripts`: the npm scripts the release's labs add (rubric `release.scripts`, e.g. generate).
 */
function documentedOutcome(command: string, labScripts: string[]): Expectation | 'watch' | undefined {
  // README: "`npm test` exits with an error (exit code 1) while points are missing".
  if (/^npm test( -- [a-z0-9-]+( -t \S+)?)?$/.test(command)) return { status: 1, prints: /^Total: 0 \/ \d+/m };
  if (/^npm run feedback -- [a-z0-9-]+$/.test(command)) return { status: 1, prints: /^feedback written to feedback\/feedback\.md$/m };
  if (/^npm run watch -- [a-z0-9-]+$/.test(command)) return 'watch';
  if (command === 'npm ci') return { status: 0, prints: /./s };
  if (command === 'npm run typecheck') return { status: 0, prints: /tsc --noEmit/ };
  // A lab's own tool: its --help says "Exit codes: 0 ..., 1 the lab code failed, 2 bad usage" (checked below).
  const tool = /^npm run ([\w-]+)(?: -- (.*))?$/.exec(command);
  if (tool && labScripts.includes(tool[1])) return /(^|\s)(--help|-h)(\s|$)/.test(tool[2] ?? '') ? { status: 0, prints: /Exit codes: 0 / } : { status: 1, prints: /not implemented/ };
  return undefined;
}

/** What a command prints when it is not the documented command it claims to be. */
const BROKEN = /Unrecognized option|Unknown option|Missing script|Can't find a root directory|command not found|No tests found|ERR!|npm error/;

let dir: string;
const documents: Array<{ file: string; commands: string[] }> = [];

beforeAll(async () => {
  dir = path.join(tempDir('documented'), 'ml-labs');
  await buildRelease({ root: ROOT, out: dir, labs: listLabs(ROOT) });
  for (const file of ['README.md', ...listLabs(ROOT).map((lab) => `labs/${lab}/README.md`)]) {
    documents.push({ file, commands: shellCommands(fs.readFileSync(path.join(dir, file), 'utf8'), file) });
  }
  // The README's first command, `npm ci`: what it installs (release.test.ts runs it for real, offline).
  installRelease(dir);
}, 600000);

afterAll(() => {
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

/** Runs a command in the release; the stubs' runs are kept (a command on the same files runs once). */
const onStubs = new Map<string, ReturnType<typeof run>>();
function npmRun(command: string, opts: { stubs: boolean } = { stubs: true }) {
  const kept = opts.stubs ? onStubs.get(command) : undefined;
  if (kept) return kept;
  const r = run('sh', ['-c', command], { cwd: dir, env: cleanEnv({ npm_config_offline: 'true' }), timeoutMs: 300000 });
  if (opts.stubs) onStubs.set(command, r);
  return r;
}

describe('the commands a student release documents', () => {
  test('are found: the README and every handout document how to grade', () => {
    const readme = documents.find((d) => d.file === 'README.md')!;
    expect(readme.commands).toEqual(expect.arrayContaining(['npm ci', 'npm test', 'npm run typecheck']));
    for (const lab of listLabs(ROOT)) expect(documents.find((d) => d.file === `labs/${lab}/README.md`)!.commands.some((c) => c.startsWith(`npm test -- ${lab}`) || c.startsWith(`npm run feedback -- ${lab}`))).toBe(true);
    // The harness's commands became the release's; none of the harness's own is left.
    for (const d of documents) for (const c of d.commands) expect(c).not.toMatch(/gradecheck|jest\.graders\.config|scripts\/labs/);
  });

  test('each exits as documented, in the release, offline', async () => {
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const labScripts = scripts.filter((name) => !['test', 'watch', 'feedback', 'typecheck'].includes(name));
    // Each lab tool documents its exit codes: 1 when the lab code fails, which the stubs do.
    for (const name of labScripts) expect(npmRun(`npm run ${name} -- --help`).stdout).toMatch(/Exit codes: 0 .*, 1 the lab code failed/);
    const seen = new Set<string>();
    const failures: string[] = [];
    for (const { file, commands } of documents) {
      for (const command of commands) {
        if (seen.has(command)) continue; // the same command in two documents runs once
        seen.add(command);
        if (ALLOWED_UNRUN.some((r) => r.test(command))) continue;
        const expected = documentedOutcome(command, labScripts);
        if (!expected) {
          failures.push(`${file}: \`${command}\`: the test does not know how it exits; add it to documentedOutcome with the documentation that says so`);
          continue;
        }
        if (command === 'npm ci') continue; // installed first, in beforeAll
        if (expected === 'watch') {
          const watcher = start('sh', ['-c', command], { cwd: dir, env: cleanEnv({ npm_config_offline: 'true' }) });
          try {
            await watcher.waitFor((out) => /^Total: /m.test(out) && out.includes('watching'), 240000);
          } catch (e) {
            failures.push(`${file}: \`${command}\`: ${(e as Error).message}`);
          } finally {
            watcher.stop();
          }
          continue;
        }
        const r = npmRun(command);
        const out = r.stdout + r.stderr;
        if (r.status !== expected.status || !expected.prints.test(out) || (BROKEN.test(out) && command !== 'npm ci')) {
          failures.push(`${file}: \`${command}\` exited ${r.status} (documented: ${expected.status}):\n${out.split('\n').slice(-25).join('\n')}`);
        }
        if (command.startsWith('npm run feedback -- ')) {
          const lab = command.split(' ')[4];
          const feedback = path.join(dir, 'feedback', 'feedback.md');
          if (!fs.existsSync(feedback) || !fs.readFileSync(feedback, 'utf8').includes(`## ${lab}: `)) failures.push(`${file}: \`${command}\` wrote no feedback/feedback.md for ${lab}`);
        }
        const one = /^npm test -- ([a-z0-9-]+)/.exec(command);
        if (one) {
          const labsGraded = [...out.matchAll(/^([a-z0-9-]+) · /gm)].map((m) => m[1]);
          if (labsGraded.join() !== one[1]) failures.push(`${file}: \`${command}\` graded ${labsGraded.join(', ') || 'nothing'}, not ${one[1]}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 1200000);
});

describe('npm test on the untouched stubs', () => {
  test('prints at most 60 lines: a line per lab, its stubs as one line with the item to start on, and the total', () => {
    const r = npmRun('npm test');
    const out = (r.stdout + r.stderr).trimEnd();
    expect(r.status).toBe(1);
    expect(out.split('\n').length).toBeLessThanOrEqual(60);
    for (const lab of listLabs(ROOT)) expect(out).toMatch(new RegExp(`^${lab} · .*\\n  · \\d+ items not implemented yet \\([\\d.]+ points\\); start with `, 'm'));
    // No failure told twice: Jest's own report of each failed test is not printed.
    expect(out).not.toMatch(/●|ItemFailed|Tests:\s+\d+ failed/);
    expect(out).toMatch(/^Total: 0 \/ \d+ \(0\.0%\) {2}0 of \d+ items passed$/m);
    expect(out).toMatch(/^\+ [\d.]+ hidden points \(\d+ items\), graded after the deadline$/m);
  }, 300000);

  test('a syntax error is told once, with its file, line and column', () => {
    const file = path.join(dir, 'labs', 'activations', 'activations.ts');
    const stub = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, stub.replace(/\n\n/, '\n\nconst broken = (;\n\n'));
      const line = stub.slice(0, stub.indexOf('\n\n')).split('\n').length + 2;
      const r = npmRun('npm test -- activations', { stubs: false });
      const out = r.stdout + r.stderr;
      expect(r.status).toBe(1);
      const told = out.split('\n').filter((l) => l.includes('labs/activations/activations.ts:'));
      expect(told).toEqual([expect.stringMatching(new RegExp(`^  syntax_error: labs/activations/activations\\.ts:${line}:\\d+ `))]);
      expect(out).toMatch(/^ {2}\d+ items \([\d.]+ points\) score 0 until it loads$/m);
    } finally {
      fs.writeFileSync(file, stub);
    }
  }, 300000);
});
