/**
 * Command options are declared once (name, kind, help) and read back with their types; the
 * options several commands take share one declaration, so they are read and refused alike.
 */
import { COMMANDS, main } from '../scripts/cli';
import { SHARED_OPTIONS, choice, defineCommand, flag, helpText, list, number, parse, required, text } from '../scripts/command';
import { ROOT } from './support/paths';

async function call(...args: string[]) {
  let stderr = '';
  const code = await main(args, { out: () => undefined, err: (t) => (stderr += t + '\n'), stdoutTTY: false, stderrTTY: false, env: {}, cwd: ROOT, root: ROOT });
  return { code, stderr: stderr.trim() };
}

const probe = defineCommand({
  name: 'probe',
  summary: 'a command for the test',
  options: {
    out: text('DIR', 'where'),
    labs: list('a,b', 'which'),
    sandbox: SHARED_OPTIONS.sandbox,
    jobs: number('N', 'how many', { min: 1, integer: true }),
    mode: choice('M', 'how', ['fast', 'slow'] as const, 'fast'),
    force: flag('again'),
  },
  async run() {
    return 0;
  },
});

describe('command options', () => {
  test('are read back with their declared types and defaults', () => {
    const args = parse(probe, ['--out', 'x', '--labs', 'a, b,', '--jobs', '3', '--force']);
    const out: string | undefined = args.get('out');
    const labs: string[] | undefined = args.get('labs');
    const jobs: number | undefined = args.get('jobs');
    const mode: 'fast' | 'slow' = args.get('mode');
    const force: boolean = args.get('force');
    expect({ out, labs, jobs, mode, force, sandbox: args.get('sandbox') }).toEqual({ out: 'x', labs: ['a', 'b'], jobs: 3, mode: 'fast', force: true, sandbox: 'auto' });
    expect(parse(probe, []).get('force')).toBe(false);
  });

  test('a bad value is a usage error naming the flag and what it takes', () => {
    expect(() => parse(probe, ['--jobs', '0']).get('jobs')).toThrow('--jobs must be an integer >= 1, not "0"');
    expect(() => parse(probe, ['--mode', 'medium']).get('mode')).toThrow('--mode must be one of fast, slow, not "medium"');
    expect(() => parse(probe, ['--labs', ',']).get('labs')).toThrow('--labs needs a comma-separated list');
  });

  test('reading an option the command does not declare is the command\'s bug, not a usage error', () => {
    const untyped = parse(probe as never, []) as { get(name: string): unknown };
    expect(() => untyped.get('shard')).toThrow('gradecheck probe reads --shard, which it does not declare');
  });

  test('a required option that is missing is a usage error naming the command', async () => {
    expect(await call('merge', 'somewhere')).toEqual({ code: 2, stderr: 'gradecheck: merge: --out DIR is required' });
    expect(await call('release')).toEqual({ code: 2, stderr: 'gradecheck: release: --out DIR is required' });
    const needsOut = defineCommand({ name: 'probe', summary: 'a command for the test', options: { out: required(text('DIR', 'where')) }, run: async () => 0 });
    const out: string = parse(needsOut, ['--out', 'x']).get('out');
    expect(out).toBe('x');
    expect(() => parse(needsOut, ['--out', '']).get('out')).toThrow('probe: --out DIR is required');
  });

  test('shared by several commands are refused alike, each in its command', async () => {
    for (const command of ['grade', 'batch']) {
      const r = await call(command, ...(command === 'batch' ? ['fixtures/submissions', '--out', '/tmp/unused', '--labs', 'activations'] : []), '--memory', '12');
      expect(r).toEqual({ code: 2, stderr: 'gradecheck: --memory must be an integer >= 64, not "12"' });
    }
    for (const command of ['grade', 'validate']) expect(await call(command, '--sandbox', 'docker')).toEqual({ code: 2, stderr: 'gradecheck: --sandbox must be one of auto, bwrap, permission, none, not "docker"' });
  });

  test('each shared declaration is one object, in the help of every command that takes it', () => {
    const takers = COMMANDS.filter((c) => c.options.sandbox === SHARED_OPTIONS.sandbox);
    expect(takers.map((c) => c.name).sort()).toEqual(['batch', 'grade']);
    for (const c of takers) expect(helpText(c)).toContain(`--sandbox MODE`);
    const assignment = COMMANDS.filter((c) => c.options.assignment === SHARED_OPTIONS.assignment).map((c) => c.name).sort();
    expect(assignment).toEqual(['batch', 'grade', 'gradescope', 'release']);
  });
});
