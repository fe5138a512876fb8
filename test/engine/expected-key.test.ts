/**
 * The expected-values cache key is built from what feeds expected values (rubric, reference,
 * stub, ops, fixtures, mutants, the engine files that compute them), not from every engine
 * file: a cosmetic edit to a renderer keeps every cache, an edit to a rubric does not.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedInputs, expectedKey } from '../../graders/engine/authoring/expected-values';
import { ROOT } from '../support/paths';
import { tempDir } from '../support/temp';

/** A copy of the checkout's files that matter here, to edit freely. */
function copyOfCheckout(): string {
  const dir = tempDir('key');
  for (const part of ['graders', 'labs', 'reference', 'rubrics', 'fixtures/cases', 'fixtures/mutants']) fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  return dir;
}

const append = (dir: string, rel: string, text: string) => fs.appendFileSync(path.join(dir, rel), text);

test('editing a renderer, a writer or the CLI keeps the key; editing what feeds expected values changes it', () => {
  const dir = copyOfCheckout();
  const before = expectedKey(dir, 'activations');
  expect(expectedKey(ROOT, 'activations')).toBe(before); // same content, same key, wherever it lives
  append(dir, 'graders/emit/score-table.ts', '\n// a comment in a renderer\n');
  append(dir, 'graders/emit/csv.ts', '\n// a comment in a writer\n');
  append(dir, 'graders/engine/host/student-process.ts', '\n// a comment in the host\n');
  expect(expectedKey(dir, 'activations')).toBe(before);
  for (const rel of ['rubrics/activations.yaml', 'reference/activations/activations.ts', 'graders/activations.ops.ts', 'graders/engine/core/cases.ts']) {
    const copy = copyOfCheckout();
    append(copy, rel, rel.endsWith('.yaml') ? '\n# edited\n' : '\n// edited\n');
    expect([rel, expectedKey(copy, 'activations')]).not.toEqual([rel, before]);
  }
});

test('the inputs name the lab\'s own files and no renderer', () => {
  const inputs = expectedInputs(ROOT, 'rnn');
  expect(inputs).toEqual(expect.arrayContaining(['rubrics/rnn.yaml', 'graders/rnn.ops.ts', 'graders/engine/core/cases.ts']));
  expect(inputs.some((f) => f.startsWith('reference/rnn/'))).toBe(true);
  expect(inputs.filter((f) => /report|figures|emit|batch|release/.test(f))).toEqual([]);
  expect(inputs.some((f) => f.startsWith('reference/activations') || f.startsWith('rubrics/activations'))).toBe(false);
});
