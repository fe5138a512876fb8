/**
 * A lab added from scratch, by README's "Adding a lab" only, in a temporary copy of the harness:
 * the `losses` lab (MSE and BCE with logits, forward and backward, a hidden item, 3 mutants;
 * test/support/losses-lab.ts). `validate` and the lab's own suite pass on it, with no engine
 * file edited and no oracle file for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { harnessCopy, lossesLab, writeFiles } from '../support/losses-lab';
import { ROOT } from '../support/paths';
import { cleanEnv, run } from '../release/support';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const ADDING_A_LAB = README.slice(README.indexOf('## Adding a lab'));

test('README\'s "Adding a lab" names every file the new lab needs, and every contract it follows', () => {
  const places = ['reference/<lab>/', 'labs/<lab>/', 'graders/<lab>.ops.ts', 'rubrics/<lab>.yaml', 'fixtures/mutants/<lab>/', 'fixtures/cases/<lab>.yaml', 'graders/<lab>.test.ts', 'test/labs/<lab>.test.ts'];
  for (const rel of Object.keys(lossesLab())) {
    const generic = rel.replace(/losses/g, '<lab>');
    expect([rel, places.some((p) => generic === p || (p.endsWith('/') && generic.startsWith(p)))]).toEqual([rel, true]);
  }
  for (const mention of [...places, 'graders/<lab>.inputs.ts', 'graders/engine/core/ops.ts', 'graders/engine/kit.ts', 'graders/engine/core/rubric.ts', 'graders/engine/core/mutants.ts', 'graders/engine/core/cases.ts', 'provided/', 'hidden', 'minMutants: 3', 'optional']) {
    expect([mention, ADDING_A_LAB.includes(mention)]).toEqual([mention, true]);
  }
});

test('a losses lab written from the README passes validate and its lab suite', () => {
  const dir = harnessCopy('new-lab');
  writeFiles(dir, lossesLab());

  const validate = run(process.execPath, [path.join(dir, 'scripts', 'gradecheck.cjs'), 'validate', '--labs', 'losses', '--sandbox', 'none'], { cwd: dir, timeoutMs: 300000 });
  expect([validate.status, validate.stdout + validate.stderr]).toEqual([0, expect.stringContaining('losses: ok')]);
  expect(validate.stdout).toMatch(/reference\s+7 \/ 7/);
  expect(validate.stdout).toMatch(/stub\s+0 \/ 7/);
  expect(validate.stdout.match(/^ {2}caught /gm)).toHaveLength(4);

  const suite = run(process.execPath, [path.join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), 'test/labs/losses.test.ts', '--ci'], { cwd: dir, env: cleanEnv({ GRADECHECK_SANDBOX: 'none' }), timeoutMs: 400000 });
  expect([suite.status, suite.stderr]).toEqual([0, expect.stringMatching(/Tests: .*passed/)]);
  expect(suite.stderr).not.toMatch(/failed/);
}, 700000);
