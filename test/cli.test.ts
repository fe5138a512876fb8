/** The command line, run as users run it: `node scripts/gradecheck.cjs <command> ...`. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ResultsSchema } from '../graders/engine/core/results';
import { main } from '../scripts/cli';
import { HAS_ORACLE, ORACLE_DIR, ROOT } from './support/paths';
import { tempDir } from './support/temp';

const COMMANDS = ['grade', 'validate', 'oracle', 'batch', 'merge', 'explain', 'release', 'gradescope'];

/** In-process, for the quick checks of parsing and help. */
async function call(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n'), stdoutTTY: false, stderrTTY: false, env: {}, cwd: ROOT, root: ROOT });
  return { code, stdout, stderr };
}

/** As a user runs it: the real executable in a new process. */
function run(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'gradecheck.cjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = tempDir('cli');

describe('gradecheck', () => {
  test('lists its commands', () => {
    const r = run('--help'); // the real executable, once
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c}`);
  });

  test.each(COMMANDS)('%s --help prints its usage and options', async (command) => {
    const r = await call(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`gradecheck ${command}`);
    expect(r.stdout).toContain('--help');
  });

  test.each([
    [['frobnicate'], 'gradecheck: unknown command "frobnicate"'],
    [['grade', '--bogus'], "gradecheck: grade: Unknown option '--bogus'"],
    [['grade', '--labs', 'nope'], 'gradecheck: unknown lab nope'],
    [['grade', '--sandbox', 'docker'], 'gradecheck: --sandbox must be one of auto, bwrap, permission, none, not "docker"'],
    [['grade', '--submission', '/no/such/folder'], 'gradecheck: --submission: no folder /no/such/folder'],
    [['oracle', '--dir', '/no/such/folder'], 'gradecheck: --dir: no folder /no/such/folder'],
    [['explain', '--out', '/no/such/folder'], 'gradecheck: explain: --student ID is required'],
    [['explain', '--student', 'alice', '--out', '/no/such/folder'], 'gradecheck: explain: /no/such/folder is not the output folder of gradecheck batch (no batch.json)'],
  ])('bad usage %j is one line on stderr and exit code 2', async (args, message) => {
    const r = await call(...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  test('grade --json writes a results file the schema accepts; full marks exit 0', () => {
    const out = path.join(tmp, 'alice.json');
    const r = run('grade', '--submission', 'fixtures/submissions/alice', '--labs', 'activations', '--json', out, '--skip-typecheck');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Total: \d+ \/ \d+ \(100\.0%\)/);
    const results = ResultsSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(results.score).toBe(results.max_score);
    expect(results.labs.map((l) => l.lab)).toEqual(['activations']);
  });

  test('grade exits 1 when points are lost, and --feedback writes Markdown feedback', () => {
    const dir = path.join(tmp, 'feedback');
    const r = run('grade', '--labs', 'activations', '--feedback', dir, '--skip-typecheck');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('items not implemented yet');
    expect(fs.readFileSync(path.join(dir, 'feedback.md'), 'utf8')).toContain('## activations: Activation functions (0 / ');
  });

  (HAS_ORACLE ? describe : describe.skip)('oracle', () => {
    test('agrees with the shared golden cases', () => {
      const r = run('oracle', '--labs', 'activations');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/activations: (\d+) of \1 cases agree/);
    });

    test('another folder of cases in the same format works unchanged, and a disagreement or an unknown op exits 1', () => {
      const dir = path.join(tmp, 'oracle');
      fs.mkdirSync(dir, { recursive: true });
      const cases = JSON.parse(fs.readFileSync(path.join(ORACLE_DIR, 'activations.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'activations.json'), JSON.stringify(cases));
      expect(run('oracle', '--dir', dir, '--labs', 'activations').code).toBe(0);

      cases.cases[0].outputs.y.data[3] += 1e-6;
      cases.cases.push({ ...cases.cases[1], id: 'activations/swish/random', op: 'swish' });
      fs.writeFileSync(path.join(dir, 'activations.json'), JSON.stringify(cases));
      const r = run('oracle', '--dir', dir, '--labs', 'activations');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FAIL ${cases.cases[0].id}`);
      expect(r.stdout).toContain('the activations lab has no op "swish" to run this case');
    });

    test('a requested lab without a case file exits 1', () => {
      const r = run('oracle', '--dir', tmp, '--labs', 'activations');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('activations: no ');
    });
  });
});
